"""The ``rego-center`` command of the coordinating center.

Subcommands: ``keygen`` (the center's key pair), ``register-site`` (add a site's public
key to the registry folder after confirming its fingerprint), ``verify`` (check transfer
files), ``merge`` (merge them into the center database), ``log`` (the merge log),
``status`` (each site's state), ``rollback`` (undo a site's newest packages),
``audit`` (the center's audit trail, ``--verify`` checks
its hash chain), ``summary`` (pooled results) and ``xlsx`` (the pooled dataset as a
workbook).

The passphrase of the center's private key comes from ``$REGO_CENTER_PASSPHRASE`` or a
prompt, never from the command line. ``--db`` is a file name (SQLite) or a SQLAlchemy
URL such as ``postgresql+psycopg://rego@dbhost/rego_center``.

Exit codes: 0 success; 1 a failure, or at least one file refused (each refusal is
reported on its own line naming the file and the reason); 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rego_desktop import __version__
from rego_desktop.analysis.dataset import AnalysisRow
from rego_desktop.analysis.summary import summarize_rows
from rego_desktop.analysis.text import render_text
from rego_desktop.center import audit as center_audit
from rego_desktop.center.analysis_rows import pooled_rows
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.merge import (
    MergeResult,
    merge_file,
    order_for_merge,
    verify_file,
)
from rego_desktop.center.models import CenterPackage
from rego_desktop.center.pooled import site_counts
from rego_desktop.center.registry import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    load_center_key,
    load_site_registry,
    register_site_key,
)
from rego_desktop.center.rollback import rollback
from rego_desktop.center.status import (
    DEFAULT_OVERDUE_DAYS,
    MAX_OVERDUE_DAYS,
    overdue_days,
    set_overdue_days,
    site_status,
)
from rego_desktop.cli.common import new_secret, secret
from rego_desktop.cli.runner import run_command
from rego_desktop.errors import RegoError, UsageError
from rego_desktop.exchange.errors import ExchangeError
from rego_desktop.exchange.keys import (
    CenterPrivateKey,
    generate_center_keys,
    write_center_private_key,
    write_center_public_key,
)
from rego_desktop.study import CURRENT

PROG = "rego-center"
PASSPHRASE_ENV = "REGO_CENTER_PASSPHRASE"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        required=True,
        metavar="DB",
        help="center database: a file name (SQLite) or a SQLAlchemy URL "
        "(postgresql+psycopg://user@host/dbname)",
    )


def _site_keys_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--site-keys",
        required=True,
        type=Path,
        metavar="DIR",
        help="folder of registered site public keys, one <SITE>.json per site",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Coordinating center of the regorafenib HCC real-world study: keys, "
        "verification and merging of site transfer files, pooled data. The private key "
        f"passphrase comes from ${PASSPHRASE_ENV} or a prompt.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("keygen", help="make the center's key pair (X25519 + Ed25519)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the keys")
    p.add_argument("--name", required=True, metavar="TEXT", help="the coordinating center's name")
    p.add_argument("--force", action="store_true", help="replace existing key files")
    p.set_defaults(run=cmd_keygen)

    p = sub.add_parser("register-site", help="register a site's public key file")
    _site_keys_arg(p)
    p.add_argument(
        "--fingerprint",
        required=True,
        metavar="FP",
        help="the key fingerprint the site read to you by telephone",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the site's public key file")
    p.add_argument(
        "--db",
        metavar="DB",
        help="center database whose audit trail records the registration",
    )
    p.set_defaults(run=cmd_register_site)

    p = sub.add_parser("verify", help="check transfer files (signature, structure)")
    _site_keys_arg(p)
    p.add_argument(
        "--key",
        type=Path,
        metavar="DIR",
        help="also decrypt and validate the content with the center's private key",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser("merge", help="verify transfer files and merge them into the database")
    _db_arg(p)
    p.add_argument("--key", required=True, type=Path, metavar="DIR", help="center key folder")
    _site_keys_arg(p)
    p.add_argument(
        "--in-given-order",
        action="store_true",
        help="merge in the order given (default: by site and sequence number)",
    )
    p.add_argument(
        "--allow-removals",
        action="store_true",
        help="merge packages that remove patients the center holds (refused by default)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(run=cmd_merge)

    p = sub.add_parser("log", help="list the merged transfer files")
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_log)

    p = sub.add_parser("status", help="each site's state: last package, completeness, overdue")
    _db_arg(p)
    p.add_argument(
        "--overdue-days",
        type=int,
        metavar="N",
        help="mark a site overdue N days after its last package, for this report only "
        f"(default: the center's setting, initially {DEFAULT_OVERDUE_DAYS})",
    )
    p.add_argument(
        "--set-overdue-days",
        type=int,
        metavar="N",
        help="change the center's overdue period to N days (recorded in the audit trail)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_status)

    p = sub.add_parser("audit", help="the center's audit trail (--verify checks its hash chain)")
    _db_arg(p)
    p.add_argument("--verify", action="store_true", help="check the hash chain; exit 1 if broken")
    p.add_argument(
        "--anchor",
        metavar="SEQ:HASH",
        help="also check that entry SEQ still has HASH (as printed earlier by this command)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_audit)

    p = sub.add_parser("rollback", help="return a site to its state as of an earlier package")
    _db_arg(p)
    p.add_argument("--site", required=True, metavar="SITE", help="the site code, e.g. S01")
    p.add_argument(
        "--to-sequence",
        required=True,
        type=int,
        metavar="N",
        help="the package number whose state the site returns to",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_rollback)

    p = sub.add_parser(
        "summary",
        help="pooled endpoint summary (OS, PFS, TTP, ORR, DCR, AEs, dosing), overall and per site",
    )
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--by-site", action="store_true", help="also each site on its own")
    p.set_defaults(run=cmd_summary)

    p = sub.add_parser("xlsx", help="write the pooled dataset as an Excel workbook")
    _db_arg(p)
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="the .xlsx to write")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.add_argument("--site", metavar="SITE", help="only this site's listings (e.g. S01)")
    p.set_defaults(run=cmd_xlsx)

    from rego_desktop.cdisc.commands import register_center  # issue 17

    register_center(sub, _db_arg)

    from rego_desktop.center.cli_queries import register as register_queries  # issue 16

    register_queries(sub, _db_arg, _site_keys_arg)

    from rego_desktop.center.backup_commands import register as register_backup

    register_backup(sub, _db_arg)
    return parser


# --------------------------------------------------------------------------- commands


def cmd_keygen(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; give a folder for the key files.")
    private, public = out / PRIVATE_KEY_FILE, out / PUBLIC_KEY_FILE
    if not args.force:
        for path in (private, public):
            if path.exists():
                raise RegoError(
                    f"{path} already exists; it was not replaced. Choose another folder (or "
                    "--force, which makes every file encrypted for the old key unreadable)."
                )
    passphrase = new_secret(PASSPHRASE_ENV, "Passphrase for the center's private key: ")
    key = generate_center_keys(args.name)
    out.mkdir(parents=True, exist_ok=True)
    write_center_private_key(private, key, passphrase, overwrite=args.force)
    write_center_public_key(public, key.public, overwrite=args.force)
    print(f"Center key pair for {key.public.center} written to {out}:")
    print(f"  {private}  (private: keep it here, with a backup; never send it)")
    print(f"  {public}  (public: give it to every site)")
    print(f"Fingerprint: {key.fingerprint}")
    print("Sites should confirm this fingerprint by telephone when they import the public key.")
    return 0


def cmd_register_site(args: argparse.Namespace) -> int:
    key, target = register_site_key(args.site_keys, args.file, args.fingerprint)
    if args.db is not None:
        with open_center_database(args.db, create=True) as db:
            center_audit.record(
                db,
                AuditAction.REGISTER_KEY,
                site_code=key.site_code,
                details={"fingerprint": key.fingerprint, "file": str(target)},
            )
    print(f"Registered the key of site {key.site_code} ({key.fingerprint}) as {target}.")
    from rego_desktop.center.registry import registration_warning  # issue 16

    warning = registration_warning(key)
    if warning is not None:
        print(warning, file=sys.stderr)
    return 0


def _center_key(folder: Path) -> CenterPrivateKey:
    passphrase = secret(PASSPHRASE_ENV, "Passphrase for the center's private key: ")
    return load_center_key(folder, passphrase)


def _refusal(path: Path | str, exc: ExchangeError) -> dict[str, Any]:
    item: dict[str, Any] = {
        "file": str(path),
        "status": "refused",
        "reason": str(getattr(exc, "reason", "error")),
        "message": exc.message,
    }
    subjects = getattr(exc, "subjects", ())
    if subjects:
        item["subjects"] = list(subjects)
    return item


def _keys_for(registry: dict[str, Any], folder: Path, path: Path | str) -> dict[str, Any]:
    """Issue 16: a file made before its site's key was replaced verifies with the old key."""
    from rego_desktop.center.registry import keys_for_file
    from rego_desktop.exchange.container import read_header

    try:
        header = read_header(path)
    except ExchangeError:
        return registry  # refused with its reason by the verification itself
    return keys_for_file(
        registry, folder, header.site_code, header.site_key_fingerprint, header.created
    )


def cmd_verify(args: argparse.Namespace) -> int:
    registry = load_site_registry(args.site_keys)
    center = _center_key(args.key) if args.key else None
    results: list[dict[str, Any]] = []
    refused = 0
    for path in args.files:
        try:
            checked = verify_file(path, _keys_for(registry, args.site_keys, path), center)
        except ExchangeError as exc:
            refused += 1
            results.append(_refusal(path, exc))
            if not args.json:
                print(f"REFUSED {path}: {exc.message}", file=sys.stderr)
            continue
        h = checked.header
        item: dict[str, Any] = {
            "file": str(path),
            "status": "ok",
            "site": h.site_code,
            "sequence": h.sequence,
            "package_id": str(h.package_id),
            "created": h.created.isoformat(),
            "study": f"{h.study_id} {h.study_version}",
            "site_key_fingerprint": h.site_key_fingerprint,
            "recipient_fingerprint": h.recipient_fingerprint,
            "sha256": checked.file_sha256,
            "content_checked": checked.manifest is not None,
        }
        if checked.manifest is not None:
            item["patients"] = checked.manifest.patients
            item["entries"] = dict(checked.manifest.entries)
        results.append(item)
        if not args.json:
            extent = (
                f"content valid, {checked.manifest.patients} patients"
                if checked.manifest is not None
                else "signature valid (content not decrypted: give --key to check it)"
            )
            print(
                f"OK {path}: site {h.site_code}, package sequence {h.sequence}, made "
                f"{h.created:%Y-%m-%d %H:%M} UTC, study {h.study_id} {h.study_version}; "
                f"{extent}."
            )
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 1 if refused else 0


def cmd_merge(args: argparse.Namespace) -> int:
    registry = load_site_registry(args.site_keys)
    center = _center_key(args.key)
    files = [str(p) for p in args.files] if args.in_given_order else order_for_merge(args.files)
    results: list[dict[str, Any]] = []
    refused = 0
    with open_center_database(args.db, create=True) as db:
        for path in files:
            try:
                result: MergeResult = merge_file(
                    db,
                    path,
                    center,
                    _keys_for(registry, args.site_keys, path),
                    allow_removals=args.allow_removals,
                )
            except ExchangeError as exc:
                refused += 1
                results.append(_refusal(path, exc))
                if not args.json:
                    print(f"REFUSED {path}: {exc.message}", file=sys.stderr)
                continue
            results.append(result.to_json_object())
            if not args.json:
                print(result.describe())
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    elif refused and len(files) > 1:
        print(
            f"{refused} of {len(files)} file(s) refused; the database is unchanged by them.",
            file=sys.stderr,
        )
    return 1 if refused else 0


def cmd_log(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    with open_center_database(args.db) as db, db.reading() as session:
        packages = list(session.scalars(select(CenterPackage).order_by(CenterPackage.id)))
    rows = [
        {
            "merged_at": p.merged_at.isoformat(),
            "site": p.site_code,
            "sequence": p.sequence,
            "package_id": p.package_id,
            "file": p.file_name,
            "sha256": p.file_sha256,
            "patients": p.patients,
            "added": p.added,
            "updated": p.updated,
            "unchanged": p.unchanged,
            "removed": p.removed,
            "changes": json.loads(p.changes),
        }
        for p in packages
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for p in packages:
        print(
            f"{p.merged_at:%Y-%m-%d %H:%M:%S}Z  {p.site_code:<8} #{p.sequence:<5} "
            f"{p.patients:>6} patients  +{p.added} ~{p.updated} ={p.unchanged} -{p.removed}  "
            f"{p.file_name}  sha256 {p.file_sha256[:16]}..."
        )
    if not packages:
        print("No transfer file has been merged yet.")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    for option in ("overdue_days", "set_overdue_days"):
        value = getattr(args, option)
        if value is not None and not 0 <= value <= MAX_OVERDUE_DAYS:
            flag = "--" + option.replace("_", "-")
            raise UsageError(f"{flag} must be between 0 and {MAX_OVERDUE_DAYS}.")
    with open_center_database(args.db) as db:
        if args.set_overdue_days is not None and set_overdue_days(db, args.set_overdue_days):
            print(f"The center's overdue period is now {args.set_overdue_days} days.")
        period = args.overdue_days if args.overdue_days is not None else overdue_days(db)
        sites = site_status(db, overdue_days=period)
    args.overdue_days = period
    if args.json:
        report = {"overdue_days": period, "sites": [s.to_json_object() for s in sites]}
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    if not sites:
        print("No site has sent a package yet.")
        return 0
    print(
        f"{'Site':<8}{'Seq':>5}  {'Made at site':<16}  {'Merged':<16}{'Patients':>9}"
        f"{'Screen f.':>10}{'Signed':>8}{'No dose':>8}{'Days':>6}"
    )
    for st in sites:
        mark = "  OVERDUE" if st.overdue else ""
        print(
            f"{st.site_code:<8}{st.sequence:>5}  {st.created_at:%Y-%m-%d %H:%M}  "
            f"{st.merged_at:%Y-%m-%d %H:%M}{st.patients:>9}{st.screen_failures:>10}"
            f"{st.signed_share:>8.0%}{len(st.without_first_dose):>8}{st.days_since_package:>6}"
            f"{mark}"
        )
    print()
    print("Completeness per form (share of patients, screen failures excluded, form complete):")
    for st in sites:
        parts = ", ".join(f"{form} {share:.0%}" for form, share in st.completeness.items())
        print(f"  {st.site_code}: {parts or 'no patients'}")
    for st in sites:
        if st.without_first_dose:
            print(
                f"  {st.site_code}: without a first dose date (not in time-to-event analyses): "
                + ", ".join(st.without_first_dose)
            )
    overdue = [st.site_code for st in sites if st.overdue]
    if overdue:
        print(f"Overdue (no package for more than {args.overdue_days} days): " + ", ".join(overdue))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    with open_center_database(args.db) as db:
        entries, head = center_audit.read(db)
    problems = center_audit.check_chain(entries, head) if args.verify or args.anchor else []
    if args.anchor:
        try:
            problems += center_audit.check_anchor(entries, args.anchor)
        except ValueError:
            raise UsageError(
                f"--anchor {args.anchor!r} is not SEQ:HASH as printed by rego-center audit."
            ) from None
    head_text = f"{head.seq}:{head.hash}" if head is not None else None
    if args.json:
        report: dict[str, Any] = {
            "entries": [
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(),
                    "operator": e.operator,
                    "action": e.action,
                    "site": e.site_code,
                    "sha256": e.file_sha256,
                    "details": json.loads(e.details),
                    "hash": e.hash,
                }
                for e in entries
            ],
            "head": head_text,
        }
        if args.verify or args.anchor:
            report["verified"] = not problems
            report["problems"] = [p.to_json_object() for p in problems]
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 1 if problems else 0
    if not (args.verify or args.anchor):
        for e in entries:
            details = json.loads(e.details)
            text = ", ".join(
                f"{k}={v}"
                for k, v in details.items()
                if k not in ("message",) and v not in ([], "")
            )
            print(
                f"#{e.seq:<5} {e.at:%Y-%m-%d %H:%M:%S}Z  {e.operator:<12} {e.action:<13} "
                f"{e.site_code or '-':<8} {text}"
            )
            if "message" in details:
                print(f"       {details['message']}")
        if not entries:
            print("The audit trail is empty.")
        print(f"Head (keep it outside the database to check later with --anchor): {head_text}")
        return 0
    if problems:
        for problem in problems:
            print(f"AUDIT TRAIL BROKEN: {problem.message}", file=sys.stderr)
        return 1
    print(f"The audit trail is intact: {len(entries)} entries, head {head_text}.")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    with open_center_database(args.db) as db:
        result = rollback(db, args.site, args.to_sequence)
    if args.json:
        print(json.dumps(result.to_json_object(), ensure_ascii=False, indent=2))
    else:
        print(result.describe())
    return 0


def _render_summary(summary: Any) -> str:
    try:
        return render_text(summary)
    except (KeyError, TypeError, ValueError):
        return "\n".join(_render(summary, 1))  # not the shape render_text knows


def _render(value: Any, indent: int = 0) -> list[str]:
    pad = "  " * indent
    if isinstance(value, dict):
        lines: list[str] = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines += _render(item, indent + 1)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
        return lines
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}-")
                out += _render(item, indent + 1)
            else:
                out.append(f"{pad}- {_scalar(item)}")
        return out
    return [f"{pad}{_scalar(value)}"]


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if value == {} or value == []:
        return "none"
    return str(value)


def _pooled_summaries(db: CenterDatabase, sites: Sequence[str] | None) -> dict[str | None, Any]:
    """The pooled summary (key None) and, with ``sites``, each site's, from the analysis
    rows the merges stored (derived where missing), read once."""
    rows, definition = pooled_rows(db)
    definition = definition or CURRENT
    out: dict[str | None, Any] = {None: summarize_rows(rows, definition).to_json()}
    if sites is not None:
        groups: dict[str, list[AnalysisRow]] = {code: [] for code in sites}
        for row in rows:
            groups.setdefault(row.site, []).append(row)
        for code in sites:
            out[code] = summarize_rows(groups[code], definition).to_json()
    return out


def cmd_summary(args: argparse.Namespace) -> int:
    with open_center_database(args.db) as db:
        counts = site_counts(db)
        total = sum(c.patients for c in counts)
        report: dict[str, Any] = {
            "patients": total,
            "sites": [c.to_json_object() for c in counts],
        }
        codes = [c.site_code for c in counts]
        summaries = _pooled_summaries(db, codes if args.by_site else None)
        report["summary"] = summaries[None]
        if args.by_site:
            report["by_site"] = {code: summaries[code] for code in codes}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"Pooled data: {total} patients from {len(counts)} site(s).")
    if counts:
        print(f"  {'Site':<10}{'Patients':>9}{'Packages':>10}{'Last seq.':>11}  Last merged (UTC)")
        for c in counts:
            print(
                f"  {c.site_code:<10}{c.patients:>9}{c.packages:>10}{c.last_sequence:>11}  "
                f"{c.last_merged_at:%Y-%m-%d %H:%M}"
            )
    if report["summary"] is None:
        print(report["note"])
        return 0
    print()
    print("Pooled summary (all sites):")
    print(_render_summary(report["summary"]))
    if args.by_site:
        for code, part in report["by_site"].items():
            print()
            print(f"Site {code}:")
            print(_render_summary(part))
    return 0


def cmd_xlsx(args: argparse.Namespace) -> int:
    from rego_desktop.center.exports import export_workbook

    with open_center_database(args.db) as db:
        report = export_workbook(db, args.out, overwrite=args.force, site=args.site)
    sheets = ", ".join(f"{name} {n}" for name, n in report.rows.items())
    print(f"Wrote {report.path} (rows per sheet: {sheets}).")
    return 0


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list:  # no command: the coordinating center's window
        from rego_desktop.center_ui.app import run_center_gui  # Qt only here

        return run_center_gui()
    args = parser.parse_args(args_list)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return run_command(PROG, args, args_list, interrupted="nothing half-merged was kept.")


if __name__ == "__main__":
    sys.exit(main())
