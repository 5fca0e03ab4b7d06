"""A stored record that no longer decrypts: named, with the newest backup, and skipped
by read-only commands.

Every record of a casebook is decrypted in one place
(:func:`rego_desktop.services.casebooks.decrypt_values`); a record whose ciphertext,
row binding or tag was altered (one bit changed on the disk, an ``sqlite3`` edit)
raises :class:`DamagedRecord` there. It names the patient, the form and the entry,
and the newest backup of the study (its path and date), or says there is none.

Commands that only read (``check``, ``pdf --all``, ``xlsx``) run inside
:func:`carry_on`: the loops over patients then skip a damaged patient with
:func:`skip`, go on with the others, and the command lists what was skipped and
exits non-zero at the end. Anything that must not silently lack a patient (the
transfer file, a signature) runs without it and refuses with the message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rego_desktop.errors import RegoError

if TYPE_CHECKING:
    from rego_desktop.models import Record
    from rego_desktop.store.study import OpenStudy
    from rego_desktop.study.schema import Form

__all__ = [
    "AlteredQuery",
    "DamagedPlace",
    "DamagedRecord",
    "carry_on",
    "damaged_record",
    "skip",
    "skipped_report",
]


@dataclass(frozen=True)
class DamagedPlace:
    """Where the damaged record is: patient, form, entry."""

    subject_code: str
    form_id: str
    form_label: str
    form_label_zh: str
    item_uid: str
    revision: int
    saved_at: dt.datetime | None

    @property
    def entry(self) -> str:
        saved = f", saved {self.saved_at:%Y-%m-%d %H:%M}" if self.saved_at else ""
        if self.item_uid:
            return f"entry {self.item_uid[:8]} (revision {self.revision}{saved})"
        return f"the form's data (revision {self.revision}{saved})"

    @property
    def entry_zh(self) -> str:
        saved = f"，保存于 {self.saved_at:%Y-%m-%d %H:%M}" if self.saved_at else ""
        if self.item_uid:
            return f"条目 {self.item_uid[:8]}（第 {self.revision} 版{saved}）"
        return f"该表单的数据（第 {self.revision} 版{saved}）"

    def line(self) -> str:
        return f"{self.subject_code}: {self.form_label} ({self.form_id}), {self.entry}"


class DamagedRecord(RegoError):
    """One stored record cannot be decrypted: altered or damaged on the disk."""

    def __init__(
        self,
        message: str,
        zh: str | None = None,
        *,
        place: DamagedPlace,
        backup: str,
        backup_zh: str,
    ) -> None:
        super().__init__(message, zh)
        self.place = place
        self.backup = backup
        self.backup_zh = backup_zh

    @classmethod
    def at(cls, place: DamagedPlace, backup: str, backup_zh: str) -> DamagedRecord:
        """The error for the record at ``place``, pointing to ``backup``."""
        return cls(
            f"The stored record of {place.subject_code}, form {place.form_label} "
            f"({place.form_id}), {place.entry} cannot be decrypted: it was altered or "
            f"damaged on the disk. {backup}",
            zh=f"{place.subject_code} 的表单 {place.form_label_zh}（{place.form_id}）"
            f"中{place.entry_zh}的存储记录无法解密：它在磁盘上被改动或损坏。{backup_zh}",
            place=place,
            backup=backup,
            backup_zh=backup_zh,
        )

    def refusing_transfer(self) -> DamagedRecord:
        """The same error, saying first that no transfer file was written."""
        return DamagedRecord(
            f"No transfer file was written: it must not silently lack a patient. {self.message}",
            zh=f"未写入传输文件：传输文件不能悄悄缺少某位患者。{self.message_zh}",
            place=self.place,
            backup=self.backup,
            backup_zh=self.backup_zh,
        )


def backup_advice(study_path: Path) -> tuple[str, str]:
    """Where the newest backup of the study is (path and date), or that there is none."""
    from rego_desktop.backup.integrity import find_newest_backup

    try:
        newest = find_newest_backup(study_path)
    except OSError:
        newest = None
    if newest is None:
        return (
            "No backup of this study was found. Do not delete or change the study file; "
            "copy it to a USB drive and contact the coordinating center for help.",
            "未找到本研究的备份。请勿删除或修改研究数据库文件；请将其复制到U盘，"
            "并联系协调中心寻求帮助。",
        )
    when = newest.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    command = f'rego-desktop restore --db "{study_path}" --from "{newest.path}"'
    return (
        f"The newest backup is {newest.path} (made {when}); an administrator can restore "
        f"it with 'Restore from backup…' on the log-in screen, or run: {command}.",
        f"最新的备份是 {newest.path}（创建于 {when}）；管理员可以在登录界面用"
        f"“从备份恢复…”恢复它，或运行：{command}。",
    )


def damaged_record(study: OpenStudy, form: Form, patient_uid: str, record: Record) -> DamagedRecord:
    """The error for ``record`` (of the patient ``patient_uid``) that did not decrypt."""
    try:
        subject = record.patient.subject_code
    except Exception:
        subject = f"the patient {patient_uid}"
    place = DamagedPlace(
        subject_code=subject,
        form_id=form.id,
        form_label=form.label.en,
        form_label_zh=form.label.zh,
        item_uid=record.item_uid,
        revision=record.revision,
        saved_at=record.updated_at,
    )
    return DamagedRecord.at(place, *backup_advice(study.path))


class AlteredQuery(RegoError):
    """A query row whose columns (its status, rule, place) no longer match its
    encrypted text: changed outside the program, or damaged on the disk."""


def altered_query(
    study: OpenStudy, subject: str, query_uid: str, form_id: str, status: str
) -> AlteredQuery:
    """The error for a query row that does not decrypt with its columns as they are."""
    backup, backup_zh = backup_advice(study.path)
    return AlteredQuery(
        f"The query {query_uid[:8]} of {subject} (form {form_id}, status '{status}') was "
        "changed outside the program or damaged: its status and place no longer match its "
        f"encrypted text. Run 'rego-desktop audit --verify' to see what was altered. {backup}",
        zh=f"{subject} 的质疑 {query_uid[:8]}（表单 {form_id}，状态“{status}”）在程序之外被"
        "改动或已损坏：其状态和位置与加密内容不再一致。请运行“rego-desktop audit --verify”"
        f"查看被改动的内容。{backup_zh}",
    )


_SKIPPED: ContextVar[list[DamagedRecord] | None] = ContextVar("rego_damaged_skipped", default=None)


@contextlib.contextmanager
def carry_on() -> Iterator[list[DamagedRecord]]:
    """Within this, :func:`skip` collects damaged patients instead of stopping."""
    found: list[DamagedRecord] = []
    token = _SKIPPED.set(found)
    try:
        yield found
    finally:
        _SKIPPED.reset(token)


def skip(exc: DamagedRecord) -> bool:
    """Note ``exc`` and say to go on with the next patient (inside :func:`carry_on`);
    False outside it: the caller re-raises."""
    found = _SKIPPED.get()
    if found is None:
        return False
    if all(e.place != exc.place for e in found):
        found.append(exc)
    return True


def skipped_report(found: list[DamagedRecord]) -> str:
    """The lines a command prints at the end about the patients it skipped."""
    subjects = sorted({e.place.subject_code for e in found})
    lines = [
        f"{len(subjects)} patient(s) were SKIPPED because a stored record is damaged "
        f"(their output is missing): {', '.join(subjects)}."
    ]
    lines += [f"  damaged: {e.place.line()}" for e in found]
    lines.append(f"  {found[0].backup}")
    return "\n".join(lines)
