"""Writing output files safely: a temporary file beside the target, renamed into place.

Every file the site program writes (workbooks, PDFs, transfer and key files, backup
manifests, drafts, the list of backup folders) goes through
:func:`write_file_atomically` (or, for callers that classify failures themselves,
:func:`replace_atomically`), so a full disk, a removed USB stick or a crash leaves
either the old file or no file, never half a file. Operating-system failures
become :class:`~rego_desktop.errors.OutputFileError` naming the path and the reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from rego_desktop.errors import OutputFileError

PathLike = str | os.PathLike[str]

_ADVICE = (
    "Check that the folder or USB stick is present, writable and not full, then try again; "
    "nothing was left half-written and the study was not changed."
)
_ADVICE_ZH = (
    "请检查文件夹或U盘是否存在、可写且未满，然后重试；没有留下写了一半的文件，研究数据未被更改。"
)


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def is_disk_full(exc: BaseException) -> bool:
    """The disk (or quota, or file-size limit) is full: an ``OSError`` or SQLite's
    "database or disk is full" (the one classification of the program)."""
    if isinstance(exc, OSError) and exc.errno in _FULL:
        return True
    text = str(exc).lower()
    return "disk is full" in text or "no space" in text or "quota" in text


def is_read_only(exc: BaseException) -> bool:
    """The folder or file is read-only or protected."""
    if isinstance(exc, OSError) and exc.errno in _READ_ONLY:
        return True
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "permission" in text


def reason_of(exc: OSError) -> tuple[str, str]:
    """The cause of an operating-system failure in English and Chinese."""
    if is_disk_full(exc):
        return "the disk (or USB drive) is full", "磁盘（或U盘）已满"
    if exc.errno in _READ_ONLY:
        return "the folder is read-only or protected", "文件夹为只读或受保护"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "the folder does not exist", "文件夹不存在"
    if exc.errno == errno.EISDIR:
        return "it is a folder, not a file", "这是一个文件夹，而不是文件"
    return exc.strerror or type(exc).__name__, exc.strerror or type(exc).__name__


def write_error(what: str, what_zh: str, path: Path, exc: OSError) -> OutputFileError:
    en, zh = reason_of(exc)
    return OutputFileError(
        f"Could not write {what} {path}: {en}. {_ADVICE}",
        zh=f"无法写入{what_zh} {path}：{zh}。{_ADVICE_ZH}",
        path=str(path),
    )


def check_output_file(path: PathLike, what: str, what_zh: str) -> Path:
    """Refuse before any work: ``path`` is a folder, or its folder does not exist."""
    target = Path(path)
    if target.is_dir():
        raise OutputFileError(
            f"{target} is a folder; give the file name of {what} to write, "
            "for example inside that folder.",
            zh=f"{target} 是一个文件夹；请给出要写入的{what_zh}的文件名（可以在该文件夹内）。",
            path=str(target),
        )
    parent = target.parent
    if not parent.is_dir():
        raise OutputFileError(
            f"Could not write {what} {target}: the folder {parent} does not exist. "
            "Create it first or choose another folder.",
            zh=f"无法写入{what_zh} {target}：文件夹 {parent} 不存在。请先创建或选择其他文件夹。",
            path=str(target),
        )
    return target


def output_folder(path: PathLike, what: str, what_zh: str) -> Path:
    """A folder to write several files into (created if missing); refuse a file."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputFileError(
            f"{folder} is a file, not a folder; give a folder for the {what} with --out "
            "(it is created if missing).",
            zh=f"{folder} 是文件而不是文件夹；"
            f"请用 --out 给出存放{what_zh}的文件夹（不存在时会自动创建）。",
            path=str(folder),
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error("the folder", "文件夹", folder, exc) from exc
    return folder


def write_file_atomically(
    path: PathLike,
    produce: Callable[[BinaryIO], None],
    *,
    overwrite: bool = True,
    private: bool = False,
    what: str = "the file",
    what_zh: str = "文件",
) -> Path:
    """Write ``path`` through a temporary file in the same folder, then rename it.

    ``produce`` writes the content into the open temporary file. Operating-system
    failures become :class:`OutputFileError`; errors raised by ``produce`` propagate
    unchanged. Either way the temporary file is removed.
    """
    target = Path(path)
    if target.is_dir():
        check_output_file(target, what, what_zh)
    if not overwrite and target.exists():
        raise OutputFileError(
            f"{what[0].upper()}{what[1:]} {target} already exists. Choose another file name "
            "or move the existing file away first; it was not replaced.",
            zh=f"{what_zh} {target} 已存在。请换一个文件名或先移走已有文件；它未被替换。",
            path=str(target),
        )
    try:
        replace_atomically(target, produce, private=private)
    except OSError as exc:
        raise write_error(what, what_zh, target, exc) from exc
    return target


def replace_atomically(
    path: PathLike, produce: Callable[[BinaryIO], None], *, private: bool = False
) -> Path:
    """The one temporary-file-and-rename of the program, for callers that classify
    ``OSError`` themselves (a backup's manifest): write, flush, fsync and close the
    temporary file beside ``path`` (each checked: a failing close or fsync is a failed
    write), rename it into place and sync the folder. Any failure removes the
    temporary file and raises ``OSError``; the old file, if any, is left as it was."""
    target = Path(path)
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        out = _open_temporary(fd)
        try:
            produce(out)
            out.flush()
            _fsync(out.fileno())
        finally:
            out.close()  # raises if the last buffered bytes cannot be written
        if not private:
            os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
        tmp_name = None
        _sync_folder(target.parent)
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return target


def _open_temporary(fd: int) -> BinaryIO:
    """The temporary file as a binary stream (a seam: the tests put a failing writer here)."""
    return os.fdopen(fd, "wb")


def _fsync(fd: int) -> None:
    """``os.fsync`` (a seam: the tests make it fail as a nearly full disk can)."""
    os.fsync(fd)


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to sync, and a
    folder that cannot be synced (some network or FAT drives) keeps the rename."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def bytes_writer(data: bytes) -> Callable[[BinaryIO], None]:
    """A ``produce`` for the functions above that writes ``data``."""

    def produce(out: BinaryIO) -> None:
        out.write(data)

    return produce


def write_bytes_atomically(
    path: PathLike, data: bytes, *, what: str = "the file", what_zh: str = "文件"
) -> Path:
    return write_file_atomically(path, bytes_writer(data), what=what, what_zh=what_zh)
