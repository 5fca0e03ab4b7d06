"""Regorafenib label rules and dosing record checks, placed on the record they concern.

The rules themselves are :func:`rego_desktop.rules.dosing.check_dosing` (initial dose,
every cycle start, every dose change, interruption and re-start; 80-160 mg, 40 mg
tablets, 21 of 28 days, days 22-28 off, next cycle from day 29). This module builds
the dosing history from the casebook and puts each finding on the field to correct:
a dose on the dose it names, a cycle finding on that cycle's row, a dose change
finding on that change. Findings another family already reports at the record
(impossible doses, dates before the first dose, an end before its start) are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rego_desktop.casebook import Entry
from rego_desktop.checks.catalogue import DOSING_RULES_REPLACED
from rego_desktop.checks.run import Run
from rego_desktop.derive.context import CHANGE_METHODS, SINGLE, as_date, as_int, as_str
from rego_desktop.rules import dosing_messages as msg
from rego_desktop.rules.derived import NotComputable
from rego_desktop.rules.findings import Finding as DosingFinding
from rego_desktop.rules.findings import Text

Place = tuple[str, str, str | None]  # form, item uid, field


@dataclass(frozen=True, slots=True)
class _CycleRow:
    item_uid: str
    number: int
    start: dt.date
    dosing_end: dt.date | None
    prefix: str


@dataclass(frozen=True, slots=True)
class _ChangeRow:
    item_uid: str
    on: dt.date
    prefix: str


class _Locator:
    def __init__(self, cycles: list[Entry], changes: list[Entry]) -> None:
        self.taken: set[tuple[str, str]] = set()  # (rule, item uid) already placed
        self.cycles: list[_CycleRow] = []
        for entry in cycles:
            number, start = as_int(entry.get("cycle_number")), as_date(entry.get("start_date"))
            if number is None or start is None:
                continue
            prefix = msg.where_cycle(number, start).en
            end = as_date(entry.get("dosing_end_date"))
            self.cycles.append(_CycleRow(entry.item_uid, number, start, end, prefix))
        self.changes: list[_ChangeRow] = []
        for entry in changes:
            on = as_date(entry.get("change_date"))
            method = CHANGE_METHODS.get(as_str(entry.get("method")) or "")
            if on is None or method is None:
                continue
            prefix = msg.where_change(method, on).en
            self.changes.append(_ChangeRow(entry.item_uid, on, prefix))

    def _first_free(self, rule: str, uids: list[str]) -> str | None:
        """The first of ``uids`` this rule has not been placed on yet (else the first)."""
        for uid in uids:
            if (rule, uid) not in self.taken:
                return uid
        return uids[0] if uids else None

    def cycle(self, rule: str, number: int | None, on: dt.date | None = None) -> str | None:
        rows = [row for row in self.cycles if row.number == number]
        if on is not None:
            dated = [row for row in rows if on in (row.start, row.dosing_end)]
            rows = dated or rows
        return self._first_free(rule, [row.item_uid for row in rows])

    def change(self, rule: str, message: str, on: dt.date) -> _ChangeRow | None:
        rows = [row for row in self.changes if row.on == on]
        named = [row for row in rows if message.startswith(row.prefix)]
        rows = named or rows
        uid = self._first_free(rule, [row.item_uid for row in rows])
        return next((row for row in rows if row.item_uid == uid), None)

    def place(self, finding: DosingFinding) -> Place:
        form, item_uid, field = self._place(finding)
        self.taken.add((finding.rule, item_uid))
        return form, item_uid, field

    def _place(self, finding: DosingFinding) -> Place:
        rule, number, message = finding.rule, finding.cycle, finding.message
        on = finding.dates[0] if finding.dates else None
        if rule in ("dose.range", "dose.tablet"):
            if message.startswith(msg.where_initial().en):
                return ("treatment", SINGLE, "initial_daily_dose")
            uids = [c.item_uid for c in self.cycles if message.startswith(c.prefix + ":")]
            uid = self._first_free(rule, uids)
            if uid is not None:
                return ("cycles", uid, "daily_dose")
            change = self.change(rule, message, on) if on is not None else None
            if change is not None:
                return ("dose_changes", change.item_uid, "new_daily_dose")
            return ("treatment", SINGLE, None)
        if rule.startswith("change.") and on is not None:
            change = self.change(rule, message, on)
            if change is not None:
                field = "new_daily_dose" if rule == "change.direction" else "method"
                return ("dose_changes", change.item_uid, field)
            return ("dose_changes", SINGLE, None)
        if rule == "discontinuation.conflict" and on is not None:
            change = self.change(rule, message, on)
            if change is not None and message.startswith(change.prefix):
                return ("dose_changes", change.item_uid, "change_date")
            uid = self.cycle(rule, number, on)
            if uid is not None:
                starts = {row.item_uid: row.start for row in self.cycles}
                field = "start_date" if starts[uid] == on else "dosing_end_date"
                return ("cycles", uid, field)
            return ("treatment", SINGLE, "last_dose_date")
        uid = self.cycle(rule, number, on if rule in ("cycle.order", "cycle.first_start") else None)
        if uid is None:
            return ("cycles", SINGLE, None)
        field = {
            "dose.initial_mismatch": "daily_dose",
            "cycle.order": "cycle_number",
            "cycle.first_start": "start_date",
            "cycle.early_start": "start_date",
        }.get(rule, "dosing_end_date")
        return ("cycles", uid, field)


def check_dosing_rules(run: Run) -> None:
    summary = run.data.dosing
    if isinstance(summary, NotComputable):
        return
    locator = _Locator(run.data.items("cycles"), run.data.items("dose_changes"))
    seen: set[tuple[str, str, str, str | None, int | None]] = set()
    for finding in summary.value.findings:
        if finding.rule in DOSING_RULES_REPLACED:
            continue
        form, item_uid, field = locator.place(finding)
        # Two findings of one rule at one place (e.g. a dose entered twice) are told
        # apart by their first date.
        identity = (finding.rule, form, item_uid, field, finding.cycle)
        key = finding.dates[0].isoformat() if identity in seen and finding.dates else ""
        seen.add(identity)
        run.out.add(
            finding.rule,
            form,
            item_uid,
            field,
            Text(finding.message, finding.message_zh),
            cycle=finding.cycle,
            dates=finding.dates,
            key=key,
        )
