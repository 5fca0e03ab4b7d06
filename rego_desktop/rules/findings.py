"""Findings: what a rule has to say about a record, in English and Simplified Chinese.

Severity follows design.md section 3:

- ``error``: impossible or contradictory data (hard check); the form refuses it.
- ``deviation``: a departure from the regorafenib label (soft check); the record saves
  and the user records a reason.
- ``warning``: data that is allowed but was interpreted, e.g. an assumed dosing end;
  shown so that the interpretation can be corrected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

Severity = Literal["error", "deviation", "warning"]


class Text(NamedTuple):
    """One message in both study languages."""

    en: str
    zh: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's result for one subject; ``rule`` is a stable id for filters and tests."""

    rule: str
    severity: Severity
    subject: str
    cycle: int | None
    dates: tuple[date, ...]
    message: str
    message_zh: str


@dataclass(slots=True)
class FindingLog:
    """Collects findings for one subject; severities come from a fixed rule catalogue."""

    subject: str
    severities: dict[str, Severity]
    findings: list[Finding] = field(default_factory=list)

    def add(self, rule: str, cycle: int | None, dates: tuple[date, ...], text: Text) -> None:
        self.findings.append(
            Finding(rule, self.severities[rule], self.subject, cycle, dates, text.en, text.zh)
        )
