"""The dose calendar and the dose-level history behind it.

Walks the dated entries in order (cycle starts before changes dated the same day) and
keeps three pieces of state: the current dose level, whether dosing is interrupted, and
whether an interruption is waiting for its re-start. A day is dosed when it lies in its
cycle's dosing window and dosing is not interrupted.

Between two entries the state does not change, so the calendar is kept as dated
:class:`DoseRun` s (consecutive days dosed at one level, never crossing a cycle start)
rather than day by day; every other day from the first dose to the last dosable day is
undosed (0 mg). The dose measures are interval arithmetic over the runs. The per-day
view (:class:`DoseDays`, what the PDF timeline draws) is built from the runs only when
it is first read.

- A cycle start ends an interruption (a cycle starts with its first dose) and, if it
  names a dose, sets the level.
- A reduction or escalation entered during an interruption is taken as a re-start at the
  new dose, with a warning, because the entry says what the patient takes from that day.
- Reductions and escalations are counted from the dose levels, not the method entered,
  so a re-start or a cycle starting at a lower dose counts as a reduction; the method
  only decides when the new dose is unknown. A method that contradicts the levels gets
  a warning. A reduction or escalation dated on a cycle start to the dose that cycle
  already starts at is the same change entered twice and counts once.
- A dose that is missing or impossible makes the days it applies to unknown (``None``)
  rather than zero; the reason is kept so totals can say what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

from rego_desktop.rules import dosing_messages as msg
from rego_desktop.rules.dosing_plan import PlannedCycle, cycle_on
from rego_desktop.rules.dosing_records import ChangeMethod, DoseChange, DosingHistory
from rego_desktop.rules.dosing_rules import is_possible_dose
from rego_desktop.rules.findings import FindingLog

_Source = ChangeMethod | Literal["cycle"]  # what set a new dose level

_METHOD_NAME = {
    "reduction": "dose reduction",
    "escalation": "dose escalation",
    "restart": "re-start",
}


class DoseRun(NamedTuple):
    """Days ``first`` to ``last`` (ordinals, inclusive) all dosed at ``dose`` mg.

    ``dose`` is ``None`` when the patient was dosed but the dose is unknown; ``unknown``
    then says which entry is missing (it is ``""`` for a known dose). A dose is never 0:
    undosed days are the days outside every run.
    """

    first: int
    last: int
    dose: float | None
    unknown: str


@dataclass(slots=True)
class DoseCalendar:
    """Daily doses from the first dose to the last day that could be dosed.

    ``runs`` are the dosed days in date order; every other day from ``first_day`` to
    ``last_day`` (ordinals, inclusive; ``last_day < first_day`` when no day can be
    dosed) is not dosed. :meth:`days` and :meth:`unknown` give the same day by day.
    """

    first_day: int
    last_day: int
    runs: list[DoseRun] = field(default_factory=list)
    # Per planned cycle (same order): dose level on its first day, or why it is unknown.
    start_levels: list[float | str] = field(default_factory=list)
    reductions: int = 0
    escalations: int = 0
    interruptions: int = 0

    def days(self) -> dict[date, float | None]:
        """Every date to mg taken: 0.0 when not dosed, ``None`` when the dose is unknown."""
        return expand_runs(self.first_day, self.last_day, self.runs)

    def unknown(self) -> dict[date, str]:
        """Every dosed date whose dose is unknown, with the entry that is missing."""
        return {
            date.fromordinal(ordinal): run.unknown
            for run in self.runs
            if run.dose is None
            for ordinal in range(run.first, run.last + 1)
        }


def expand_runs(first: int, last: int, runs: list[DoseRun]) -> dict[date, float | None]:
    """The calendar day by day, in date order, from ordinal ``first`` to ``last``."""
    days: dict[date, float | None] = dict.fromkeys(
        map(date.fromordinal, range(first, last + 1)), 0.0
    )
    for run in runs:
        dose = run.dose
        for ordinal in range(run.first, run.last + 1):
            days[date.fromordinal(ordinal)] = dose
    return days


class DoseDays(Mapping[date, float | None]):
    """The dose calendar day by day (mg per date; 0.0 not dosed, ``None`` unknown).

    A read-only mapping in date order, built from the :class:`DoseRun` s the first time
    it is read: the dose measures never need it, the PDF timeline does.
    """

    __slots__ = ("_days", "_first", "_last", "_runs")

    def __init__(self, first: int, last: int, runs: list[DoseRun]) -> None:
        self._first = first
        self._last = last
        self._runs = runs
        self._days: dict[date, float | None] | None = None

    def _expanded(self) -> dict[date, float | None]:
        days = self._days
        if days is None:
            days = self._days = expand_runs(self._first, self._last, self._runs)
        return days

    def __getitem__(self, day: date) -> float | None:
        return self._expanded()[day]

    def __iter__(self) -> Iterator[date]:
        return iter(self._expanded())

    def __len__(self) -> int:
        return max(0, self._last - self._first + 1)

    def __contains__(self, day: object) -> bool:
        if type(day) is date:  # every date from the first to the last day is on it
            return self._first <= day.toordinal() <= self._last
        return day in self._expanded()  # as a dict decides for anything else

    def __reversed__(self) -> Iterator[date]:
        return reversed(self._expanded())

    def __repr__(self) -> str:
        return f"DoseDays({self._expanded()!r})"


@dataclass(slots=True)
class _Walk:
    history: DosingHistory
    plan: tuple[PlannedCycle, ...]
    log: FindingLog
    calendar: DoseCalendar
    level: float | None = None
    unknown_reason: str = "initial daily dose"
    interrupted: bool = False
    awaiting_restart: bool = False
    cycle_dose_on: date | None = None  # start date of the cycle that last set a dose
    next_day: int = 0  # ordinal of the first day not yet on the calendar
    cycle_index: int = -1
    starts: list[int] = field(default_factory=list)  # ordinals, per planned cycle
    windows: list[int] = field(default_factory=list)  # last dosable day ordinals

    def __post_init__(self) -> None:
        self.next_day = self.history.first_dose.toordinal()
        self.starts = [c.start.toordinal() for c in self.plan]
        self.windows = [c.window_end.toordinal() for c in self.plan]

    def fill_until(self, last: int) -> None:
        """Put days up to ordinal ``last`` (inclusive) on the calendar, run by run.

        The state is the same on every one of these days; only the cycle (and with it
        the dosing window) changes, at a cycle start, so the days are split there.
        """
        starts, windows, runs = self.starts, self.windows, self.calendar.runs
        count = len(starts)
        ordinal = self.next_day
        while ordinal <= last:
            while self.cycle_index + 1 < count and starts[self.cycle_index + 1] <= ordinal:
                self.cycle_index += 1
            index = self.cycle_index
            end = last if index + 1 >= count else min(last, starts[index + 1] - 1)
            if not self.interrupted:
                dosed_to = min(end, windows[index])
                if dosed_to >= ordinal:
                    level = self.level
                    reason = self.unknown_reason if level is None else ""
                    runs.append(DoseRun(ordinal, dosed_to, level, reason))
            ordinal = end + 1
        self.next_day = max(self.next_day, last + 1)

    def count_by_method(self, method: _Source) -> None:
        if method == "reduction":
            self.calendar.reductions += 1
        elif method == "escalation":
            self.calendar.escalations += 1

    def set_level(self, dose: float | None, method: _Source, number: int, on: date) -> None:
        """Apply a newly entered dose; count and check the direction of the change.

        ``number`` is the cycle whose start entered the dose (``method`` "cycle").
        """
        if dose is None or not is_possible_dose(dose):
            self.count_by_method(method)
            self.level = None
            what = (
                f"cycle {number} start" if method == "cycle" else f"{_METHOD_NAME[method]} on {on}"
            )
            entered = "" if dose is None else f" (entered {msg.mg(dose)} mg/day is not possible)"
            self.unknown_reason = f"daily dose of the {what}{entered}"
            return
        previous = self.level
        if on == self.cycle_dose_on and dose == previous:
            return  # the cycle's new dose entered again as a change: counted once
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
            # The initial level: nothing to compare with, so nothing to count.
            dose = cycle.daily_dose_mg
            self.level = float(dose) if dose is not None and is_possible_dose(dose) else None
            if self.level is None:
                shown = "" if dose is None else f" (entered {msg.mg(dose)} mg/day is not possible)"
                self.unknown_reason = f"initial daily dose{shown}"
        elif cycle.daily_dose_mg is not None:
            self.set_level(cycle.daily_dose_mg, "cycle", cycle.number, cycle.start)
            self.cycle_dose_on = cycle.start

    def apply_change(self, change: DoseChange) -> None:
        on, method, dose = change.on, change.method, change.new_daily_dose_mg
        if method == "interruption":
            self.calendar.interruptions += 1
            self.interrupted = True
            self.awaiting_restart = True
            return
        if method == "restart":
            if not self.awaiting_restart:
                self.log.add(
                    "change.restart_without_interruption",
                    cycle_on(self.plan, on),
                    (on,),
                    msg.restart_without_interruption(on),
                )
        elif self.interrupted:
            text = msg.change_while_interrupted(msg.where_change(method, on), dose)
            self.log.add("change.while_interrupted", cycle_on(self.plan, on), (on,), text)
        self.interrupted = False
        self.awaiting_restart = False
        if dose is not None or method != "restart":
            self.set_level(dose, method, 0, on)


def build_calendar(
    history: DosingHistory, plan: tuple[PlannedCycle, ...], log: FindingLog
) -> DoseCalendar:
    """The dose calendar; adds warnings for entries it had to interpret."""
    last_day = max(c.window_end for c in plan).toordinal()
    walk = _Walk(history, plan, log, DoseCalendar(history.first_dose.toordinal(), last_day))
    stop = history.discontinued_on
    events: list[tuple[date, int, int, PlannedCycle | DoseChange]] = [
        (cycle.start, 0, index, cycle) for index, cycle in enumerate(plan)
    ]
    events += [
        (change.on, 1, index, change)
        for index, change in enumerate(history.changes)
        if change.on >= history.first_dose and (stop is None or change.on <= stop)
    ]
    events.sort()  # (date, kind, index) is unique: the entries themselves are never compared
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
