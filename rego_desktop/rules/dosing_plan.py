"""The cycles a dose calendar is built on, after resolving what the record leaves open.

- Cycle 1 always starts on the first dose (day 1) at the initial dose, whether or not a
  cycle 1 row was entered; a recorded cycle 1 start elsewhere is reported, not used.
- Cycles that cannot be placed (duplicate number or start date, starting on or before
  the first dose, after discontinuation) are left out of the calendar; the record
  checks report each of them.
- A cycle's dosing window runs from its start to its recorded dosing end. Without a
  recorded end, the label schedule is assumed (days 1-21). The window never runs into
  the next cycle or past discontinuation.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

from rego_desktop.rules.dosing_records import CycleStart, DosingHistory
from rego_desktop.rules.dosing_rules import DOSING_DAYS

_ONE_DAY = timedelta(days=1)
_LABEL_WINDOW = timedelta(days=DOSING_DAYS - 1)


@dataclass(frozen=True, slots=True)
class PlannedCycle:
    """A cycle as placed on the calendar."""

    number: int
    start: date
    daily_dose_mg: float | None
    dosing_end: date | None  # as recorded
    window_end: date  # last day that may be dosed; before ``start`` if none may be
    next_start: date | None
    end_assumed: bool  # the window comes from the label schedule, not the record


def _first_cycle(history: DosingHistory) -> CycleStart:
    recorded = next((c for c in history.cycles if c.number == 1), None)
    dose = history.initial_daily_dose_mg
    if dose is None and recorded is not None:
        dose = recorded.daily_dose_mg
    dosing_end = recorded.dosing_end if recorded is not None else None
    return CycleStart(1, history.first_dose, dose, dosing_end)


def _placeable(history: DosingHistory) -> list[CycleStart]:
    kept = [_first_cycle(history)]
    numbers, starts = {1}, {history.first_dose}
    stop = history.discontinued_on
    for cycle in history.cycles:
        if cycle.number in numbers or cycle.number < 1 or cycle.start in starts:
            continue
        if cycle.start < history.first_dose or (stop is not None and cycle.start > stop):
            continue
        kept.append(cycle)
        numbers.add(cycle.number)
        starts.add(cycle.start)
    kept.sort(key=lambda c: c.start)
    return kept


def plan_cycles(history: DosingHistory) -> tuple[PlannedCycle, ...]:
    """Cycles in date order with their dosing windows."""
    cycles = _placeable(history)
    stop = history.discontinued_on
    planned: list[PlannedCycle] = []
    for index, cycle in enumerate(cycles):
        next_start = cycles[index + 1].start if index + 1 < len(cycles) else None
        label_end = cycle.start + _LABEL_WINDOW
        end = cycle.dosing_end if cycle.dosing_end is not None else label_end
        if next_start is not None:
            end = min(end, next_start - _ONE_DAY)
        if stop is not None:
            end = min(end, stop)
        assumed = cycle.dosing_end is None and (stop is None or stop > label_end)
        planned.append(
            PlannedCycle(
                cycle.number,
                cycle.start,
                cycle.daily_dose_mg,
                cycle.dosing_end,
                end,
                next_start,
                assumed,
            )
        )
    return tuple(planned)


def cycle_on(plan: tuple[PlannedCycle, ...], on: date) -> int | None:
    """Number of the cycle that ``on`` falls in, ``None`` before cycle 1."""
    index = bisect_right([c.start for c in plan], on) - 1
    return plan[index].number if index >= 0 else None
