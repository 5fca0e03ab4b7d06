"""What verification finds, and the error that refuses to open an altered study."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rego_desktop.authority.tags import Kind
from rego_desktop.errors import StudyFileError

MAX_LISTED = 8

_SUBJECTS_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^the password key slot of user (.+)$", r"用户 \1 的密码密钥槽"),
        (r"^the recovery key slot$", "恢复密钥槽"),
        (r"^key slot (.+)$", r"密钥槽 \1"),
        (r"^the signature of (\S+) by (.+)$", r"\2 对 \1 的签名"),
        (r"^the signature of (\S+)$", r"\1 的签名"),
        (r"^signature by (.+) at (.+)$", r"\1 于 \2 的签名"),
        (r"^the query of (\S+) \((.+)\)$", r"\1 的质疑（\2）"),
        (r"^user (.+)$", r"用户 \1"),
        (r"^patient (.+)$", r"受试者 \1"),
        (r"^study setting (.+)$", r"研究设置 \1"),
        (r"^the study metadata.*$", "研究元数据（中心代码、研究、受试者编号计数）"),
        (r"^the audit trail$", "稽查轨迹"),
        (r"^the study$", "该研究"),
        (r"^users$", "用户"),
        (r"^key_slots$", "密钥槽"),
        (r"^signatures$", "签名"),
        (r"^patients$", "受试者"),
        (r"^study_settings$", "研究设置"),
    )
)


def subject_zh(subject: str) -> str:
    """The Chinese name of a problem's subject ("user 'entry'" -> "用户 'entry'")."""
    for pattern, zh in _SUBJECTS_ZH:
        if pattern.match(subject):
            return pattern.sub(zh, subject)
    return subject


@dataclass(frozen=True)
class AuthorityProblem:
    """One altered, inserted or deleted authority row (or set of rows)."""

    kind: Kind
    subject: str
    """What is affected, e.g. "user 'entry'" or "patient BJ01-0003"."""
    message: str
    message_zh: str

    def to_json_object(self) -> dict[str, str]:
        return {"kind": self.kind.value, "subject": self.subject, "message": self.message}


class AuthorityAltered(StudyFileError):
    """Rows that decide who may do what were changed outside the program."""

    def __init__(
        self, message: str, zh: str | None = None, problems: Sequence[AuthorityProblem] = ()
    ) -> None:
        super().__init__(message, zh)
        self.problems = tuple(problems)


def authority_altered(problems: Sequence[AuthorityProblem]) -> AuthorityAltered:
    """The error naming each altered row (the first few, and how many more)."""
    shown = problems[:MAX_LISTED]
    more = len(problems) - len(shown)
    en = "; ".join(p.message for p in shown) + (f"; and {more} more" if more else "")
    zh = "；".join(p.message_zh for p in shown) + (f"；另有 {more} 处" if more else "")
    return AuthorityAltered(
        f"This study was changed outside rego-desktop: {en}. It is not opened for work. "
        "Run 'rego-desktop audit --verify' to list every problem, and have an "
        "administrator restore the newest backup made before the change.",
        zh=f"此研究在 rego-desktop 之外被修改：{zh}。无法打开进行工作。"
        "请运行 'rego-desktop audit --verify' 列出全部问题，并由管理员恢复修改之前的最新备份。",
        problems=problems,
    )
