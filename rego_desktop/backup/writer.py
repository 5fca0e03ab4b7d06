"""Writing a backup: an online, consistent copy of the study file, checked, then named.

SQLite's online backup API (:meth:`sqlite3.Connection.backup`) copies every page
inside one read transaction, so the copy is the database as of one commit even while
the application keeps saving (WAL readers never block the writer). The copy is made
under a hidden ``.partial`` name, switched to a single-file journal mode, checked
(``quick_check``), synced to disk, given its manifest, and only then renamed to its
final name. A crash or a full USB drive at any moment leaves either a complete,
checked backup or no backup, never a half-written one under a backup's name; and a
damaged study is never backed up over good backups (rotation only runs after success).

Values and audit payloads in the study file are encrypted record by record with the
study's data key, so the copy is an encrypted backup that opens with the same
passwords and recovery key (the key slots are copied with it). Nothing is decrypted
and nothing readable is added.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import shutil
import sqlite3
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from rego_desktop import __version__
from rego_desktop.backup.catalog import (
    DEFAULT_KEEP,
    NAME_RE,
    backup_name,
    default_backup_dir,
    list_backups,
    remember_folder,
    rotate,
)
from rego_desktop.backup.files import (
    BACKUP,
    connect_readonly,
    folder_error,
    fsync_dir,
    fsync_file,
    is_disk_full,
    is_read_only,
    remove_with_side_files,
    sha256_of,
)
from rego_desktop.backup.integrity import damaged_message, find_newest_backup, first_problem
from rego_desktop.backup.manifest import (
    BACKUP_SUFFIX,
    FORMAT,
    MANIFEST_SUFFIX,
    REASONS,
    Manifest,
    manifest_path,
    write_manifest,
)
from rego_desktop.errors import DamagedDatabase, DatabaseInUse, StudyFileError
from rego_desktop.models import utcnow
from rego_desktop.store.opening import inspect_file

STALE_PARTIAL_S = 3600.0
#: Less free space than this in the backup folder after a failed copy means "full".
LOW_SPACE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class StudyState:
    """What identifies a study file's content without decrypting anything."""

    db_uid: str
    site_code: str
    schema_revision: str
    audit_entries: int
    audit_state: str


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    removed: tuple[Path, ...] = ()
    skipped: bool = False  # nothing changed since this (existing) backup


def read_state(conn: sqlite3.Connection) -> StudyState:
    row = conn.execute(
        "SELECT db_uid, site_code, audit_head_seq, audit_head_mac FROM study_meta WHERE id = 1"
    ).fetchone()
    if row is None:
        raise sqlite3.DatabaseError("no study record")
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    # A digest of the audit head MAC: changes with every audited change, reveals nothing.
    state = hashlib.sha256(b"rego-backup-state|" + bytes(row[3])).hexdigest()[:16]
    return StudyState(str(row[0]), str(row[1]), str(revision[0] if revision else ""), row[2], state)


def write_backup(
    db: Path,
    folder: Path | None = None,
    *,
    reason: str = "manual",
    keep: int | None = DEFAULT_KEEP,
    skip_unchanged: bool = False,
    now: dt.datetime | None = None,
) -> BackupResult:
    """Back up the study file ``db`` into ``folder`` (default: the data folder's
    ``backups``) and keep the newest ``keep`` backups of this study there.

    Works while the study is open (in this or another process). ``skip_unchanged``
    (automatic backups) returns the newest backup instead of writing an identical one.
    Raises :class:`StorageFull` if the folder cannot be written (nothing is left
    behind), :class:`DamagedDatabase` if the study file fails its check.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    db = db.resolve()
    folder = (folder or default_backup_dir()).absolute()
    inspect_file(db)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise folder_error(folder, exc, BACKUP) from exc
    try:
        src = connect_readonly(db)
    except sqlite3.Error as exc:
        raise StudyFileError(
            f"{db} cannot be opened for a backup: {exc}.", zh=f"无法打开 {db} 进行备份：{exc}。"
        ) from exc
    try:
        try:
            state = read_state(src)
        except sqlite3.Error as exc:
            raise _source_error(db, exc) from exc
        if skip_unchanged:
            same = _unchanged(folder, state)
            if same is not None:
                return same
        _clean_stale_partials(folder)
        final = backup_name(state.site_code, state.db_uid, now or utcnow(), folder)
        partial = folder / f".{final.name}.partial"
        try:
            manifest = _copy(db, src, partial, final, reason, now)
        except BaseException:
            remove_with_side_files(partial)
            raise
    finally:
        src.close()
    removed = tuple(rotate(folder, state.db_uid, keep, protect=final)) if keep else ()
    remember_folder(folder)
    return BackupResult(final, manifest, removed)


def _copy(
    db: Path,
    src: sqlite3.Connection,
    partial: Path,
    final: Path,
    reason: str,
    now: dt.datetime | None,
) -> Manifest:
    folder = final.parent
    try:
        dst = sqlite3.connect(str(partial), isolation_level=None)
    except sqlite3.Error as exc:
        raise folder_error(folder, exc, BACKUP) from exc
    try:
        try:
            src.backup(dst)
        except sqlite3.Error as exc:
            raise _copy_error(db, src, folder, exc) from exc
        try:
            # One self-contained file: no -wal beside the backup.
            dst.execute("PRAGMA journal_mode=DELETE")
            problem = first_problem(dst, "quick_check")
            copied = read_state(dst) if problem is None else None
            patients = dst.execute("SELECT count(*) FROM patients").fetchone()[0] if copied else 0
        except sqlite3.Error as exc:
            raise _copy_error(db, src, folder, exc) from exc
    finally:
        dst.close()
    if (problem is not None or copied is None) and _source_is_sound(src):
        # The study is fine: the copy went wrong on its way to the backup folder.
        error = folder_error(folder, _full_or(folder, problem or "unreadable copy"), BACKUP)
        remove_with_side_files(partial)
        raise error
    if problem is not None or copied is None:
        newest = find_newest_backup(db, [folder])
        message = damaged_message(db, problem or "unreadable study record", newest)
        raise DamagedDatabase(
            "No backup was written and the older backups were kept. " + message.en,
            zh="未写入备份，较早的备份均已保留。" + message.zh,
        )
    try:
        fsync_file(partial)
        size = partial.stat().st_size
        digest = sha256_of(partial)
        manifest = Manifest(
            format=FORMAT,
            app_version=__version__,
            created_at=(now or utcnow()).astimezone(dt.UTC),
            reason=reason,
            db_uid=copied.db_uid,
            site_code=copied.site_code,
            schema_revision=copied.schema_revision,
            database_name=db.name,
            size=size,
            sha256=digest,
            audit_entries=copied.audit_entries,
            audit_state=copied.audit_state,
            patients=int(patients),
        )
        # The manifest first: a backup under its final name always has one.
        write_manifest(final, manifest)
        os.replace(partial, final)
        fsync_dir(folder)
    except OSError as exc:
        remove_with_side_files(final)
        manifest_path(final).unlink(missing_ok=True)
        raise folder_error(folder, exc, BACKUP) from exc
    return manifest


def _unchanged(folder: Path, state: StudyState) -> BackupResult | None:
    newest = next(iter(list_backups(folder, db_uid=state.db_uid)), None)
    if newest is None or newest.manifest is None:
        return None
    m = newest.manifest
    if (
        m.audit_state == state.audit_state
        and m.audit_entries == state.audit_entries
        and m.schema_revision == state.schema_revision
        and newest.size == m.size
    ):
        return BackupResult(newest.path, m, (), skipped=True)
    return None


def _clean_stale_partials(folder: Path) -> None:
    """Remove leftovers of backups interrupted long ago (a crash, a pulled USB drive):
    hidden partial copies, and manifests whose backup never got its name."""
    cutoff = time.time() - STALE_PARTIAL_S
    try:
        names = list(folder.iterdir())
    except OSError:
        return
    for path in names:
        partial = path.name.startswith(".") and ".partial" in path.name
        orphan = (
            path.name.endswith(BACKUP_SUFFIX + MANIFEST_SUFFIX)
            and NAME_RE.match(path.name.removesuffix(MANIFEST_SUFFIX)) is not None
            and not path.with_name(path.name.removesuffix(MANIFEST_SUFFIX)).exists()
        )
        if not (partial or orphan):
            continue
        with suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _source_is_sound(src: sqlite3.Connection) -> bool:
    """True if the study itself passes its quick check (so a failed copy is the folder's fault)."""
    try:
        return first_problem(src, "quick_check") is None
    except sqlite3.Error:
        return False


def _full_or(folder: Path, problem: object) -> BaseException:
    """A disk-full error if the backup folder has (almost) no space left, else ``problem``."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if free is not None and free < LOW_SPACE_BYTES:
        return OSError(errno.ENOSPC, "No space left on device")
    return problem if isinstance(problem, BaseException) else OSError(errno.EIO, str(problem))


def _copy_error(
    db: Path, src: sqlite3.Connection, folder: Path, exc: sqlite3.Error
) -> StudyFileError:
    """Writing the copy failed: blame the folder (full, read-only, removed) unless the
    study itself fails its check. A full disk often shows as "disk I/O error" here."""
    if is_disk_full(exc) or is_read_only(exc) or "unable to open" in str(exc).lower():
        return folder_error(folder, exc, BACKUP)
    if _source_is_sound(src):
        return folder_error(folder, _full_or(folder, exc), BACKUP)
    return _source_error(db, exc)


def _source_error(db: Path, exc: BaseException) -> StudyFileError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseInUse(
            f"{db} is busy; the backup was not written. Try again.",
            zh=f"{db} 正忙；备份未写入。请重试。",
        )
    message = damaged_message(db, str(exc), newest=find_newest_backup(db))
    return DamagedDatabase(
        "No backup was written and the older backups were kept. " + message.en,
        zh="未写入备份，较早的备份均已保留。" + message.zh,
    )
