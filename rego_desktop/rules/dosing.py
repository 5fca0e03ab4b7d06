"""Regorafenib dosing: dose calendar, dose measures and label checks for one patient.

:func:`check_dosing` is the entry point. The meaning of every date in the record is
documented in :mod:`~rego_desktop.rules.dosing_records`, how the calendar resolves
gaps and contradictions in :mod:`~rego_desktop.rules.dosing_plan` and
:mod:`~rego_desktop.rules.dosing_calendar`, and the rule ids with their severities in
:mod:`~rego_desktop.rules.dosing_rules`.

Derived measures (design.md section 3):

- cumulative dose: sum of the calendar, in mg (interval arithmetic over the calendar's
  dose runs, never day by day);
- relative dose intensity: cumulative dose / (160 mg x 21 days x cycles started), the
  label's full dose for every cycle begun;
- reductions, escalations, interruptions: counted as described in ``dosing_calendar``;
- final daily dose: the dose on the last dosed day.

Any of these that depends on an unknown dose is :class:`NotComputable`, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from rego_desktop.rules import dosing_messages as msg
from rego_desktop.rules.derived import Computed, Derived, NotComputable
from rego_desktop.rules.dosing_calendar import DoseCalendar, DoseDays, DoseRun, build_calendar
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
    # mg per day from the first dose; None = dosed, dose unknown. Built when first read.
    calendar: Mapping[date, float | None]
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


# Below this a sum of whole-mg doses is exact in floating point, whatever its order.
_EXACT_BELOW = 2.0**52


def _dose_sum(pieces: list[tuple[float, int]]) -> float:
    """Sum of ``days`` x ``dose`` over ``(dose, days)`` pieces, exactly as adding day by day.

    Whole-mg doses (all that the label allows) are multiplied: every partial sum is an
    integer well inside the float mantissa, so the result is the one day-by-day addition
    gives. Any other dose is added day by day, in date order, as the per-day calendar does.
    """
    total = 0.0
    for dose, days in pieces:
        if not dose.is_integer():
            break
        total += dose * days
    else:
        if total < _EXACT_BELOW:
            return total
    return float(sum(dose for dose, days in pieces for _ in range(days)))


def _total(pieces: list[tuple[float, int]], reasons: list[str]) -> Derived[float]:
    """The dose over ``pieces``; not computable when any run's dose is unknown."""
    if reasons:
        return NotComputable(tuple(dict.fromkeys(reasons)))
    return Computed(_dose_sum(pieces))


def _summarise_cycle(
    cycle: PlannedCycle,
    start_level: float | str,
    runs: list[DoseRun],
    first_run: int,
    last_day: int,
    log: FindingLog,
) -> CycleSummary:
    """One cycle's measures from the runs ``runs[first_run:]`` that fall in the cycle.

    The cycle runs from its start to the day before the next start (the last cycle to
    ``last_day``, an ordinal). Runs never cross a cycle start, but are clipped anyway.
    """
    start = cycle.start.toordinal()
    end = cycle.next_start.toordinal() - 1 if cycle.next_start is not None else last_day
    first_off = start + DOSING_DAYS  # day 22: the first drug-free day of the cycle
    pieces: list[tuple[float, int]] = []
    reasons: list[str] = []
    dosed = 0
    last_dosed = start
    off_count, off_first, off_last = 0, 0, 0
    for index in range(first_run, len(runs)):
        run_first, run_last, dose, unknown = runs[index]
        if run_first > end:
            break
        a, b = max(run_first, start), min(run_last, end)
        if a > b:
            continue
        days = b - a + 1
        dosed += days
        last_dosed = b
        if dose is None:
            reasons.append(unknown)
        else:
            pieces.append((dose, days))
        off_from = max(a, first_off)
        if off_from <= b:
            if not off_count:
                off_first = off_from
            off_count += b - off_from + 1
            off_last = b
    number = cycle.number
    if dosed > DOSING_DAYS:
        text = msg.dosing_days_exceeded(number, dosed)
        log.add("cycle.dosing_days", number, (cycle.start, date.fromordinal(last_dosed)), text)
    if off_count:
        first_day, last_day_off = date.fromordinal(off_first), date.fromordinal(off_last)
        text = msg.off_day_dosing(number, off_count, first_day, last_day_off)
        log.add("cycle.off_days", number, (first_day, last_day_off), text)
    if cycle.end_assumed and cycle.window_end >= cycle.start:
        text = msg.dosing_end_assumed(number, cycle.start, cycle.window_end)
        log.add("cycle.dosing_end_missing", number, (cycle.start, cycle.window_end), text)
    at_start: Derived[float] = (
        NotComputable((start_level,)) if isinstance(start_level, str) else Computed(start_level)
    )
    return CycleSummary(number, cycle.start, at_start, dosed, _total(pieces, reasons))


def _summarise_cycles(
    plan: tuple[PlannedCycle, ...], calendar: DoseCalendar, last_day: int, log: FindingLog
) -> tuple[CycleSummary, ...]:
    runs = calendar.runs
    out: list[CycleSummary] = []
    first_run = 0
    for cycle, level in zip(plan, calendar.start_levels, strict=True):
        start = cycle.start.toordinal()
        while first_run < len(runs) and runs[first_run].last < start:
            first_run += 1
        out.append(_summarise_cycle(cycle, level, runs, first_run, last_day, log))
    return tuple(out)


def _final_dose(calendar: DoseCalendar) -> Derived[float]:
    if not calendar.runs:
        return NotComputable(("a dosed day",))
    last = calendar.runs[-1]
    return NotComputable((last.unknown,)) if last.dose is None else Computed(last.dose)


def check_dosing(history: DosingHistory) -> DosingSummary:
    """Build the dose calendar and run every dosing rule for one patient."""
    log = FindingLog(history.subject, RULE_SEVERITY)
    plan = plan_cycles(history)
    check_record(history, plan, log)
    calendar = build_calendar(history, plan, log)
    first_day = calendar.first_day
    # The last day on the calendar, or the first dose when no day could be dosed.
    last_day = calendar.last_day if calendar.last_day >= first_day else first_day
    cycles = _summarise_cycles(plan, calendar, last_day, log)
    runs = calendar.runs
    cumulative = _total(
        [(run.dose, run.last - run.first + 1) for run in runs if run.dose is not None],
        [run.unknown for run in runs if run.dose is None],
    )
    planned_dose = MAX_DAILY_MG * DOSING_DAYS * len(plan)
    intensity: Derived[float] = (
        Computed(cumulative.value / planned_dose)
        if isinstance(cumulative, Computed)
        else cumulative
    )
    findings = sorted(log.findings, key=lambda f: f.dates[0] if f.dates else date.min)
    return DosingSummary(
        subject=history.subject,
        calendar=DoseDays(first_day, calendar.last_day, runs),
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
