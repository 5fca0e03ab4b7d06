"""Backups of a SQLite center database: ``rego-center backup`` and ``restore``.

A backup is checked like the site's (:mod:`rego_desktop.backup.writer`):

* the copy is made with SQLite's online backup API (one consistent snapshot even while
  a merge runs in another process) under a hidden temporary name in the backup folder,
  switched to a single-file journal, checked (``PRAGMA integrity_check`` and the
  center's audit hash chain), synced, and only then renamed to its final name;
* a manifest ``<backup>.json`` beside it says what it is (center schema revision,
  sites, patients, audit entries and head, size, SHA-256), never what it holds;
* the backup is recorded in the center's audit trail (file name, SHA-256, audit head
  of the copy) after it was written.

A restore replaces the center database only with a *verified* backup: manifest
present and readable, size and SHA-256 as recorded, ``integrity_check`` ok, the audit
chain intact and ending at the head the manifest recorded, a schema this program
knows. The database replaced is kept beside it (``<name>.replaced-<time>``), and the
restore is recorded in the restored database's audit trail, naming the backup and the
audit head of the database it replaced, so the history shows the jump.

PostgreSQL center databases are backed up with ``pg_dump`` / ``pg_restore`` (README,
"Backups of a PostgreSQL center"); these functions refuse them with that advice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

from rego_desktop import __version__
from rego_desktop.backup.files import sha256_of
from rego_desktop.center import audit as center_audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import (
    SQLITE_MAGIC,
    VERSION_TABLE,
    _sqlite_path,
    alembic_config,
    open_center_database,
)
from rego_desktop.center.models import CenterAuditEntry, CenterAuditHead
from rego_desktop.errors import RegoError
from rego_desktop.files import (
    is_disk_full,
    is_read_only,
    write_bytes_atomically,
    write_error,
    write_file_atomically,
)
from rego_desktop.models.base import utcnow

__all__ = [
    "BACKUP_SUFFIX",
    "CenterBackupError",
    "CenterBackupManifest",
    "CenterBackupResult",
    "CheckedBackup",
    "RestoreResult",
    "backup_center",
    "check_backup",
    "list_backups",
    "restore_center",
]

FORMAT: Final = 1
KIND: Final = "rego-center-backup"
BACKUP_SUFFIX: Final = ".rego-center-backup"
MANIFEST_SUFFIX: Final = ".json"
_NAME_RE: Final = re.compile(r"^center-\d{8}-\d{6}(-\d+)?" + re.escape(BACKUP_SUFFIX) + "$")


class CenterBackupError(RegoError):
    """A center backup cannot be made, or a backup is not one that may be restored."""


@dataclass(frozen=True)
class CenterBackupManifest:
    """What a center backup is (no patient data, no folder paths)."""

    format: int
    app_version: str
    created_at: dt.datetime
    database_name: str
    schema_revision: str
    sites: int
    patients: int
    packages: int
    audit_entries: int
    audit_head: str
    """``SEQ:HASH`` of the copy's newest audit entry (``0:`` for an empty trail)."""
    size: int
    sha256: str

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "kind": KIND,
            **{k: getattr(self, k) for k in self.__dataclass_fields__},
        }
        data["created_at"] = self.created_at.astimezone(dt.UTC).isoformat(timespec="seconds")
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> CenterBackupManifest:
        """Parse a manifest; ValueError if it is not one this version understands."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("kind") != KIND:
            raise ValueError("not a center backup manifest")
        if data.get("format") != FORMAT:
            raise ValueError(f"manifest format {data.get('format')!r}")
        created = dt.datetime.fromisoformat(str(data["created_at"]))
        if created.tzinfo is None:
            raise ValueError("time without a zone")
        return cls(
            format=int(data["format"]),
            app_version=str(data["app_version"]),
            created_at=created.astimezone(dt.UTC),
            database_name=str(data["database_name"]),
            schema_revision=str(data["schema_revision"]),
            sites=int(data["sites"]),
            patients=int(data["patients"]),
            packages=int(data["packages"]),
            audit_entries=int(data["audit_entries"]),
            audit_head=str(data["audit_head"]),
            size=int(data["size"]),
            sha256=str(data["sha256"]),
        )

    def to_json_object(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.to_json())
        return data


@dataclass(frozen=True)
class CenterBackupResult:
    path: Path
    manifest: CenterBackupManifest

    def describe(self) -> str:
        m = self.manifest
        return (
            f"Backup {self.path} written and checked: {m.sites} site(s), {m.patients} "
            f"patients, {m.packages} package(s), audit trail of {m.audit_entries} entries "
            f"(head {m.audit_head}), {m.size:,} bytes, sha256 {m.sha256}."
        )


@dataclass(frozen=True)
class CheckedBackup:
    """A backup that passed every check (:func:`check_backup`)."""

    path: Path
    manifest: CenterBackupManifest


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    backup: Path
    manifest: CenterBackupManifest
    replaced: Path | None
    """Where the database that was replaced now is (None: there was none)."""
    replaced_audit_head: str | None

    def describe(self) -> str:
        kept = (
            f" The database it replaced is kept as {self.replaced}."
            if self.replaced is not None
            else ""
        )
        return (
            f"Restored {self.database} from {self.backup} (made "
            f"{self.manifest.created_at:%Y-%m-%d %H:%M} UTC: {self.manifest.sites} site(s), "
            f"{self.manifest.patients} patients, audit head {self.manifest.audit_head}).{kept}"
        )

    def to_json_object(self) -> dict[str, Any]:
        return {
            "database": str(self.database),
            "backup": str(self.backup),
            "manifest": self.manifest.to_json_object(),
            "replaced": str(self.replaced) if self.replaced is not None else None,
            "replaced_audit_head": self.replaced_audit_head,
        }


# --------------------------------------------------------------------------- helpers


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def _sqlite_file(target: str | Path, what: str, what_zh: str) -> Path:
    try:
        path = _sqlite_path(target)
    except Exception:  # a URL SQLAlchemy cannot parse is not a SQLite file either
        path = None
    if path is None:
        raise CenterBackupError(
            f"{what.capitalize()} works on a SQLite center database (a file). A PostgreSQL "
            "center database is backed up with pg_dump and restored with pg_restore (see "
            "the README, 'Backups of a PostgreSQL center').",
            zh=f"{what_zh}仅适用于 SQLite 中心数据库（文件）。PostgreSQL 中心数据库请用 "
            "pg_dump 备份、pg_restore 恢复（见 README“PostgreSQL 协调中心的备份”）。",
        )
    return path.expanduser()


def _connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def _integrity(conn: sqlite3.Connection) -> str | None:
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    if rows == [("ok",)]:
        return None
    return "; ".join(str(r[0]) for r in rows[:3])[:200] or "unknown problem"


def _audit_of(conn: sqlite3.Connection) -> tuple[list[CenterAuditEntry], CenterAuditHead | None]:
    entries = [
        CenterAuditEntry(
            seq=int(seq),
            at=dt.datetime.fromisoformat(str(at)).replace(tzinfo=dt.UTC)
            if dt.datetime.fromisoformat(str(at)).tzinfo is None
            else dt.datetime.fromisoformat(str(at)),
            operator=op,
            action=action,
            site_code=site,
            file_sha256=sha,
            details=details,
            prev_hash=prev,
            hash=hash_,
        )
        for seq, at, op, action, site, sha, details, prev, hash_ in conn.execute(
            "SELECT seq, at, operator, action, site_code, file_sha256, details, prev_hash, hash "
            "FROM center_audit ORDER BY seq"
        )
    ]
    row = conn.execute("SELECT seq, hash FROM center_audit_head WHERE id = 1").fetchone()
    head = CenterAuditHead(id=1, seq=int(row[0]), hash=str(row[1])) if row else None
    return entries, head


@dataclass(frozen=True)
class _Facts:
    schema_revision: str
    sites: int
    patients: int
    packages: int
    audit_entries: int
    audit_head: str
    problems: tuple[str, ...]


def _facts(path: Path) -> _Facts:
    """Check a center database file (integrity, audit chain) and count what it holds."""
    with contextlib.closing(_connect_readonly(path)) as conn:
        problem = _integrity(conn)
        if problem is not None:
            return _Facts("", 0, 0, 0, 0, "", (f"the integrity check failed: {problem}",))
        try:
            revision = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            counts = [
                int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in ("center_sites", "center_patients", "center_packages")
            ]
            entries, head = _audit_of(conn)
        except sqlite3.DatabaseError as exc:
            return _Facts("", 0, 0, 0, 0, "", (f"it is not a center database ({exc})",))
    issues = center_audit.check_chain(entries, head)
    head_text = f"{head.seq}:{head.hash}" if head is not None else "0:"
    sites, patients, packages = counts
    return _Facts(
        schema_revision=str(revision[0]) if revision else "",
        sites=sites,
        patients=patients,
        packages=packages,
        audit_entries=len(entries),
        audit_head=head_text,
        problems=tuple(issue.message for issue in issues),
    )


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _backup_name(folder: Path, moment: dt.datetime) -> Path:
    stem = f"center-{moment:%Y%m%d-%H%M%S}"
    candidate = folder / f"{stem}{BACKUP_SUFFIX}"
    n = 1
    while candidate.exists() or manifest_path(candidate).exists():
        n += 1
        candidate = folder / f"{stem}-{n}{BACKUP_SUFFIX}"
    return candidate


@contextlib.contextmanager
def _scratch(folder: Path, name: str) -> Iterator[Path]:
    """A hidden temporary file in ``folder`` (removed afterwards unless renamed)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=folder)
    os.close(fd)
    path = Path(tmp)
    try:
        yield path
    finally:
        for side in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
            with contextlib.suppress(OSError):
                side.unlink()


def _copy_database(source: Path, target: Path) -> None:
    """A consistent online copy of ``source`` into ``target``, single-file journal."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    with contextlib.closing(reader) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.commit()


# --------------------------------------------------------------------------- backup


def backup_center(
    target: str | Path, folder: Path, *, now: dt.datetime | None = None
) -> CenterBackupResult:
    """Back up the SQLite center database ``target`` into ``folder`` (created if
    missing), check the copy, write its manifest and record the backup in the audit
    trail. Raises :class:`CenterBackupError` if the copy fails a check (nothing is left
    behind) or the database is not a SQLite file."""
    source = _sqlite_file(target, "backup", "备份")
    moment = (now or utcnow()).replace(microsecond=0)
    open_center_database(source).close()  # refuses a missing or foreign file; upgrades
    if folder.exists() and not folder.is_dir():
        raise CenterBackupError(
            f"{folder} is a file; give a folder for the backups (it is created if missing).",
            zh=f"{folder} 是文件；请给出存放备份的文件夹（不存在时会自动创建）。",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error("the backup folder", "备份文件夹", folder, exc) from exc
    final = _backup_name(folder, moment)
    try:
        with _scratch(folder, final.name) as partial:
            _copy_database(source, partial)
            facts = _facts(partial)
            if facts.problems:
                raise CenterBackupError(
                    f"The copy of {source} failed its check, so no backup was written: "
                    f"{'; '.join(facts.problems)}. Run rego-center audit --verify and keep "
                    "the existing backups.",
                    zh=f"{source} 的副本未通过检查，因此没有写入备份：{'; '.join(facts.problems)}。"
                    "请运行 rego-center audit --verify，并保留现有备份。",
                )
            with partial.open("rb+") as fh:
                os.fsync(fh.fileno())
            manifest = CenterBackupManifest(
                format=FORMAT,
                app_version=__version__,
                created_at=moment,
                database_name=source.name,
                schema_revision=facts.schema_revision,
                sites=facts.sites,
                patients=facts.patients,
                packages=facts.packages,
                audit_entries=facts.audit_entries,
                audit_head=facts.audit_head,
                size=partial.stat().st_size,
                sha256=sha256_of(partial),
            )
            os.replace(partial, final)
    except OSError as exc:
        raise write_error("the backup", "备份", final, exc) from exc
    except sqlite3.Error as exc:  # SQLite's own "database or disk is full" while copying
        if not (is_disk_full(exc) or is_read_only(exc)):
            raise
        full = errno.ENOSPC if is_disk_full(exc) else errno.EROFS
        raise write_error("the backup", "备份", final, OSError(full, str(exc))) from exc
    try:
        write_bytes_atomically(
            manifest_path(final),
            manifest.to_json().encode(),
            what="the backup manifest",
            what_zh="备份清单",
        )
    except RegoError:
        with contextlib.suppress(OSError):
            final.unlink()
        raise
    with open_center_database(source) as db:
        center_audit.record(
            db,
            AuditAction.BACKUP,
            file_sha256=manifest.sha256,
            details={
                "file": str(final),
                "size": manifest.size,
                "patients": manifest.patients,
                "sites": manifest.sites,
                "audit_head_of_copy": manifest.audit_head,
            },
        )
    return CenterBackupResult(final, manifest)


def list_backups(folder: Path) -> list[tuple[Path, CenterBackupManifest | None]]:
    """The center backups in ``folder``, newest first, with their manifests (None when
    missing or unreadable: such a backup cannot be restored)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if path.is_file() and _NAME_RE.match(path.name):
            try:
                manifest: CenterBackupManifest | None = CenterBackupManifest.from_json(
                    manifest_path(path).read_text(encoding="utf-8")
                )
            except (OSError, ValueError, KeyError, TypeError):
                manifest = None
            found.append((path, manifest))
    return sorted(found, key=lambda item: item[0].name, reverse=True)


# --------------------------------------------------------------------------- restore


def _refuse(backup: Path, en: str, zh: str) -> CenterBackupError:
    return CenterBackupError(
        f"{backup} cannot be restored: {en}. Nothing was changed; choose another backup.",
        zh=f"无法恢复 {backup}：{zh}。未做任何更改；请选择其他备份。",
    )


def check_backup(backup: Path) -> CheckedBackup:
    """Check a backup completely; raise :class:`CenterBackupError` naming the problem."""
    if not backup.is_file():
        raise _refuse(backup, "there is no such file", "文件不存在")
    try:
        text = manifest_path(backup).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise _refuse(
            backup,
            f"its manifest {manifest_path(backup).name} is missing or unreadable, so the copy "
            "cannot be checked",
            f"其清单 {manifest_path(backup).name} 缺失或无法读取，无法核对该副本",
        ) from None
    try:
        manifest = CenterBackupManifest.from_json(text)
    except (ValueError, KeyError, TypeError):
        raise _refuse(
            backup,
            "its manifest is not a center backup manifest of this program",
            "其清单不是本程序的中心备份清单",
        ) from None
    size = backup.stat().st_size
    if size != manifest.size or sha256_of(backup) != manifest.sha256:
        raise _refuse(
            backup,
            "its content is not the one recorded when it was made (size or SHA-256 differ): "
            "it was changed or damaged",
            "其内容与备份时记录的不同（大小或 SHA-256 不符）：已被更改或损坏",
        )
    with backup.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise _refuse(backup, "it is not a SQLite database", "它不是 SQLite 数据库")
    with tempfile.TemporaryDirectory(prefix="rego-center-check-") as scratch:
        copy = Path(scratch) / "check.db"
        shutil.copyfile(backup, copy)  # checks never touch the backup itself
        facts = _facts(copy)
    if facts.problems:
        joined = "; ".join(facts.problems)
        raise _refuse(backup, joined, joined)
    if facts.schema_revision not in _known_revisions():
        raise _refuse(
            backup,
            f"it was written by a newer version of rego-desktop (center schema "
            f"{facts.schema_revision})",
            f"它由更新版本的 rego-desktop 写入（中心数据库结构 {facts.schema_revision}）",
        )
    if facts.audit_head != manifest.audit_head:
        raise _refuse(
            backup,
            f"its audit trail ends at {facts.audit_head}, not at {manifest.audit_head} as "
            "recorded in its manifest",
            f"其审计轨迹止于 {facts.audit_head}，而不是清单记录的 {manifest.audit_head}",
        )
    return CheckedBackup(backup, manifest)


def _head_of(path: Path) -> str | None:
    try:
        with contextlib.closing(_connect_readonly(path)) as conn:
            row = conn.execute("SELECT seq, hash FROM center_audit_head WHERE id = 1").fetchone()
    except sqlite3.Error:
        return None
    return f"{row[0]}:{row[1]}" if row else None


def restore_center(
    target: str | Path, backup: Path, *, now: dt.datetime | None = None
) -> RestoreResult:
    """Replace the SQLite center database ``target`` by ``backup`` after checking the
    backup completely (:func:`check_backup`); keep the replaced database beside it and
    record the restore in the restored audit trail. Close every connection to
    ``target`` first (the window does)."""
    database = _sqlite_file(target, "restore", "恢复")
    checked = check_backup(backup)
    moment = now or utcnow()
    if database.is_dir():
        raise CenterBackupError(
            f"{database} is a folder, not a center database file.",
            zh=f"{database} 是文件夹，而不是中心数据库文件。",
        )
    if not database.parent.is_dir():
        raise CenterBackupError(
            f"The folder {database.parent} does not exist; nothing was restored.",
            zh=f"文件夹 {database.parent} 不存在；未恢复任何内容。",
        )
    replaced: Path | None = None
    replaced_head: str | None = None
    if database.exists():
        # Fold the write-ahead log into the file so the kept copy is complete.
        with open_center_database(database) as db, db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        replaced_head = _head_of(database)

    def produce(out: BinaryIO) -> None:
        with backup.open("rb") as fh:
            shutil.copyfileobj(fh, out, 1 << 20)

    staged = database.with_name(f".{database.name}.restoring")
    write_file_atomically(staged, produce, what="the restored database", what_zh="恢复的数据库")
    try:
        if database.exists():
            replaced = database.with_name(f"{database.name}.replaced-{moment:%Y%m%d-%H%M%S}")
            os.replace(database, replaced)
            for suffix in ("-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{database}{suffix}").unlink()
        os.replace(staged, database)
    except OSError as exc:
        with contextlib.suppress(OSError):
            staged.unlink()
        raise write_error("the center database", "中心数据库", database, exc) from exc
    with open_center_database(database) as db:
        center_audit.record(
            db,
            AuditAction.RESTORE,
            file_sha256=checked.manifest.sha256,
            details={
                "backup": str(backup),
                "backup_made_at": checked.manifest.created_at.isoformat(),
                "backup_audit_head": checked.manifest.audit_head,
                "replaced_file": str(replaced) if replaced is not None else "",
                "replaced_audit_head": replaced_head or "",
            },
        )
    return RestoreResult(database, backup, checked.manifest, replaced, replaced_head)
