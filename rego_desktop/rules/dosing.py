"""Regorafenib dosing: dose calendar, dose measures and label checks for one patient.

:func:`check_dosing` is the entry point. The meaning of every date in the record is
documented in :mod:`~rego_desktop.rules.dosing_records`, how the calendar resolves
gaps and contradictions in :mod:`~rego_desktop.rules.dosing_plan` and
:mod:`~rego_desktop.rules.dosing_calendar`, and the rule ids with their severities in
:mod:`~rego_desktop.rules.dosing_rules`.

Derived measures (design.md section 3):

- cumulative dose: sum of the calendar, in mg;
- relative dose intensity: cumulative dose / (160 mg x 21 days x cycles started), the
  label's full dose for every cycle begun;
- reductions, escalations, interruptions: counted as described in ``dosing_calendar``;
- final daily dose: the dose on the last dosed day.

Any of these that depends on an unknown dose is :class:`NotComputable`, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from rego_desktop.rules import dosing_messages as msg
from rego_desktop.rules.derived import Computed, Derived, NotComputable
from rego_desktop.rules.dosing_calendar import DoseCalendar, build_calendar
from rego_desktop.rules.dosing_checks import check_record
from rego_desktop.rules.dosing_plan import PlannedCycle, plan_cycles
from rego_desktop.rules.dosing_records import ChangeMethod, CycleStart, DoseChange, DosingHistory
from rego_desktop.rules.dosing_rules import DOSING_DAYS, MAX_DAILY_MG, RULE_SEVERITY
from rego_desktop.rules.findings import Finding, FindingLog, Severity

__all__ = [
    "ChangeMethod",
    "CycleStart",
    "CycleSummary",
    "DoseChange",
    "DosingHistory",
    "DosingSummary",
    "Finding",
    "Severity",
    "check_dosing",
]


@dataclass(frozen=True, slots=True)
class CycleSummary:
    """One cycle as dosed: from its start to the day before the next cycle."""

    number: int
    start: date
    dose_at_start_mg: Derived[float]
    dosing_days: int
    cumulative_dose_mg: Derived[float]


@dataclass(frozen=True, slots=True)
class DosingSummary:
    """Dose calendar, per-cycle and overall dose measures, and findings for one patient."""

    subject: str
    calendar: Mapping[date, float | None]  # mg per day; None = dosed, dose unknown
    cycles: tuple[CycleSummary, ...]
    number_of_cycles: int
    cumulative_dose_mg: Derived[float]
    relative_dose_intensity: Derived[float]
    reductions: int
    escalations: int
    interruptions: int
    final_daily_dose_mg: Derived[float]
    findings: tuple[Finding, ...]

    def with_severity(self, severity: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == severity)

    @property
    def rules_triggered(self) -> frozenset[str]:
        return frozenset(f.rule for f in self.findings)


def _total(values: list[float | None], reasons: list[str]) -> Derived[float]:
    if any(value is None for value in values):
        return NotComputable(tuple(dict.fromkeys(reasons)))
    return Computed(float(sum(value for value in values if value is not None)))


def _summarise_cycle(
    cycle: PlannedCycle,
    start_level: float | str,
    calendar: DoseCalendar,
    last_day: date,
    log: FindingLog,
) -> CycleSummary:
    end = cycle.next_start - timedelta(days=1) if cycle.next_start is not None else last_day
    values: list[float | None] = []
    reasons: list[str] = []
    off_days: list[date] = []
    last_dosed = cycle.start
    day = cycle.start
    while day <= end:
        value = calendar.days.get(day, 0.0)
        if value != 0.0:
            values.append(value)
            last_dosed = day
            if value is None:
                reasons.append(calendar.unknown[day])
            if (day - cycle.start).days >= DOSING_DAYS:
                off_days.append(day)
        day += timedelta(days=1)
    number = cycle.number
    if len(values) > DOSING_DAYS:
        text = msg.dosing_days_exceeded(number, len(values))
        log.add("cycle.dosing_days", number, (cycle.start, last_dosed), text)
    if off_days:
        text = msg.off_day_dosing(number, len(off_days), off_days[0], off_days[-1])
        log.add("cycle.off_days", number, (off_days[0], off_days[-1]), text)
    if cycle.end_assumed and cycle.window_end >= cycle.start:
        text = msg.dosing_end_assumed(number, cycle.start, cycle.window_end)
        log.add("cycle.dosing_end_missing", number, (cycle.start, cycle.window_end), text)
    at_start: Derived[float] = (
        NotComputable((start_level,)) if isinstance(start_level, str) else Computed(start_level)
    )
    return CycleSummary(number, cycle.start, at_start, len(values), _total(values, reasons))


def _final_dose(calendar: DoseCalendar) -> Derived[float]:
    for day in reversed(calendar.days):
        value = calendar.days[day]
        if value is None:
            return NotComputable((calendar.unknown[day],))
        if value != 0.0:
            return Computed(value)
    return NotComputable(("a dosed day",))


def check_dosing(history: DosingHistory) -> DosingSummary:
    """Build the dose calendar and run every dosing rule for one patient."""
    log = FindingLog(history.subject, RULE_SEVERITY)
    plan = plan_cycles(history)
    check_record(history, plan, log)
    calendar = build_calendar(history, plan, log)
    last_day = max(calendar.days, default=history.first_dose)
    cycles = tuple(
        _summarise_cycle(cycle, level, calendar, last_day, log)
        for cycle, level in zip(plan, calendar.start_levels, strict=True)
    )
    cumulative = _total(list(calendar.days.values()), list(calendar.unknown.values()))
    planned_dose = MAX_DAILY_MG * DOSING_DAYS * len(plan)
    intensity: Derived[float] = (
        Computed(cumulative.value / planned_dose)
        if isinstance(cumulative, Computed)
        else cumulative
    )
    findings = sorted(log.findings, key=lambda f: f.dates[0] if f.dates else date.min)
    return DosingSummary(
        subject=history.subject,
        calendar=MappingProxyType(calendar.days),
        cycles=cycles,
        number_of_cycles=len(plan),
        cumulative_dose_mg=cumulative,
        relative_dose_intensity=intensity,
        reductions=calendar.reductions,
        escalations=calendar.escalations,
        interruptions=calendar.interruptions,
        final_daily_dose_mg=_final_dose(calendar),
        findings=tuple(findings),
    )
