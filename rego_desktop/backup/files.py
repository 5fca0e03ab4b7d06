"""File helpers shared by backup and restore: durable renames, raw SQLite access."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from rego_desktop.errors import StorageFull

# The one classification of disk-full and read-only failures, re-exported for backup.
from rego_desktop.files import is_disk_full as is_disk_full
from rego_desktop.files import is_read_only as is_read_only
from rego_desktop.study.schema import Label

BUSY_TIMEOUT_S = 10.0
SIDE_FILES = ("-wal", "-shm", "-journal")
_CHUNK = 1 << 20


def stamp(at: dt.datetime) -> str:
    """A UTC time for file names that sorts as text: 20240305-101112Z."""
    return at.astimezone(dt.UTC).strftime("%Y%m%d-%H%M%SZ")


def parse_stamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d-%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def connect_readonly(path: Path, *, immutable: bool = False) -> sqlite3.Connection:
    """A raw read-only connection; ``immutable`` for a file nothing else writes
    (a backup on a USB drive): no -shm or lock file is created beside it."""
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    conn = sqlite3.connect(
        f"file:{quote(str(path.resolve()))}?{flags}",
        uri=True,
        timeout=BUSY_TIMEOUT_S,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def connect_writable(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA secure_delete=ON")
    return conn


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_durably(source: Path, target: Path) -> None:
    """Copy byte for byte and fsync; the target must not exist yet."""
    with source.open("rb") as src, target.open("xb") as dst:
        while chunk := src.read(_CHUNK):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())


def remove_with_side_files(path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        with contextlib.suppress(OSError):
            Path(str(path) + suffix).unlink(missing_ok=True)


def folder_error(folder: Path, exc: BaseException, what: Label) -> StorageFull:
    """A friendly error for a backup or restore folder that cannot be written."""
    if is_disk_full(exc):
        why = Label("the disk (or USB drive) is full", "磁盘（或U盘）已满")
    elif is_read_only(exc) or (folder.is_dir() and not os.access(folder, os.W_OK)):
        why = Label("the folder is read-only or protected", "文件夹为只读或受保护")
    elif not folder.is_dir() or (
        isinstance(exc, OSError) and exc.errno in (errno.ENOENT, errno.ENODEV, errno.EIO)
    ):
        why = Label(
            "the folder is not available (USB drive removed?)", "文件夹不可用（U盘已拔出？）"
        )
    else:
        why = Label(f"writing failed ({type(exc).__name__})", f"写入失败（{type(exc).__name__}）")
    return StorageFull(
        f"{what.en} could not be written to {folder}: {why.en}. {_INTACT.en}",
        zh=f"无法将{what.zh}写入 {folder}：{why.zh}。{_INTACT.zh}",
    )


_INTACT = Label("The study database itself is intact.", "研究数据库本身完好无损。")

#: What :func:`folder_error` says could not be written.
BACKUP = Label("The backup", "备份")
RESTORED_STUDY = Label("The restored study", "恢复的研究数据库")
BACKUP_WORKING_COPY = Label("A working copy of the backup", "备份的工作副本")
REPLACED_STUDY_COPY = Label("A copy of the replaced study", "被替换研究数据库的副本")
