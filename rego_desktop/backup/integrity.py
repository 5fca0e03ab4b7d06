"""Is the study file intact? ``PRAGMA quick_check`` at open, with a message that says
exactly which backup to restore when it is not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from rego_desktop.backup.catalog import BackupEntry, known_folders, newest_backup
from rego_desktop.backup.files import connect_readonly
from rego_desktop.errors import DamagedDatabase, DatabaseInUse, StudyFileError
from rego_desktop.study.schema import Label

MAX_PROBLEM_CHARS = 200


def is_corruption(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    return (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
        or "malformed" in text
        or "not a database" in text
    )


def first_problem(conn: sqlite3.Connection, pragma: str = "quick_check") -> str | None:
    """None if the check says ``ok``, else its first complaint. Errors that are not
    damage (locked, read-only, unreadable disk) are raised, not reported as damage."""
    try:
        rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            return str(exc)
        raise
    if rows == [("ok",)]:
        return None
    return "; ".join(str(r[0]) for r in rows[:3])[:MAX_PROBLEM_CHARS] or "unknown problem"


def quick_check(path: Path) -> str | None:
    """Run ``PRAGMA quick_check`` read-only; None if intact, else the first problem.

    A file that cannot be opened for another reason than damage raises a friendly
    :class:`StudyFileError` (in use, read-only folder, disk error) instead.
    """
    try:
        conn = connect_readonly(path)
        try:
            return first_problem(conn, "quick_check")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if is_corruption(exc):
            return str(exc)
        raise access_error(path, exc) from exc


def access_error(path: Path, exc: sqlite3.Error) -> StudyFileError:
    """A friendly error for a study file SQLite cannot use, when it is not damaged."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseInUse(
            f"{path} is in use by another program; close it and retry.",
            zh=f"{path} 正被另一个程序使用，请关闭该程序后重试。",
        )
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")):
        return StudyFileError(
            f"{path} cannot be opened: its folder or the file is read-only or protected "
            "(a write-protected USB drive, a read-only network folder?). Nothing was "
            "changed. Copy the study to a folder you can write to, or make this one writable.",
            zh=f"无法打开 {path}：所在文件夹或文件为只读或受保护"
            "（写保护的U盘或只读的网络文件夹？）。"
            "未做任何修改。请将研究数据库复制到可写入的文件夹，或将此文件夹设为可写。",
        )
    if name.startswith("SQLITE_IOERR"):
        return StudyFileError(
            f"{path} could not be read (disk or USB drive error). Nothing was changed; "
            "check the drive. If this repeats, restore the newest backup.",
            zh=f"无法读取 {path}（磁盘或U盘错误）。未做任何修改；请检查驱动器。"
            "如果反复出现，请恢复最新的备份。",
        )
    return StudyFileError(f"{path} cannot be opened ({exc}).", zh=f"无法打开 {path}（{exc}）。")


def study_uid(path: Path) -> str | None:
    """The study id of a (possibly damaged) file, if it can still be read."""
    try:
        conn = connect_readonly(path)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT db_uid FROM study_meta WHERE id = 1").fetchone()
        return str(row[0]) if row else None
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def find_newest_backup(
    path: Path, backup_folders: Iterable[Path] | None = None
) -> BackupEntry | None:
    """The newest backup of the study in ``path`` in the given or the known folders."""
    folders = known_folders(backup_folders or ())
    uid = study_uid(path)
    if uid is not None:
        return newest_backup(folders, db_uid=uid)
    return newest_backup(folders, database_name=path.name)


def damaged_message(path: Path, problem: str, newest: BackupEntry | None) -> Label:
    head = f"The study database {path} is damaged (integrity check: {problem})."
    head_zh = f"研究数据库 {path} 已损坏（完整性检查：{problem}）。"
    if newest is None:
        return Label(
            f"{head} No backup of it was found. Do not delete or change the file; copy it "
            "to a USB drive and contact the coordinating center for help.",
            f"{head_zh}未找到它的备份。请勿删除或修改该文件；请将其复制到U盘，"
            "并联系协调中心寻求帮助。",
        )
    when = newest.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    command = f'rego-desktop restore --db "{path}" --from "{newest.path}"'
    return Label(
        f"{head} The newest backup is {newest.path} (made {when}). Restore it with "
        f"'Restore from backup…' on the log-in screen, or run: {command}. "
        "The damaged file is kept, renamed.",
        f"{head_zh}最新的备份是 {newest.path}（创建于 {when}）。请在登录界面用"
        f"“从备份恢复…”恢复它，或运行：{command}。损坏的文件会被重命名保留。",
    )


def check_integrity(path: Path, *, backup_folders: Iterable[Path] | None = None) -> None:
    """Raise :class:`DamagedDatabase` naming the newest backup if ``path`` is damaged.

    Reads only. ``backup_folders`` adds folders to look for backups in (the configured
    backup folder); the folders backups were written to and the default one are
    always searched.
    """
    problem = quick_check(path)
    if problem is None:
        return
    message = damaged_message(path, problem, find_newest_backup(path, backup_folders))
    raise DamagedDatabase(message.en, zh=message.zh)
