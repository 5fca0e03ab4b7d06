"""Subcommands that create, fill, recover and audit a site study database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Role
from rego_desktop.authority.report import authority_report
from rego_desktop.cli.common import (
    PASSWORD_ENV,
    database_arg,
    new_secret,
    open_from_args,
    resolve_user,
    secret,
    user_arg,
)
from rego_desktop.errors import UsageError
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import create_study, open_study, recover_access

RECOVERY_NOTICE = """\
RECOVERY KEY (shown once; print it and keep it locked away from the computer):

    {key}

With it, a forgotten password never loses the study: `rego-desktop recover`.
"""


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create a study database with an administrator")
    database_arg(p, must_exist=False)
    p.add_argument("--site", required=True, metavar="CODE", help="site code, e.g. BJ01")
    p.add_argument("--user", required=True, metavar="NAME", help="administrator user name")
    p.add_argument("--full-name", default="", metavar="TEXT", help="administrator's full name")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("demo", help="add realistic synthetic patients (creates the study)")
    database_arg(p, must_exist=False)
    p.add_argument("--patients", required=True, type=_count, metavar="N")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("--site", default="DEMO", metavar="CODE", help="site code if created")
    user_arg(p)
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("audit", help="print or verify the audit trail")
    database_arg(p)
    user_arg(p)
    p.add_argument("--verify", action="store_true", help="check the chain; exit 1 if broken")
    p.add_argument("--subject", metavar="CODE", help="only this subject's entries")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_audit)

    p = sub.add_parser("recover", help="set a new password with the recovery key")
    database_arg(p)
    p.add_argument("--user", required=True, metavar="NAME")
    p.set_defaults(run=cmd_recover)

    p = sub.add_parser("users", help="list users, or add one (administrators)")
    database_arg(p)
    user_arg(p)
    p.add_argument("--add", metavar="NAME", help="user name to add")
    p.add_argument("--role", choices=[r.value for r in Role], help="role of the new user")
    p.add_argument("--full-name", default="", metavar="TEXT")
    p.set_defaults(run=cmd_users)

    p = sub.add_parser(
        "units",
        help="show the site's usual unit of each field with a choice of units, or set it "
        "(administrators)",
        description="A number typed without its unit is refused unless the site has a "
        "usual unit for the field: the entry screens preselect it and the template import "
        "uses it for an empty unit cell. Every change is audited.",
    )
    database_arg(p)
    user_arg(p)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=UNIT",
        help="set a field's usual unit, e.g. bilirubin=umol/L (repeatable)",
    )
    p.add_argument(
        "--clear", action="append", default=[], metavar="FIELD", help="remove a usual unit"
    )
    p.add_argument("--reason", metavar="TEXT", help="why (kept in the audit trail)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_units)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("give 1 to 100000 patients")
    return value


def cmd_init(args: argparse.Namespace) -> int:
    password = new_secret(PASSWORD_ENV, f"New password for {args.user}: ")
    created = create_study(args.db, args.site, args.user, password, full_name=args.full_name)
    created.study.close()
    print(f"Created study database {args.db} for site {created.study.info.site_code}.")
    print(RECOVERY_NOTICE.format(key=created.recovery_key))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from rego_desktop.demo.generator import generate

    db: Path = args.db
    if db.exists():
        study = open_from_args(args)
    else:
        username = args.user or "admin"
        password = new_secret(PASSWORD_ENV, f"New password for {username}: ")
        created = create_study(db, args.site, username, password, full_name="Demo administrator")
        study = created.study
        print(f"Created demo study {db} (user {username}).")
        print(RECOVERY_NOTICE.format(key=created.recovery_key))
    try:

        def progress(done: int, total: int) -> None:
            if sys.stderr.isatty():
                print(f"\r{done}/{total} patients", end="", file=sys.stderr, flush=True)

        report = generate(study, args.patients, seed=args.seed, progress=progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(f"Added {report.patients} demo patients to {db}.")
    finally:
        study.close()
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    if args.verify:  # opens a study with altered authority rows too, read-only, to list them
        username = resolve_user(args.db, getattr(args, "user", None))
        password = secret(PASSWORD_ENV, f"Password for {username}: ")
        study = open_study(args.db, username, password, allow_altered=True)
    else:
        study = open_from_args(args)
    try:
        if args.verify:
            report = authority_report(study)
        with study.reading() as session:
            if args.verify:
                count, problems = trail.verify(session, study.keyring)
                if args.json:
                    print(
                        json.dumps(
                            {
                                "entries": count,
                                "intact": not problems and report.intact,
                                "problems": [p.__dict__ for p in problems],
                                **report.to_json_object(),
                            },
                            indent=2,
                        )
                    )
                else:
                    if problems:
                        print(
                            f"Audit trail BROKEN ({len(problems)} problem(s) in {count} entries):"
                        )
                        for problem in problems:
                            print(f"  {problem.message}")
                    else:
                        print(f"Audit trail intact: {count} entries, chain verified.")
                    print("\n".join(report.lines()))
                return 1 if problems or not report.intact else 0
            records = trail.read(session, study.keyring, study.info.db_uid, args.subject)
    finally:
        study.close()
    if args.json:
        print(json.dumps([_audit_json(r) for r in records], ensure_ascii=False, indent=2))
    else:
        for record in records:
            print(_audit_line(record))
    return 0


def _audit_json(r: trail.AuditRecord) -> dict[str, Any]:
    return {
        "seq": r.seq,
        "at": r.at.isoformat(),
        "user": r.username,
        "action": r.action,
        "subject": r.subject_code,
        "form": r.form_id,
        "item": r.item_uid,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in r.changes],
        "reason": r.reason,
        "details": r.details,
    }


def _audit_line(r: trail.AuditRecord) -> str:
    head = f"#{r.seq:<6} {r.at:%Y-%m-%d %H:%M:%S}Z  {r.username:<12} {r.action:<16}"
    where = " ".join(x for x in (r.subject_code, r.form_id, r.item_uid) if x)
    parts = [head, where]
    if r.changes:
        parts.append("; ".join(f"{c.field}: {c.old!r} -> {c.new!r}" for c in r.changes))
    if r.details:
        parts.append(", ".join(f"{k}={v}" for k, v in r.details.items()))
    if r.reason:
        parts.append(f"reason: {r.reason}")
    return "  ".join(p for p in parts if p)


def cmd_recover(args: argparse.Namespace) -> int:
    key = secret("REGO_RECOVERY_KEY", "Recovery key: ")
    password = new_secret("REGO_NEW_PASSWORD", f"New password for {args.user}: ")
    study = recover_access(args.db, key, args.user, password)
    study.close()
    print(f"New password set for {args.user}; the old one no longer works.")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    if args.add and not args.role:
        raise UsageError("--add needs --role (" + ", ".join(r.value for r in Role) + ").")
    study = open_from_args(args)
    try:
        service = UserService(study)
        if args.add:
            password = new_secret("REGO_NEW_PASSWORD", f"Password for {args.add}: ")
            service.add_user(args.add, args.full_name or args.add, Role(args.role), password)
            print(f"Added {args.add} ({args.role}).")
        for row in service.list_users():
            state = "" if row.active else " (inactive)"
            print(f"{row.username:<16} {row.role.value:<14} {row.full_name}{state}")
    finally:
        study.close()
    return 0


def _unit_changes(args: argparse.Namespace) -> dict[str, str | None]:
    changes: dict[str, str | None] = {}
    for item in args.set:
        field_id, sep, unit = item.partition("=")
        if not sep or not field_id.strip() or not unit.strip():
            raise UsageError(f"--set takes FIELD=UNIT, e.g. --set bilirubin=umol/L (got {item!r}).")
        changes[field_id.strip()] = unit.strip()
    for field_id in args.clear:
        if field_id.strip() in changes:
            raise UsageError(f"{field_id} is both set and cleared; say one.")
        changes[field_id.strip()] = None
    return changes


def cmd_units(args: argparse.Namespace) -> int:
    from rego_desktop.services.site_units import SiteUnits

    changes = _unit_changes(args)
    study = open_from_args(args)
    try:
        service = SiteUnits(study)
        changed = service.set_many(changes, args.reason) if changes else {}
        rows = service.rows()
    finally:
        study.close()
    if args.json:
        print(
            json.dumps(
                {
                    "site_units": {r.field_id: r.unit for r in rows if r.unit is not None},
                    "fields": [
                        {
                            "field": r.field_id,
                            "label": r.label.en,
                            "label_zh": r.label.zh,
                            "units": [{"id": u.id, "symbol": u.text()} for u in r.units],
                            "unit": r.unit,
                            "unit_symbol": r.unit_text() or None,
                        }
                        for r in rows
                    ],
                    "changed": {k: {"old": old, "new": new} for k, (old, new) in changed.items()},
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    symbols = {r.field_id: {u.id: u.text() for u in r.units} for r in rows}
    for field_id, (old, new) in changed.items():
        was = symbols[field_id].get(old, old) if old else "not set"
        now = symbols[field_id].get(new, new) if new else "not set"
        print(f"{field_id}: {now} (was {was}).")
    if changes and not changed:
        print("Nothing changed: the usual units were already so.")
    print("Usual units of this site (used when a value is typed without its unit):")
    for r in rows:
        units = ", ".join(u.text() for u in r.units)
        print(f"  {r.field_id:<18} {r.label.en:<28} {units:<18} {r.unit_text() or 'not set'}")
    return 0
