"""Automatic backups: on close and daily, to the configured folder, keeping the last N.

The application (GUI) holds the settings; this module only needs a
:class:`BackupPolicy`. If the configured folder (a USB drive) is not there, the backup
goes to the default folder instead and the result says so: a backup is never skipped
because a drive was unplugged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from rego_desktop.backup.catalog import DEFAULT_KEEP, default_backup_dir, list_backups
from rego_desktop.backup.integrity import study_uid
from rego_desktop.backup.writer import BackupResult, write_backup
from rego_desktop.errors import StorageFull
from rego_desktop.models import utcnow

DAILY = dt.timedelta(hours=24)


@dataclass(frozen=True)
class BackupPolicy:
    folder: Path | None = None  # None: the default folder in the data folder
    keep: int = DEFAULT_KEEP
    interval: dt.timedelta = DAILY

    @property
    def target(self) -> Path:
        return self.folder or default_backup_dir()


@dataclass(frozen=True)
class AutoBackup:
    result: BackupResult
    fallback_from: Path | None = None  # the configured folder that could not be used

    @property
    def note(self) -> str:
        """One line for the status bar or a message (empty when all went as planned)."""
        if self.fallback_from is None:
            return ""
        return (
            f"The backup folder {self.fallback_from} is not available (USB drive not "
            f"plugged in?); the backup was written to {self.result.path.parent} instead."
        )


def backup_due(db: Path, policy: BackupPolicy, now: dt.datetime | None = None) -> bool:
    """True if the study has no backup in the policy's folder newer than its interval."""
    uid = study_uid(db)
    if uid is None:
        return False
    newest = next(iter(list_backups(policy.target, db_uid=uid)), None)
    return newest is None or (now or utcnow()) - newest.created_at >= policy.interval


def auto_backup(
    db: Path, policy: BackupPolicy, reason: str, *, now: dt.datetime | None = None
) -> AutoBackup:
    """An automatic backup ('close' or 'daily'); skipped if nothing changed since the
    newest one. Raises like :func:`write_backup` if even the default folder fails."""
    configured = policy.folder
    fallback: Path | None = None
    folder = policy.target
    if configured is not None and not _usable(configured):
        fallback, folder = configured, default_backup_dir()
    try:
        result = write_backup(
            db, folder, reason=reason, keep=policy.keep, skip_unchanged=True, now=now
        )
    except StorageFull:
        if folder == default_backup_dir():
            raise
        fallback = folder
        result = write_backup(
            db, default_backup_dir(), reason=reason, keep=policy.keep, skip_unchanged=True, now=now
        )
    return AutoBackup(result, fallback)


def _usable(folder: Path) -> bool:
    """The configured folder exists, or its drive does and it can be created."""
    if folder.is_dir():
        return True
    parent = folder.parent
    return parent != folder and parent.is_dir()
