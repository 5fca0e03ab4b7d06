"""The interval-based dosing engine equals the day-by-day one on random histories.

:func:`~rego_desktop.rules.dosing.check_dosing` computes the per-cycle and total dose
measures by interval arithmetic over dated dose runs and builds the per-day calendar
only when it is read. ``dosing_reference`` is the earlier engine that walked the
calendar day by day; here both run on thousands of random (often contradictory)
histories and must agree on every calendar day, every measure and every finding.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rego_desktop.rules.dosing import (
    ChangeMethod,
    CycleStart,
    DoseChange,
    DosingHistory,
    DosingSummary,
    check_dosing,
)
from tests.rules.dosing_reference import ReferenceSummary, reference_check_dosing

FIRST = date(2023, 11, 20)

# Label doses, off-label but possible ones (fractions among them: their sums are added
# day by day), impossible ones and missing ones.
DOSES: list[float | None] = [
    None,
    160.0,
    160.0,
    120.0,
    120.0,
    80.0,
    40.0,
    200.0,
    400.0,
    100.0,
    100.5,
    0.1,
    33.3,
    0.0,
    -40.0,
    480.0,
    math.nan,
    math.inf,
]

doses = st.sampled_from(DOSES)


def _day(offset: int) -> date:
    return FIRST + timedelta(days=offset)


@st.composite
def cycles(draw: st.DrawFn) -> tuple[CycleStart, ...]:
    """Mostly label-like cycles every 28 days, with every kind of mistake mixed in."""
    out: list[CycleStart] = []
    count = draw(st.integers(0, 14))
    start = 0
    for k in range(1, count + 1):
        number = draw(st.sampled_from([k, k, k, k, k + 1, k - 1, 0, 1]))
        start = draw(st.sampled_from([start, start + 28, start + 28, start + 28, start + 35]))
        start += draw(st.integers(-30, 8)) if draw(st.booleans()) else 0
        end_offset = draw(st.one_of(st.none(), st.sampled_from([20, 20, 14, 24, 27, 30, -3])))
        end = None if end_offset is None else _day(start + end_offset)
        out.append(CycleStart(number, _day(start), draw(doses), end))
    return tuple(draw(st.permutations(out)))


@st.composite
def changes(draw: st.DrawFn) -> tuple[DoseChange, ...]:
    methods = st.sampled_from(["reduction", "escalation", "interruption", "restart"])
    count = draw(st.integers(0, 12))
    out = []
    for _ in range(count):
        method = draw(methods)
        dose = None if method == "interruption" else draw(doses)
        out.append(DoseChange(_day(draw(st.integers(-10, 420))), method, dose))
    return tuple(out)


@st.composite
def histories(draw: st.DrawFn) -> DosingHistory:
    stop = draw(st.one_of(st.none(), st.integers(-15, 420)))
    return DosingHistory(
        subject="XX01-0001",
        first_dose=FIRST,
        initial_daily_dose_mg=draw(doses),
        cycles=draw(cycles()),
        changes=draw(changes()),
        discontinued_on=None if stop is None else _day(stop),
    )


METHODS: list[ChangeMethod] = ["reduction", "escalation", "interruption", "restart"]


def random_history(rng: random.Random) -> DosingHistory:
    """The same kind of history as :func:`histories`, drawn quickly from a seeded RNG."""
    cycle_rows: list[CycleStart] = []
    start = 0
    for k in range(1, rng.randint(0, 14) + 1):
        number = rng.choice([k, k, k, k, k + 1, k - 1, 0, 1])
        start = rng.choice([start, start + 28, start + 28, start + 28, start + 35])
        start += rng.randint(-30, 8) if rng.random() < 0.5 else 0
        end_offset = rng.choice([None, None, 20, 20, 14, 24, 27, 30, -3])
        end = None if end_offset is None else _day(start + end_offset)
        cycle_rows.append(CycleStart(number, _day(start), rng.choice(DOSES), end))
    rng.shuffle(cycle_rows)
    change_rows = []
    for _ in range(rng.randint(0, 12)):
        method = rng.choice(METHODS)
        dose = None if method == "interruption" else rng.choice(DOSES)
        change_rows.append(DoseChange(_day(rng.randint(-10, 420)), method, dose))
    stop = rng.choice([None, None, rng.randint(-15, 420)])
    return DosingHistory(
        subject="XX01-0001",
        first_dose=FIRST,
        initial_daily_dose_mg=rng.choice(DOSES),
        cycles=tuple(cycle_rows),
        changes=tuple(change_rows),
        discontinued_on=None if stop is None else _day(stop),
    )


def _same(actual: DosingSummary, expected: ReferenceSummary) -> None:
    assert list(actual.calendar.items()) == list(expected.calendar.items())
    assert len(actual.calendar) == len(expected.calendar)
    assert actual.cycles == expected.cycles
    assert actual.number_of_cycles == expected.number_of_cycles
    assert actual.cumulative_dose_mg == expected.cumulative_dose_mg
    assert actual.relative_dose_intensity == expected.relative_dose_intensity
    assert (actual.reductions, actual.escalations, actual.interruptions) == (
        expected.reductions,
        expected.escalations,
        expected.interruptions,
    )
    assert actual.final_daily_dose_mg == expected.final_daily_dose_mg
    assert actual.findings == expected.findings


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_interval_measures_equal_the_day_by_day_calendar(history: DosingHistory) -> None:
    _same(check_dosing(history), reference_check_dosing(history))


def test_interval_measures_equal_the_day_by_day_calendar_on_5000_histories() -> None:
    """Many more histories than hypothesis draws in the same time (no shrinking here)."""
    rng = random.Random(20240206)
    for _ in range(5000):
        history = random_history(rng)
        _same(check_dosing(history), reference_check_dosing(history))


@settings(max_examples=100, deadline=None)
@given(histories())
def test_calendar_is_built_lazily_and_reads_like_a_dict(history: DosingHistory) -> None:
    summary = check_dosing(history)
    expected = reference_check_dosing(history).calendar
    calendar = summary.calendar
    assert len(calendar) == len(expected)  # known without building the days
    for day in (FIRST - timedelta(days=1), FIRST, FIRST + timedelta(days=30)):
        assert (day in calendar) == (day in expected)
        assert calendar.get(day, "absent") == expected.get(day, "absent")
    assert calendar == expected
    first_day = datetime(FIRST.year, FIRST.month, FIRST.day)  # never equal to a date
    assert (first_day in calendar) == (first_day in expected) is False
    assert list(reversed(calendar)) == list(reversed(expected))
    assert sorted(calendar) == list(calendar)


def test_fractional_doses_are_summed_day_by_day() -> None:
    """0.1 mg added 21 times is not 21 x 0.1 in floating point; the total is the sum."""
    history = DosingHistory(
        subject="XX01-0002",
        first_dose=FIRST,
        initial_daily_dose_mg=0.1,
        cycles=(CycleStart(1, FIRST, None, _day(20)),),
        changes=(),
        discontinued_on=None,
    )
    summary = check_dosing(history)
    added = 0.0
    for _ in range(21):
        added += 0.1
    assert added != 21 * 0.1
    assert summary.cumulative_dose_mg == reference_check_dosing(history).cumulative_dose_mg
    assert summary.cycles[0].cumulative_dose_mg == summary.cumulative_dose_mg
