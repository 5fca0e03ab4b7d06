"""Subcommands that back up a study database and restore it from a backup."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from rego_desktop.backup.catalog import (
    DEFAULT_KEEP,
    MAX_KEEP,
    BackupEntry,
    default_backup_dir,
    list_backups,
)
from rego_desktop.cli.common import PASSWORD_ENV, database_arg, resolve_user, secret, user_arg
from rego_desktop.errors import StudyFileError, UsageError

BACKUP_PASSWORD_ENV = "REGO_BACKUP_PASSWORD"
"""The user's password as it was in the backup, when it has changed since (optional)."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "backup",
        help="write an encrypted backup of a study database (or list the backups)",
        description="Copy the study database, consistently even while it is in use, into "
        "a backup folder (default: the 'backups' folder in the data folder), check the "
        "copy and keep the newest backups of the study there. No password is needed: "
        "the backup is as encrypted as the study.",
    )
    database_arg(p)
    p.add_argument(
        "--to",
        type=Path,
        metavar="DIR",
        help=f"backup folder, e.g. a USB drive (default: {default_backup_dir()})",
    )
    p.add_argument(
        "--keep",
        type=_keep,
        default=DEFAULT_KEEP,
        metavar="N",
        help=f"keep the newest N backups of this study in the folder (default {DEFAULT_KEEP})",
    )
    p.add_argument("--list", action="store_true", help="list the backups in the folder instead")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="replace a study database with a checked backup",
        description="Restoring is for administrators of the current study: your user name "
        f"and password (${PASSWORD_ENV}) are checked against the study database first. Then "
        "the backup is checked (checksum, SQLite integrity, it opens with your password as "
        f"it was then - set ${BACKUP_PASSWORD_ENV} if it has changed since - the audit "
        "trail verifies, every record decrypts) and only then replaces the study database. "
        "Both studies record the restore in their audit trails. The replaced file is kept "
        "beside it, renamed NAME.replaced-DATE. Close rego-desktop first.",
    )
    database_arg(p, must_exist=False)
    p.add_argument(
        "--from",
        dest="backup",
        required=True,
        type=Path,
        metavar="BACKUP",
        help="backup file (*.rego-backup)",
    )
    user_arg(p)
    p.add_argument("--check", action="store_true", help="only check the backup; change nothing")
    p.set_defaults(run=cmd_restore)


def _keep(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_KEEP:
        raise argparse.ArgumentTypeError(f"give 1 to {MAX_KEEP}")
    return value


def _when(at: dt.datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _describe(entry: BackupEntry) -> str:
    m = entry.manifest
    facts = f"{m.patients} patients, {m.audit_entries} audit entries, {m.reason}" if m else ""
    return f"{_when(entry.created_at)}  {_mib(entry.size):>10}  {entry.path}  {facts}".rstrip()


def cmd_backup(args: argparse.Namespace) -> int:
    from rego_desktop.backup.integrity import study_uid
    from rego_desktop.backup.writer import write_backup

    db: Path = args.db
    folder: Path = args.to or default_backup_dir()
    if args.list:
        uid = study_uid(db) if db.exists() else None
        entries = list_backups(folder, db_uid=uid, database_name=None if uid else db.name)
        if not entries:
            print(f"No backups of {db} in {folder}.")
            return 0
        print(f"Backups of {db} in {folder} (newest first):")
        for entry in entries:
            print("  " + _describe(entry))
        return 0
    result = write_backup(db, folder, reason="manual", keep=args.keep)
    m = result.manifest
    print(
        f"Backup written: {result.path} ({_mib(m.size)}; {m.patients} patients, "
        f"{m.audit_entries} audit entries; integrity checked)."
    )
    for path in result.removed:
        print(f"Removed old backup {path.name} (keeping the newest {args.keep}).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from rego_desktop.backup.restore import check_backup, restore_backup

    db: Path = args.db
    backup: Path = args.backup
    if not backup.exists():
        raise UsageError(f"There is no backup file {backup}.")
    try:  # the user of the current study; of the backup when there is none (or damaged)
        username = resolve_user(db if not args.check else backup, args.user)
    except StudyFileError:
        username = resolve_user(backup, args.user)
    password = secret(PASSWORD_ENV, f"Password for {username}: ")
    backup_password = os.environ.get(BACKUP_PASSWORD_ENV) or None

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\rChecking the backup: step {done}/{total}", end="", file=sys.stderr)

    try:
        if args.check:
            work_dir = db.parent if db.parent.is_dir() else None
            checked = check_backup(
                backup, username, backup_password or password, work_dir=work_dir, progress=progress
            )
        else:
            result = restore_backup(
                backup,
                db,
                username,
                password,
                backup_password=backup_password,
                progress=progress,
            )
            checked = result.check
    finally:
        if sys.stderr.isatty():
            print(file=sys.stderr)
    summary = (
        f"{checked.patients} patients, {checked.records} records, "
        f"{checked.audit_entries} audit entries; integrity, password, audit chain and "
        "decryption verified"
    )
    if args.check:
        print(f"Backup {backup} is good ({summary}). Nothing was changed.")
        return 0
    print(f"Restored {db} from {backup} ({summary}).")
    if result.kept is not None:
        print(f"The file it replaced is kept as {result.kept}.")
    return 0
