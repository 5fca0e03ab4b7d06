"""The day-by-day dosing engine, kept as the reference for the interval-based one.

This is the dose calendar walk and the per-cycle measures as they were before
:mod:`rego_desktop.rules.dosing` switched to interval arithmetic over dated dose runs:
every day from the first dose to the last dosable day is put on a ``dict`` and every
measure is read by walking it day by day. Slow, obviously right; the property tests
in ``test_dosing_intervals.py`` check that the fast engine gives the same calendar,
measures and findings on thousands of random histories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from rego_desktop.rules import dosing_messages as msg
from rego_desktop.rules.derived import Computed, Derived, NotComputable
from rego_desktop.rules.dosing import CycleSummary
from rego_desktop.rules.dosing_checks import (
    _check_change_dates,
    _check_cycle_dates,
    _check_cycle_numbers,
    check_dose,
)
from rego_desktop.rules.dosing_plan import PlannedCycle, cycle_on, plan_cycles
from rego_desktop.rules.dosing_records import ChangeMethod, DoseChange, DosingHistory
from rego_desktop.rules.dosing_rules import (
    DOSING_DAYS,
    MAX_DAILY_MG,
    RULE_SEVERITY,
    is_possible_dose,
)
from rego_desktop.rules.findings import Finding, FindingLog

_Source = ChangeMethod | Literal["cycle"]

_METHOD_NAME = {
    "reduction": "dose reduction",
    "escalation": "dose escalation",
    "restart": "re-start",
}


@dataclass(slots=True)
class ReferenceCalendar:
    days: dict[date, float | None] = field(default_factory=dict)
    unknown: dict[date, str] = field(default_factory=dict)
    start_levels: list[float | str] = field(default_factory=list)
    reductions: int = 0
    escalations: int = 0
    interruptions: int = 0


@dataclass(frozen=True, slots=True)
class ReferenceSummary:
    """What :class:`~rego_desktop.rules.dosing.DosingSummary` holds, from the walk."""

    subject: str
    calendar: dict[date, float | None]
    cycles: tuple[CycleSummary, ...]
    number_of_cycles: int
    cumulative_dose_mg: Derived[float]
    relative_dose_intensity: Derived[float]
    reductions: int
    escalations: int
    interruptions: int
    final_daily_dose_mg: Derived[float]
    findings: tuple[Finding, ...]


@dataclass(slots=True)
class _Walk:
    history: DosingHistory
    plan: tuple[PlannedCycle, ...]
    log: FindingLog
    calendar: ReferenceCalendar = field(default_factory=ReferenceCalendar)
    level: float | None = None
    unknown_reason: str = "initial daily dose"
    interrupted: bool = False
    awaiting_restart: bool = False
    cycle_dose_on: date | None = None
    next_day: int = 0
    cycle_index: int = -1
    starts: list[int] = field(default_factory=list)
    windows: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.next_day = self.history.first_dose.toordinal()
        self.starts = [c.start.toordinal() for c in self.plan]
        self.windows = [c.window_end.toordinal() for c in self.plan]

    def fill_until(self, last: int) -> None:
        starts, windows = self.starts, self.windows
        days, unknown = self.calendar.days, self.calendar.unknown
        for ordinal in range(self.next_day, last + 1):
            while self.cycle_index + 1 < len(starts) and starts[self.cycle_index + 1] <= ordinal:
                self.cycle_index += 1
            day = date.fromordinal(ordinal)
            if self.interrupted or ordinal > windows[self.cycle_index]:
                days[day] = 0.0
            else:
                days[day] = self.level
                if self.level is None:
                    unknown[day] = self.unknown_reason
        self.next_day = max(self.next_day, last + 1)

    def count_by_method(self, method: _Source) -> None:
        if method == "reduction":
            self.calendar.reductions += 1
        elif method == "escalation":
            self.calendar.escalations += 1

    def set_level(self, dose: float | None, method: _Source, what: str, on: date) -> None:
        if dose is None or not is_possible_dose(dose):
            self.count_by_method(method)
            self.level = None
            entered = "" if dose is None else f" (entered {msg.mg(dose)} mg/day is not possible)"
            self.unknown_reason = f"daily dose of the {what}{entered}"
            return
        previous = self.level
        if on == self.cycle_dose_on and dose == previous:
            return
        if previous is None:
            self.count_by_method(method)
        elif dose < previous:
            self.calendar.reductions += 1
        elif dose > previous:
            self.calendar.escalations += 1
        if previous is not None:
            text = None
            if method == "reduction" and dose >= previous:
                text = msg.direction_mismatch("reduction", on, dose, previous)
            elif method == "escalation" and dose <= previous:
                text = msg.direction_mismatch("escalation", on, dose, previous)
            if text is not None:
                self.log.add("change.direction", cycle_on(self.plan, on), (on,), text)
        self.level = float(dose)

    def start_cycle(self, cycle: PlannedCycle) -> None:
        self.interrupted = False
        if cycle.number == 1:
            dose = cycle.daily_dose_mg
            self.level = float(dose) if dose is not None and is_possible_dose(dose) else None
            if self.level is None:
                shown = "" if dose is None else f" (entered {msg.mg(dose)} mg/day is not possible)"
                self.unknown_reason = f"initial daily dose{shown}"
        elif cycle.daily_dose_mg is not None:
            what = f"cycle {cycle.number} start"
            self.set_level(cycle.daily_dose_mg, "cycle", what, cycle.start)
            self.cycle_dose_on = cycle.start

    def apply_change(self, change: DoseChange) -> None:
        on, method, dose = change.on, change.method, change.new_daily_dose_mg
        cycle = cycle_on(self.plan, on)
        if method == "interruption":
            self.calendar.interruptions += 1
            self.interrupted = True
            self.awaiting_restart = True
            return
        what = f"{_METHOD_NAME[method]} on {on}"
        if method == "restart":
            if not self.awaiting_restart:
                self.log.add(
                    "change.restart_without_interruption",
                    cycle,
                    (on,),
                    msg.restart_without_interruption(on),
                )
        elif self.interrupted:
            text = msg.change_while_interrupted(msg.where_change(method, on), dose)
            self.log.add("change.while_interrupted", cycle, (on,), text)
        self.interrupted = False
        self.awaiting_restart = False
        if dose is not None or method != "restart":
            self.set_level(dose, method, what, on)


def _check_entered_doses(
    history: DosingHistory, plan: tuple[PlannedCycle, ...], log: FindingLog
) -> None:
    """Every entered dose checked, as before the texts were built only for findings."""
    first = history.first_dose
    initial = history.initial_daily_dose_mg
    if initial is not None:
        check_dose(log, msg.where_initial(), 1, first, initial)
    for cycle in history.cycles:
        dose = cycle.daily_dose_mg
        if dose is None:
            continue
        if cycle.number == 1 and initial is not None:
            if dose != initial:
                log.add("dose.initial_mismatch", 1, (first,), msg.initial_mismatch(dose, initial))
            continue
        check_dose(log, msg.where_cycle(cycle.number, cycle.start), cycle.number, cycle.start, dose)
    for change in history.changes:
        if change.method != "interruption" and change.new_daily_dose_mg is not None:
            where = msg.where_change(change.method, change.on)
            check_dose(log, where, cycle_on(plan, change.on), change.on, change.new_daily_dose_mg)


def check_record(history: DosingHistory, plan: tuple[PlannedCycle, ...], log: FindingLog) -> None:
    stop = history.discontinued_on
    if stop is not None and stop < history.first_dose:
        text = msg.discontinued_before_first_dose(stop, history.first_dose)
        log.add("discontinuation.before_first_dose", None, (stop, history.first_dose), text)
    _check_entered_doses(history, plan, log)
    _check_cycle_numbers(history, log)
    _check_cycle_dates(history, plan, log)
    _check_change_dates(history, plan, log)


def reference_calendar(
    history: DosingHistory, plan: tuple[PlannedCycle, ...], log: FindingLog
) -> ReferenceCalendar:
    walk = _Walk(history, plan, log)
    stop = history.discontinued_on
    last_day = max(c.window_end for c in plan).toordinal()
    events: list[tuple[date, int, int, PlannedCycle | DoseChange]] = [
        (cycle.start, 0, index, cycle) for index, cycle in enumerate(plan)
    ]
    events += [
        (change.on, 1, index, change)
        for index, change in enumerate(history.changes)
        if change.on >= history.first_dose and (stop is None or change.on <= stop)
    ]
    events.sort(key=lambda event: event[:3])
    starts = {cycle.start: index for index, cycle in enumerate(plan)}
    levels: dict[int, float | str] = {}
    for position, (on, _, _, entry) in enumerate(events):
        walk.fill_until(min(on.toordinal() - 1, last_day))
        if isinstance(entry, PlannedCycle):
            walk.start_cycle(entry)
        else:
            walk.apply_change(entry)
        last_of_day = position + 1 == len(events) or events[position + 1][0] != on
        if last_of_day and on in starts:
            levels[starts[on]] = walk.level if walk.level is not None else walk.unknown_reason
    walk.fill_until(last_day)
    walk.calendar.start_levels = [levels[index] for index in range(len(plan))]
    return walk.calendar


def _total(values: list[float | None], reasons: list[str]) -> Derived[float]:
    if any(value is None for value in values):
        return NotComputable(tuple(dict.fromkeys(reasons)))
    return Computed(float(sum(value for value in values if value is not None)))


def _summarise_cycle(
    cycle: PlannedCycle,
    start_level: float | str,
    calendar: ReferenceCalendar,
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


def _final_dose(calendar: ReferenceCalendar) -> Derived[float]:
    for day in reversed(calendar.days):
        value = calendar.days[day]
        if value is None:
            return NotComputable((calendar.unknown[day],))
        if value != 0.0:
            return Computed(value)
    return NotComputable(("a dosed day",))


def reference_check_dosing(history: DosingHistory) -> ReferenceSummary:
    """:func:`~rego_desktop.rules.dosing.check_dosing`, the day-by-day way."""
    log = FindingLog(history.subject, RULE_SEVERITY)
    plan = plan_cycles(history)
    check_record(history, plan, log)
    calendar = reference_calendar(history, plan, log)
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
    return ReferenceSummary(
        subject=history.subject,
        calendar=calendar.days,
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
