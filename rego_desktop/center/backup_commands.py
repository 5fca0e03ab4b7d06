"""``rego-center backup`` and ``rego-center restore`` (see :mod:`rego_desktop.center.backup`)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rego_desktop.center.backup import backup_center, check_backup, list_backups, restore_center

__all__ = ["register"]


def register(sub: Any, db_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser(
        "backup",
        help="back up a SQLite center database (checked copy with manifest; audited)",
    )
    db_arg(p)
    p.add_argument("--to", required=True, type=Path, metavar="DIR", help="folder for the backups")
    p.add_argument(
        "--list", action="store_true", help="list the backups in DIR instead of making one"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="replace a SQLite center database by a verified backup (the old file is kept)",
    )
    db_arg(p)
    p.add_argument(
        "--from",
        dest="source",
        required=True,
        type=Path,
        metavar="BACKUP",
        help="the backup file (its manifest must be beside it)",
    )
    p.add_argument("--check", action="store_true", help="only check the backup; change nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    if args.list:
        found = list_backups(args.to)
        if args.json:
            rows = [
                {"file": str(path), "manifest": m.to_json_object() if m else None}
                for path, m in found
            ]
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        for path, m in found:
            if m is None:
                print(f"{path}  (no readable manifest: cannot be restored)")
            else:
                print(
                    f"{path}  {m.created_at:%Y-%m-%d %H:%M} UTC  {m.sites} site(s)  "
                    f"{m.patients} patients  audit head {m.audit_head}"
                )
        if not found:
            print(f"There is no center backup in {args.to}.")
        return 0
    result = backup_center(args.db, args.to)
    if args.json:
        report = {"file": str(result.path), "manifest": result.manifest.to_json_object()}
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(result.describe())
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    if args.check:
        checked = check_backup(args.source)
        if args.json:
            report = {
                "file": str(checked.path),
                "verified": True,
                "manifest": checked.manifest.to_json_object(),
            }
            print(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            m = checked.manifest
            print(
                f"{checked.path} is a verified center backup (made {m.created_at:%Y-%m-%d %H:%M} "
                f"UTC, {m.sites} site(s), {m.patients} patients, audit head {m.audit_head})."
            )
        return 0
    result = restore_center(args.db, args.source)
    if args.json:
        print(json.dumps(result.to_json_object(), ensure_ascii=False, indent=2))
    else:
        print(result.describe())
    return 0
