"""Checks on the dosing record as entered, before any calendar is built.

Covers every entered dose (initial, each cycle start, each change that sets a dose)
against the label and against what is possible, and every date against the first
dose, the other cycles and discontinuation.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from rego_desktop.rules import dosing_messages as msg
from rego_desktop.rules.dosing_plan import PlannedCycle, cycle_on
from rego_desktop.rules.dosing_records import DosingHistory
from rego_desktop.rules.dosing_rules import (
    CYCLE_DAYS,
    MAX_DAILY_MG,
    MIN_DAILY_MG,
    is_possible_dose,
    is_whole_tablets,
)
from rego_desktop.rules.findings import FindingLog, Text


def check_dose(log: FindingLog, where: Text, cycle: int | None, on: date, dose: float) -> None:
    """Impossible (error), else outside 80-160 and not whole tablets (deviations)."""
    dates = (on,)
    if not is_possible_dose(dose):
        log.add("dose.impossible", cycle, dates, msg.dose_impossible(where, dose))
        return
    if dose > MAX_DAILY_MG:
        log.add("dose.range", cycle, dates, msg.dose_above_max(where, dose))
    elif dose < MIN_DAILY_MG:
        log.add("dose.range", cycle, dates, msg.dose_below_min(where, dose))
    if not is_whole_tablets(dose):
        log.add("dose.tablet", cycle, dates, msg.dose_not_tablets(where, dose))


def _on_label(dose: float) -> bool:
    """True when :func:`check_dose` has nothing to say about ``dose``."""
    return (
        is_possible_dose(dose) and MIN_DAILY_MG <= dose <= MAX_DAILY_MG and is_whole_tablets(dose)
    )


def _check_entered_doses(
    history: DosingHistory, plan: tuple[PlannedCycle, ...], log: FindingLog
) -> None:
    # Where a dose was entered is only put into words when there is a finding to word.
    first = history.first_dose
    initial = history.initial_daily_dose_mg
    if initial is not None and not _on_label(initial):
        check_dose(log, msg.where_initial(), 1, first, initial)
    for cycle in history.cycles:
        dose = cycle.daily_dose_mg
        if dose is None:
            continue
        if cycle.number == 1 and initial is not None:
            if dose != initial:
                log.add("dose.initial_mismatch", 1, (first,), msg.initial_mismatch(dose, initial))
            continue
        if not _on_label(dose):
            where = msg.where_cycle(cycle.number, cycle.start)
            check_dose(log, where, cycle.number, cycle.start, dose)
    for change in history.changes:
        dose = change.new_daily_dose_mg
        if change.method != "interruption" and dose is not None and not _on_label(dose):
            where = msg.where_change(change.method, change.on)
            check_dose(log, where, cycle_on(plan, change.on), change.on, dose)


def _check_cycle_numbers(history: DosingHistory, log: FindingLog) -> None:
    # Cycle 1 starts on the first dose whatever its row says (see dosing_plan).
    first_of: dict[int, date] = {1: history.first_dose}
    seen: set[int] = set()
    reported: set[int] = set()
    for cycle in history.cycles:
        number = cycle.number
        if number < 1:
            log.add("cycle.order", number, (cycle.start,), msg.cycle_number_invalid(number))
        elif number in seen:
            if number not in reported:
                log.add("cycle.order", number, (cycle.start,), msg.cycle_duplicate(number))
                reported.add(number)
        else:
            seen.add(number)
            first_of.setdefault(number, cycle.start)
    numbers = sorted(first_of)
    for previous, number in pairwise(numbers):
        start, previous_start = first_of[number], first_of[previous]
        if number != previous + 1:
            log.add("cycle.order", number, (start,), msg.cycle_gap(number, previous))
        # A start before the first dose is reported on its own (cycle.before_first_dose).
        if history.first_dose <= start <= previous_start:
            text = msg.cycle_not_after_previous(number, start, previous, previous_start)
            log.add("cycle.order", number, (start, previous_start), text)


def _check_cycle_dates(
    history: DosingHistory, plan: tuple[PlannedCycle, ...], log: FindingLog
) -> None:
    first, stop = history.first_dose, history.discontinued_on
    for cycle in history.cycles:
        number, start, end = cycle.number, cycle.start, cycle.dosing_end
        if start < first:
            log.add(
                "cycle.before_first_dose",
                number,
                (start, first),
                msg.cycle_before_first_dose(number, start, first),
            )
        elif number == 1 and start > first:
            log.add("cycle.first_start", 1, (start, first), msg.first_cycle_late(start, first))
        if end is not None and end < start:
            text = msg.dosing_end_before_start(number, start, end)
            log.add("cycle.dosing_end_before_start", number, (start, end), text)
        if stop is not None and start > stop:
            text = msg.after_discontinuation(msg.where_cycle(number, start), stop)
            log.add("discontinuation.conflict", number, (start, stop), text)
        elif stop is not None and end is not None and end > stop:
            text = msg.dosing_end_after_discontinuation(number, end, stop)
            log.add("discontinuation.conflict", number, (end, stop), text)
    for current, following in pairwise(plan):
        end = current.dosing_end
        if end is not None and end >= following.start:
            text = msg.dosing_end_overlap(current.number, end, following.number, following.start)
            log.add("cycle.dosing_end_overlap", current.number, (end, following.start), text)
        earliest = current.start + timedelta(days=CYCLE_DAYS)
        if following.start < earliest:
            day = (following.start - current.start).days + 1
            text = msg.early_start(following.number, following.start, current.number, day, earliest)
            log.add("cycle.early_start", following.number, (following.start, current.start), text)


def _check_change_dates(
    history: DosingHistory, plan: tuple[PlannedCycle, ...], log: FindingLog
) -> None:
    first, stop = history.first_dose, history.discontinued_on
    for change in history.changes:
        where = msg.where_change(change.method, change.on)
        if change.on < first:
            text = msg.change_before_first_dose(where, first)
            log.add("change.before_first_dose", None, (change.on, first), text)
        elif stop is not None and change.on > stop:
            text = msg.after_discontinuation(where, stop)
            log.add("discontinuation.conflict", cycle_on(plan, change.on), (change.on, stop), text)


def check_record(history: DosingHistory, plan: tuple[PlannedCycle, ...], log: FindingLog) -> None:
    """Every check that needs only the record and its cycle plan."""
    stop = history.discontinued_on
    if stop is not None and stop < history.first_dose:
        text = msg.discontinued_before_first_dose(stop, history.first_dose)
        log.add("discontinuation.before_first_dose", None, (stop, history.first_dose), text)
    _check_entered_doses(history, plan, log)
    _check_cycle_numbers(history, log)
    _check_cycle_dates(history, plan, log)
    _check_change_dates(history, plan, log)
