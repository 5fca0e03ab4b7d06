"""What an edit check reports: a finding placed on a form, an entry and a field.

A finding's :attr:`~Finding.fingerprint` names the rule and the place (form, entry,
field, cycle, key) but not the message or the values, so re-running the checks after
an unrelated change finds the same finding again and the query behind it is updated,
not raised twice. ``key`` tells apart findings of one rule at one place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from rego_desktop.checks.catalogue import HARD_RULES, RULES
from rego_desktop.rules.findings import Severity, Text


@dataclass(frozen=True, slots=True)
class Finding:
    subject: str
    form: str
    item_uid: str  # "" for a single form
    field: str | None  # None when the finding concerns the whole record
    rule: str
    severity: Severity
    message: str
    message_zh: str
    cycle: int | None = None
    dates: tuple[date, ...] = ()
    key: str = ""

    @property
    def fingerprint(self) -> str:
        parts = (
            self.rule,
            self.form,
            self.item_uid,
            self.field or "",
            "" if self.cycle is None else str(self.cycle),
            self.key,
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    @property
    def hard(self) -> bool:
        """Refused when the record is saved (see :data:`~.catalogue.HARD_RULES`)."""
        return self.rule in HARD_RULES

    def text(self, language: str) -> str:
        return self.message_zh if language.startswith("zh") else self.message


@dataclass(slots=True)
class Findings:
    """Collects one patient's findings; severities come from the rule catalogue."""

    subject: str
    items: list[Finding] = field(default_factory=list)

    def add(
        self,
        rule: str,
        form: str,
        item_uid: str,
        field_id: str | None,
        text: Text,
        *,
        cycle: int | None = None,
        dates: tuple[date, ...] = (),
        key: str = "",
    ) -> None:
        self.items.append(
            Finding(
                self.subject,
                form,
                item_uid,
                field_id,
                rule,
                RULES[rule].severity,
                text.en,
                text.zh,
                cycle,
                dates,
                key,
            )
        )
