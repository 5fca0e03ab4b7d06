"""The ``check`` subcommand: run the edit checks and list the queries they raise.

``rego-desktop check --db FILE`` brings every patient's queries up to date with the
data (new findings open queries, corrected data close them, all in the audit trail)
and prints every finding not yet closed, grouped by subject: status "open" (to be
corrected or answered) or "answered" (waiting for a reviewer). ``--all`` adds the
closed ones. ``--json`` prints a list of objects (subject, form, item, field, rule,
severity, message, status, ...). Exit code 0 whatever is found: findings are work to
do, not a failure of the command. A patient with a damaged stored record is skipped,
the others are checked, and the command ends with exit code 1 naming the damaged
patient, form and entry and the newest backup.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from rego_desktop.cli.common import database_arg, open_from_args, user_arg
from rego_desktop.services.damage import DamagedRecord, carry_on, skipped_report
from rego_desktop.services.queries import (
    STATUSES,
    QueryRow,
    QueryService,
    QueryStatus,
    SyncResult,
)
from rego_desktop.services.signatures import SignatureService
from rego_desktop.store.study import OpenStudy

UNRESOLVED: tuple[QueryStatus, ...] = ("open", "answered")
SEVERITY_WORD = {"error": "ERROR", "deviation": "DEVIATION", "warning": "warning"}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="run the edit checks and list open findings (queries)",
        description="Run every edit check (label rules, consistency, completeness), bring "
        "the queries up to date and print those not closed (open or answered).",
    )
    database_arg(p)
    user_arg(p)
    p.add_argument("--subject", metavar="CODE", help="only this subject")
    p.add_argument("--all", action="store_true", help="include closed queries as well")
    p.add_argument(
        "--severity",
        choices=("error", "deviation", "warning"),
        help="only findings of this severity",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    study = open_from_args(args)
    with carry_on() as skipped:
        try:
            return _check(args, study, skipped)
        finally:
            study.close()


def _check(args: argparse.Namespace, study: OpenStudy, skipped: list[DamagedRecord]) -> int:
    service = QueryService(study)
    if args.subject:
        subject = args.subject.strip().upper()
        result = service.sync(subject)
    else:
        subject = None
        progress = _progress if sys.stderr.isatty() and not args.json else None
        result = service.sync_all(progress)
        if progress is not None:
            print(file=sys.stderr)
    statuses: tuple[QueryStatus, ...] | None = None if args.all else UNRESOLVED
    rows = service.list(subject, statuses, severity=args.severity)
    broken = [c for c in SignatureService(study).broken() if subject in (None, c)]
    if args.json:
        print(json.dumps([row.to_json() for row in rows], ensure_ascii=False, indent=2))
    else:
        print_text(rows, result)
    for code in broken:  # on stderr with --json, so the JSON list stays as it is
        print(
            f"Signature BROKEN: {code} (the casebook was changed after it was signed).",
            file=sys.stderr if args.json else sys.stdout,
        )
    if skipped:
        print(f"rego-desktop: error: {skipped_report(skipped)}", file=sys.stderr)
        return 1
    return 0


def _progress(done: int, total: int) -> None:
    print(f"\rchecking {done}/{total} patients", end="", file=sys.stderr, flush=True)


def print_text(rows: Sequence[QueryRow], result: SyncResult) -> None:
    subjects: dict[str, list[QueryRow]] = {}
    for row in rows:
        subjects.setdefault(row.subject, []).append(row)
    for subject, items in subjects.items():
        print(f"{subject}  ({_count(items)})")
        for row in items:
            status = "" if row.status == "open" else f" [{row.status}]"
            print(f"  {SEVERITY_WORD[row.severity]:<9} {row.rule}{status}")
            print(f"      {row.message}")
            print(f"      at: {row.where}")
            if row.answer:
                print(f"      answer ({row.answered_by}): {row.answer}")
            if row.note:
                print(f"      note ({row.closed_by or '-'}): {row.note}")
        print()
    changes = (
        f"{result.opened} new, {result.reopened} re-opened, {result.closed} closed by data changes"
    )
    statuses = ", ".join(
        f"{n} {status}" for status in STATUSES if (n := sum(1 for r in rows if r.status == status))
    )
    print(
        f"{len(rows)} findings in {len(subjects)} of {result.patients} patients "
        f"({_count(rows)}; {statuses or 'none'}); this run: {changes}."
    )


def _count(rows: Sequence[QueryRow]) -> str:
    parts = []
    for severity, word in (("error", "error"), ("deviation", "deviation"), ("warning", "warning")):
        n = sum(1 for r in rows if r.severity == severity)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return ", ".join(parts) or "none"
