"""Finding backups: listing a folder, the newest one of a study, keeping the last N.

Backups are named ``SITE-YYYYMMDD-HHMMSSZ-UID8.rego-backup`` (UID8: the first eight
characters of the study's random id), so a folder can hold backups of several studies
and a backup without its manifest is still recognised. The folders backups were
written to are remembered in ``backup-folders.json`` in the data folder (paths only),
so a damaged-database message can name the newest backup even on a USB drive.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rego_desktop.backup.files import parse_stamp, stamp
from rego_desktop.backup.manifest import BACKUP_SUFFIX, Manifest, manifest_path, read_manifest
from rego_desktop.files import bytes_writer, replace_atomically
from rego_desktop.paths import data_dir

DEFAULT_KEEP = 10
MAX_KEEP = 1000
REMEMBERED = 10
LOCATIONS_FILE = "backup-folders.json"
NAME_RE = re.compile(
    r"^(?P<site>[A-Z0-9]{2,8})-(?P<stamp>\d{8}-\d{6}Z)-(?P<uid>[0-9a-f]{8})(?:-(?P<n>\d+))?"
    + re.escape(BACKUP_SUFFIX)
    + "$"
)


@dataclass(frozen=True)
class BackupEntry:
    path: Path
    created_at: dt.datetime
    manifest: Manifest | None

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    @property
    def uid8(self) -> str | None:
        if self.manifest is not None:
            return self.manifest.db_uid[:8]
        match = NAME_RE.match(self.path.name)
        return match["uid"] if match else None

    @property
    def order(self) -> tuple[dt.datetime, int]:
        """Sort key: time made, then the -N of backups made in the same second."""
        match = NAME_RE.match(self.path.name)
        return self.created_at, (int(match["n"] or 1) if match else 0)

    def belongs_to(self, db_uid: str | None, database_name: str | None) -> bool:
        if db_uid is not None:
            return self.uid8 == db_uid[:8] and (
                self.manifest is None or self.manifest.db_uid == db_uid
            )
        if database_name is not None:
            return self.manifest is not None and self.manifest.database_name == database_name
        return True


def default_backup_dir() -> Path:
    """``backups`` in the data folder: used when no other folder is configured."""
    return data_dir() / "backups"


def backup_name(site_code: str, db_uid: str, at: dt.datetime, folder: Path) -> Path:
    base = f"{site_code}-{stamp(at)}-{db_uid[:8]}"
    path = folder / f"{base}{BACKUP_SUFFIX}"
    n = 2
    while path.exists() or manifest_path(path).exists():
        path = folder / f"{base}-{n}{BACKUP_SUFFIX}"
        n += 1
    return path


def entry_for(path: Path) -> BackupEntry:
    """What is known about one backup file (its manifest, or its name, or its date)."""
    manifest = read_manifest(path)
    if manifest is not None:
        created = manifest.created_at
    else:
        match = NAME_RE.match(path.name)
        parsed = parse_stamp(match["stamp"]) if match else None
        if parsed is None:
            try:
                parsed = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            except OSError:
                parsed = dt.datetime.fromtimestamp(0, dt.UTC)
        created = parsed
    return BackupEntry(path, created, manifest)


def list_backups(
    folder: Path, *, db_uid: str | None = None, database_name: str | None = None
) -> list[BackupEntry]:
    """Backups in ``folder`` (of one study if ``db_uid`` is given), newest first."""
    try:
        names = [p for p in folder.iterdir() if p.name.endswith(BACKUP_SUFFIX) and p.is_file()]
    except OSError:
        return []
    entries = [entry_for(p) for p in names if not p.name.startswith(".")]
    chosen = [e for e in entries if e.belongs_to(db_uid, database_name)]
    return sorted(chosen, key=lambda e: e.order, reverse=True)


def newest_backup(
    folders: Iterable[Path], *, db_uid: str | None = None, database_name: str | None = None
) -> BackupEntry | None:
    found: list[BackupEntry] = []
    for folder in folders:
        found += list_backups(folder, db_uid=db_uid, database_name=database_name)
    return max(found, key=lambda e: e.order, default=None)


def rotate(folder: Path, db_uid: str, keep: int, *, protect: Path | None = None) -> list[Path]:
    """Delete this study's backups beyond the newest ``keep``; returns what was removed.

    Only files named like our backups (and their manifests) are touched, never the
    backups of another study in the same folder, and never ``protect``.
    """
    keep = max(1, keep)
    removed: list[Path] = []
    for entry in list_backups(folder, db_uid=db_uid)[keep:]:
        if protect is not None and entry.path == protect:
            continue
        if NAME_RE.match(entry.path.name) is None:
            continue
        try:
            entry.path.unlink()
            manifest_path(entry.path).unlink(missing_ok=True)
        except OSError:
            continue
        removed.append(entry.path)
    return removed


def _locations_file() -> Path:
    return data_dir() / LOCATIONS_FILE


def remembered_folders() -> list[Path]:
    try:
        data = json.loads(_locations_file().read_text(encoding="utf-8"))
        return [Path(str(p)) for p in data.get("folders", [])][:REMEMBERED]
    except (OSError, ValueError, AttributeError):
        return []


def remember_folder(folder: Path) -> None:
    """Note that backups went to ``folder`` (best effort; paths only)."""
    folder = folder.resolve()
    folders = [folder] + [p for p in remembered_folders() if p != folder]
    path = _locations_file()
    text = json.dumps({"folders": [str(p) for p in folders[:REMEMBERED]]}, indent=2)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, bytes_writer(text.encode("utf-8")))
    except OSError:
        pass  # only a hint for later messages; the backup itself was written


def known_folders(extra: Iterable[Path] = ()) -> list[Path]:
    """Where to look for backups: the given folders, remembered ones, the default."""
    seen: list[Path] = []
    for folder in [*extra, *remembered_folders(), default_backup_dir()]:
        resolved = folder.resolve() if folder.is_absolute() else folder.absolute()
        if resolved not in seen:
            seen.append(resolved)
    return seen
