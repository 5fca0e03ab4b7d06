"""Checking a backup, and putting it back in place of the study file.

Restoring is for administrators of the current study: the user name and password are
first checked against the study file being replaced (not against the backup, which
keeps the roles and passwords of its day: a user demoted since must not get the old
rights back that way). The user must be an administrator there and their own user row
(and key slot) must verify (:mod:`rego_desktop.authority`); other altered rows are what
a restore is for, so they do not stop it. Only when there is no study file (a new
computer) or it is too damaged to open is the user checked against the backup instead,
and must be an administrator in it.

Nothing is replaced until the backup has proven itself on a private working copy:
its checksum matches its manifest, SQLite's full ``integrity_check`` passes, it opens
with the user name and the password it had then (the backup carries the key slots valid
when it was made), its authority rows verify, its audit chain verifies
(:func:`rego_desktop.audit.trail.verify`) and every record and patient summary
decrypts. The working copy is made in the study's own folder, brought to the current
schema there and given a ``study.restore`` audit entry. The study being replaced gets
a ``study.replaced`` entry (naming the backup and the administrator) just before it is
kept as ``NAME.replaced-YYYYMMDD-HHMMSSZ`` (a hard link or copy, with its ``-wal``
moved beside it), so that record stays with it; then the working copy takes the study's
name in one atomic rename on the same disk, so a power cut leaves the old or the new
study, never none. The backup file is only read.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Permission, Role
from rego_desktop.backup.files import (
    BACKUP_WORKING_COPY,
    REPLACED_STUDY_COPY,
    RESTORED_STUDY,
    connect_readonly,
    connect_writable,
    copy_durably,
    folder_error,
    fsync_dir,
    remove_with_side_files,
    sha256_of,
    stamp,
)
from rego_desktop.backup.integrity import first_problem, study_uid
from rego_desktop.backup.manifest import Manifest, read_manifest
from rego_desktop.crypto.envelope import DecryptionFailed
from rego_desktop.errors import (
    AuthenticationError,
    DamagedDatabase,
    DatabaseInUse,
    LoginThrottled,
    NotAStudyDatabase,
    PermissionDenied,
    StudyFileError,
)
from rego_desktop.models import Patient, Record, utcnow
from rego_desktop.services.damage import DamagedRecord
from rego_desktop.services.patients import decrypt_record, summary_aad
from rego_desktop.store.opening import inspect_file, open_study
from rego_desktop.store.study import OpenStudy, storage_errors

Progress = Callable[[int, int], None]
STEPS = 7


@dataclass(frozen=True)
class BackupCheck:
    """A backup that passed every check."""

    backup: Path
    manifest: Manifest | None
    db_uid: str
    site_code: str
    patients: int
    records: int
    audit_entries: int


@dataclass(frozen=True)
class RestoreResult:
    check: BackupCheck
    target: Path
    kept: Path | None  # the file that was replaced, renamed (None if there was none)


class _Needs(Enum):
    """What the user must be in the backup, besides opening it (None: may change data,
    as for a check of the backup alone)."""

    ADMINISTRATOR = "administrator"
    """No readable current study: only the backup can say who may restore."""
    NOTHING = "nothing"
    """An administrator of the current study restores: the backup's roles do not matter."""


def _noop(_done: int, _total: int) -> None:
    pass


def check_backup(
    backup: Path,
    username: str,
    password: str,
    *,
    work_dir: Path | None = None,
    progress: Progress = _noop,
) -> BackupCheck:
    """Run every check of a restore on a temporary copy; change nothing."""
    backup = _existing_backup(backup)
    folder = Path(tempfile.mkdtemp(prefix="rego-check-", dir=work_dir))
    work = folder / "check.rego"
    try:
        result, opened = _verify_copy(backup, work, username, password, progress)
        opened.close()
        progress(STEPS, STEPS)
        return result
    finally:
        remove_with_side_files(work)
        with suppress(OSError):
            folder.rmdir()


def restore_backup(
    backup: Path,
    target: Path,
    username: str,
    password: str,
    *,
    backup_password: str | None = None,
    progress: Progress = _noop,
    now: dt.datetime | None = None,
) -> RestoreResult:
    """Replace the study file ``target`` with ``backup`` once the backup is verified.

    ``password`` is the user's password in the current study; ``backup_password`` the
    one the backup knows, if it was different then. The replaced file is kept beside it,
    renamed with a timestamp. ``target`` may be missing (a new computer), damaged or
    intact; it must not be open, and it must not be a different, readable study.
    """
    backup = _existing_backup(backup)
    target = target.absolute()
    if target.is_dir():
        raise StudyFileError(
            f"{target} is a folder; give the study database file.",
            zh=f"{target} 是一个文件夹；请指定研究数据库文件。",
        )
    if target.exists() and target.resolve() == backup:
        raise StudyFileError(
            "The backup and the study database are the same file.",
            zh="备份与研究数据库是同一个文件。",
        )
    if not target.parent.is_dir():
        raise StudyFileError(
            f"The folder {target.parent} does not exist.", zh=f"文件夹 {target.parent} 不存在。"
        )
    at = now or utcnow()
    _clean_interrupted(target)
    kept = _kept_name(target, at) if target.exists() else None
    work = target.parent / f".{target.name}.restoring-{uuid.uuid4().hex[:8]}"
    current_study = _current_administrator(target, username, password)
    try:
        result, opened = _verify_copy(
            backup,
            work,
            username,
            password if backup_password is None else backup_password,
            progress,
            role=_Needs.ADMINISTRATOR if current_study is None else _Needs.NOTHING,
        )
        try:
            current = _uid_of(target) if target.exists() else None
            if current is not None and current != result.db_uid:
                raise StudyFileError(
                    f"{target} holds a different study than the backup {backup.name} "
                    f"(site {result.site_code}); nothing was changed. Restore it to a new "
                    "file name, or move the other study away first.",
                    zh=f"{target} 中的研究与备份 {backup.name} 不同（中心 {result.site_code}）；"
                    "未做任何修改。请恢复到新的文件名，或先将另一个研究数据库移走。",
                )
            with _mapped(work, backup), opened.transaction() as session:
                trail.append(
                    session,
                    opened.keyring,
                    opened.user,
                    "study.restore",
                    details={
                        "backup": backup.name,
                        "backup_made": (
                            result.manifest.created_at.isoformat(timespec="seconds")
                            if result.manifest
                            else ""
                        ),
                        "replaced_file_kept_as": kept.name if kept else "",
                        "administrator_of_replaced_study": (
                            current_study.user.username if current_study else ""
                        ),
                    },
                )
        finally:
            opened.close()
        _fold_wal(work)
        progress(STEPS - 1, STEPS)
        if current_study is not None:
            _audit_replaced(current_study, backup, result, kept)
            current_study.close()
            current_study = None
            _fold_wal(target)
        moved = _keep(target, kept) if kept is not None else []
        try:
            os.replace(work, target)  # atomic: the study file is never missing
            fsync_dir(target.parent)
        except OSError as exc:
            if kept is not None:
                _unkeep(kept, moved)
            if isinstance(exc, PermissionError):
                raise _in_use(target, exc) from exc
            raise folder_error(target.parent, exc, RESTORED_STUDY) from exc
        Path(str(target) + "-shm").unlink(missing_ok=True)
        progress(STEPS, STEPS)
        return RestoreResult(result, target, kept)
    finally:
        if current_study is not None:
            current_study.close()
        remove_with_side_files(work)


def _current_administrator(target: Path, username: str, password: str) -> OpenStudy | None:
    """The current study unlocked by an administrator whose own rows verify, or None when
    there is no current study or it is too damaged to open (then the backup decides)."""
    if not target.exists() or target.stat().st_size == 0:
        return None
    try:
        with _no_new_side_files(target):
            current = open_study(target, username, password, allow_altered=True)
    except (DamagedDatabase, NotAStudyDatabase):
        return None
    except LoginThrottled:
        raise
    except AuthenticationError:
        raise AuthenticationError(
            f"{username} cannot sign in to the study {target.name} with that password. "
            "Restoring a backup is for administrators of the current study: give your "
            "current user name and password. Nothing was changed.",
            zh=f"{username} 无法用该密码登录研究 {target.name}。只有当前研究的管理员才能"
            "恢复备份：请输入您当前的用户名和密码。未做任何修改。",
        ) from None
    try:
        own = {
            f"user {current.user.username!r}",
            f"the password key slot of user {current.user.username!r}",
        }
        altered = [p for p in current.authority_problems if p.subject in own]
        if altered:
            raise PermissionDenied(
                f"{current.user.username} may not restore a backup: {altered[0].message}. "
                "Ask another administrator. Nothing was changed.",
                zh=f"{current.user.username} 不能恢复备份：{altered[0].message_zh}。"
                "请让另一位管理员操作。未做任何修改。",
            )
        if current.user.role is not Role.ADMINISTRATOR:
            raise PermissionDenied(
                f"{current.user.username} ({current.user.role.label.en}) may not restore a "
                "backup: restoring replaces the whole study, which only an administrator of "
                "the current study may do. Nothing was changed.",
                zh=f"{current.user.username}（{current.user.role.label.zh}）不能恢复备份："
                "恢复会替换整个研究，只有当前研究的管理员可以操作。未做任何修改。",
            )
    except BaseException:
        current.close()
        raise
    return current


def _audit_replaced(
    current: OpenStudy, backup: Path, result: BackupCheck, kept: Path | None
) -> None:
    """Record in the study being replaced that it is replaced, and by what.

    Written without the authority guard: the study may have altered rows (that can be
    why it is replaced), and only the audit trail is written (the entry and the head
    it moves), no row that grants authority.
    """
    with (
        storage_errors(current.path),
        Session(current.engine.execution_options(sqlite_immediate=True)) as session,
        session.begin(),
    ):
        trail.append(
            session,
            current.keyring,
            current.user,
            "study.replaced",
            details={
                "backup": backup.name,
                "backup_made": (
                    result.manifest.created_at.isoformat(timespec="seconds")
                    if result.manifest
                    else ""
                ),
                "kept_as": kept.name if kept else "",
                "altered_rows": [p.message for p in current.authority_problems],
            },
        )


# -- checks -----------------------------------------------------------------------


def _existing_backup(backup: Path) -> Path:
    backup = backup.resolve()
    if not backup.exists():
        raise StudyFileError(f"There is no backup file {backup}.", zh=f"备份文件 {backup} 不存在。")
    if not backup.is_file():
        raise StudyFileError(
            f"{backup} is a folder; choose a backup file in it.",
            zh=f"{backup} 是一个文件夹；请选择其中的备份文件。",
        )
    return backup


def _verify_copy(
    backup: Path,
    work: Path,
    username: str,
    password: str,
    progress: Progress,
    *,
    role: _Needs | None = None,
) -> tuple[BackupCheck, OpenStudy]:
    """Copy ``backup`` to ``work`` and prove it; returns the copy unlocked."""
    progress(0, STEPS)
    manifest = read_manifest(backup)
    if manifest is not None:
        try:
            size, digest = backup.stat().st_size, sha256_of(backup)
        except OSError as exc:
            raise StudyFileError(
                f"The backup {backup} cannot be read: {exc.strerror}.",
                zh=f"无法读取备份 {backup}：{exc.strerror}。",
            ) from exc
        if size != manifest.size or digest != manifest.sha256:
            raise DamagedDatabase(
                f"The backup {backup} is damaged: it differs from the checksum written with "
                "it. Nothing was changed; choose another (older) backup.",
                zh=f"备份 {backup} 已损坏：与随其写入的校验和不一致。未做任何修改；"
                "请选择另一个（较早的）备份。",
            )
    progress(1, STEPS)
    try:
        copy_durably(backup, work)
    except OSError as exc:
        raise folder_error(work.parent, exc, BACKUP_WORKING_COPY) from exc
    progress(2, STEPS)
    with _mapped(work, backup):
        inspect_file(work)
        problem = _integrity(work)
        if problem is not None:
            raise DamagedDatabase(
                f"The backup {backup} is damaged (integrity check: {problem}). Nothing was "
                "changed; choose another (older) backup.",
                zh=f"备份 {backup} 已损坏（完整性检查：{problem}）。未做任何修改；"
                "请选择另一个（较早的）备份。",
            )
        progress(3, STEPS)
        try:
            # Failures count against the study's identity, which the backup shares.
            opened = open_study(work, username, password)
        except LoginThrottled:
            raise
        except AuthenticationError:
            raise AuthenticationError(
                f"The backup {backup.name} does not open with that user name and password. "
                "A backup keeps the passwords that were valid when it was made: if yours "
                "changed since, give the old one as the backup's password. Nothing was "
                "changed.",
                zh=f"无法用该用户名和密码打开备份 {backup.name}。备份保留的是创建时有效的密码："
                "如果您的密码此后改过，请将旧密码作为备份密码输入。未做任何修改。",
            ) from None
    try:
        progress(4, STEPS)
        with _mapped(work, backup):
            result = _verify_content(backup, manifest, opened, progress, role)
    except BaseException:
        opened.close()
        raise
    return result, opened


def _integrity(work: Path) -> str | None:
    try:
        conn = connect_readonly(work)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        return first_problem(conn, "integrity_check")
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()


def _verify_content(
    backup: Path,
    manifest: Manifest | None,
    study: OpenStudy,
    progress: Progress,
    role: _Needs | None = None,
) -> BackupCheck:
    if role is _Needs.ADMINISTRATOR and study.user.role is not Role.ADMINISTRATOR:
        raise PermissionDenied(
            f"{study.user.username} ({study.user.role.label.en}) may not restore this "
            "backup: with no readable study to replace, only an administrator in the "
            "backup may restore it. Nothing was changed.",
            zh=f"{study.user.username}（{study.user.role.label.zh}）不能恢复此备份："
            "没有可读取的当前研究时，只有备份中的管理员可以恢复。未做任何修改。",
        )
    if role is None and not study.user.can(Permission.EDIT_DATA):
        raise PermissionDenied(
            f"{study.user.username} ({study.user.role.value}) may not restore a backup: "
            "restoring replaces the study data. Ask a user who enters data or the "
            "administrator.",
            zh=f"{study.user.username}（{study.user.role.label.zh}）不能恢复备份："
            "恢复会替换研究数据。请让数据录入员或管理员操作。",
        )
    if manifest is not None and manifest.db_uid != study.info.db_uid:
        raise DamagedDatabase(
            f"The backup {backup} does not match the manifest beside it. Nothing was "
            "changed; choose another backup.",
            zh=f"备份 {backup} 与旁边的清单文件不一致。未做任何修改；请选择另一个备份。",
        )
    db_uid = study.info.db_uid
    aead = study.keyring.records
    patients = records = 0
    with study.reading() as session:
        count, problems = trail.verify(session, study.keyring)
        if problems:
            raise DamagedDatabase(
                f"The audit trail of the backup {backup.name} does not verify "
                f"({problems[0].message}). Nothing was changed; choose another backup.",
                zh=f"备份 {backup.name} 的稽查轨迹校验失败（{problems[0].message}）。"
                "未做任何修改；请选择另一个备份。",
            )
        progress(5, STEPS)
        try:
            for patient in session.scalars(select(Patient)):
                patients += 1
                if patient.summary is not None:
                    aead.decrypt(patient.summary, summary_aad(db_uid, patient.uid))
            rows = session.execute(
                select(Patient.uid, Record).join(Record, Record.patient_id == Patient.id)
            ).yield_per(500)
            for patient_uid, record in rows:
                if study.definition.has_form(record.form_id):
                    decrypt_record(study, patient_uid, record)
                records += 1
        except DamagedRecord as exc:
            where = exc.place
            raise DamagedDatabase(
                f"A record in the backup {backup.name} does not decrypt ({where.line()}). "
                "Nothing was changed; choose another backup.",
                zh=f"备份 {backup.name} 中有记录无法解密（{where.subject_code}："
                f"{where.form_label_zh}，{where.entry_zh}）。未做任何修改；请选择另一个备份。",
            ) from None
        except (DecryptionFailed, ValueError, KeyError) as exc:
            raise DamagedDatabase(
                f"A record in the backup {backup.name} does not decrypt "
                f"({type(exc).__name__}). Nothing was changed; choose another backup.",
                zh=f"备份 {backup.name} 中有记录无法解密（{type(exc).__name__}）。"
                "未做任何修改；请选择另一个备份。",
            ) from None
    return BackupCheck(
        backup=backup,
        manifest=manifest,
        db_uid=db_uid,
        site_code=study.info.site_code,
        patients=patients,
        records=records,
        audit_entries=count,
    )


@contextmanager
def _mapped(work: Path, backup: Path) -> Iterator[None]:
    """Re-raise study file errors about the working copy as errors about the backup."""
    try:
        yield
    except StudyFileError as exc:
        text, text_zh = exc.message, exc.message_zh
        for name in {str(work), str(work.resolve())}:
            text = text.replace(name, str(backup))
            if text_zh is not None:
                text_zh = text_zh.replace(name, str(backup))
        if text == exc.message:
            raise
        raise type(exc)(text, text_zh) from exc


# -- replacing --------------------------------------------------------------------


def _uid_of(target: Path) -> str | None:
    """The study id of ``target``, removing the empty -wal/-shm a read-only look leaves."""
    with _no_new_side_files(target):
        return study_uid(target)


@contextmanager
def _no_new_side_files(target: Path) -> Iterator[None]:
    """Remove the empty -wal and the -shm a read-only look at ``target`` leaves."""
    side = [Path(str(target) + s) for s in ("-wal", "-shm")]
    existed = [p.exists() for p in side]
    try:
        yield
    finally:
        for path, was_there in zip(side, existed, strict=True):
            with suppress(OSError):
                if not was_there and (path.name.endswith("-shm") or path.stat().st_size == 0):
                    path.unlink()


def _kept_name(target: Path, at: dt.datetime) -> Path:
    base = f"{target.name}.replaced-{stamp(at)}"
    kept = target.with_name(base)
    n = 2
    while kept.exists() or Path(str(kept) + "-wal").exists():
        kept = target.with_name(f"{base}-{n}")
        n += 1
    return kept


def _fold_wal(path: Path) -> None:
    """Leave ``path`` as one file: checkpoint and drop a -wal left by the last close."""
    if not Path(str(path) + "-wal").exists():
        return
    conn = connect_writable(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _keep(target: Path, kept: Path) -> list[tuple[Path, Path]]:
    """Keep the current study file as ``kept`` while it stays where it is.

    ``kept`` is a hard link (a copy where the disk has no links, e.g. FAT); the file's
    journals move beside it first, so the restored file never finds a stale -wal next
    to it. The study file itself is then replaced by one atomic rename.
    """
    try:
        os.link(target, kept)
    except OSError:
        try:
            copy_durably(target, kept)
        except OSError as exc:
            kept.unlink(missing_ok=True)
            raise folder_error(target.parent, exc, REPLACED_STUDY_COPY) from exc
    moved: list[tuple[Path, Path]] = []
    try:
        for suffix in ("-wal", "-journal"):
            source = Path(str(target) + suffix)
            if source.exists():
                dest = Path(str(kept) + suffix)
                os.replace(source, dest)
                moved.append((dest, source))
        fsync_dir(target.parent)
    except OSError as exc:
        _unkeep(kept, moved)
        raise _in_use(target, exc) from exc
    return moved


def _unkeep(kept: Path, moved: list[tuple[Path, Path]]) -> None:
    """Undo :func:`_keep` (the study file was not replaced)."""
    for dest, source in reversed(moved):
        with suppress(OSError):
            os.replace(dest, source)
    with suppress(OSError):
        kept.unlink()


def _in_use(target: Path, exc: OSError) -> DatabaseInUse:
    return DatabaseInUse(
        f"{target} could not be replaced ({exc.strerror}); is rego-desktop still open with "
        "it? Close it and try again. Nothing was changed.",
        zh=f"无法替换 {target}（{exc.strerror}）；rego-desktop 是否仍打开着它？"
        "请关闭后重试。未做任何修改。",
    )


def _clean_interrupted(target: Path) -> None:
    """Remove working copies left by a restore that was interrupted (power cut)."""
    prefix = f".{target.name}.restoring-"
    with suppress(OSError):
        for path in target.parent.iterdir():
            if path.name.startswith(prefix):
                with suppress(OSError):
                    path.unlink()
