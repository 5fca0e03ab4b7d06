"""Writing output files safely: a temporary file beside the target, renamed into place.

Every file the site program writes (workbooks, PDFs, transfer and key files) goes
through :func:`write_file_atomically`, so a full disk, a removed USB stick or a crash
leaves either the old file or no file, never half a file. Operating-system failures
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


def reason_of(exc: OSError) -> tuple[str, str]:
    """The cause of an operating-system failure in English and Chinese."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "the disk (or USB drive) is full", "磁盘（或U盘）已满"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
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
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as out:
            produce(out)
            out.flush()
            os.fsync(out.fileno())
        if not private:
            os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
        tmp_name = None
    except OSError as exc:
        raise write_error(what, what_zh, target, exc) from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return target


def write_bytes_atomically(
    path: PathLike, data: bytes, *, what: str = "the file", what_zh: str = "文件"
) -> Path:
    def produce(out: BinaryIO) -> None:
        out.write(data)

    return write_file_atomically(path, produce, what=what, what_zh=what_zh)
