"""An unlocked study: the engine, the data keys and the signed-in user.

There is no global: code that needs the study gets this object passed in. All
database work goes through :meth:`OpenStudy.transaction` (one explicit transaction;
repositories never commit) or :meth:`OpenStudy.reading`.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from rego_desktop.auth.roles import UserInfo
from rego_desktop.authority.errors import AuthorityProblem, authority_altered
from rego_desktop.authority.guard import install
from rego_desktop.authority.tags import AuthorityKey
from rego_desktop.crypto.envelope import DataKeyring
from rego_desktop.errors import DamagedDatabase, DatabaseInUse, StorageFull
from rego_desktop.study.schema import StudyDefinition


@dataclass(frozen=True)
class StudyInfo:
    db_uid: str
    site_code: str
    definition: StudyDefinition


@dataclass(eq=False)
class OpenStudy:
    path: Path
    engine: Engine
    keyring: DataKeyring
    user: UserInfo
    info: StudyInfo
    authority_problems: tuple[AuthorityProblem, ...] = ()
    """Authority rows found altered at open (only ``audit --verify`` and an
    administrator's restore open such a study; nothing else may write to it)."""

    @property
    def definition(self) -> StudyDefinition:
        return self.info.definition

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE): commits at the end, rolls back on error.

        Authority rows written in it are tagged at each flush
        (:mod:`rego_desktop.authority.guard`); a study opened with altered authority
        rows is never written to.
        """
        if self.authority_problems:
            raise authority_altered(self.authority_problems)
        with storage_errors(self.path):
            session = Session(
                self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
            )
            install(session, AuthorityKey.of(self.keyring))
            with session, session.begin():
                yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only snapshot; nothing is written."""
        with storage_errors(self.path):
            session = Session(self.engine, expire_on_commit=False)
            with session, session.begin():
                yield session
                session.rollback()

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn disk-full, read-only and locked-file failures into friendly errors."""
    try:
        yield
    except OperationalError as exc:
        raise _friendly(path, exc.orig) from exc
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
            raise _friendly(path, exc) from exc
        raise


def _friendly(path: Path, exc: BaseException | None) -> Exception:
    text = str(exc).lower()
    if "disk is full" in text or "no space" in text or "quota" in text:
        return StorageFull(
            f"The disk holding {path} is full; the last change was not saved, everything "
            "saved before is intact. Free some space and save again.",
            zh=f"{path} 所在的磁盘已满；最后一次修改未保存，之前保存的内容完好。"
            "请释放一些空间后重新保存。",
        )
    if "readonly" in text or "read-only" in text or "permission" in text:
        return StorageFull(
            f"{path} cannot be written (read-only folder or file); the last change was not "
            "saved, everything saved before is intact.",
            zh=f"无法写入 {path}（文件夹或文件为只读）；最后一次修改未保存，之前保存的内容完好。",
        )
    if "locked" in text or "busy" in text:
        return DatabaseInUse(
            f"{path} is busy (another rego-desktop window or program is writing); try again.",
            zh=f"{path} 正忙（另一个 rego-desktop 窗口或程序正在写入）；请重试。",
        )
    if "malformed" in text or "not a database" in text:
        return DamagedDatabase(
            f"{path} is damaged; restore it from a backup.", zh=f"{path} 已损坏，请从备份恢复。"
        )
    if isinstance(exc, OSError):
        return StorageFull(
            f"Could not write {path}: {exc.strerror}. Everything saved before is intact.",
            zh=f"无法写入 {path}：{exc.strerror}。之前保存的内容完好。",
        )
    return DamagedDatabase(
        f"{path} could not be read or written ({type(exc).__name__}); "
        "everything saved before is intact. If this repeats, restore a backup.",
        zh=f"无法读取或写入 {path}（{type(exc).__name__}）；之前保存的内容完好。"
        "如果反复出现，请恢复备份。",
    )
