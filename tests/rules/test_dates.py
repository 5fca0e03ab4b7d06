"""Age in completed years, inclusive durations and study days."""

from __future__ import annotations

from datetime import date

import pytest

from rego_desktop.rules.dates import age_at, duration_days, study_day


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        pytest.param(date(1960, 5, 15), date(2024, 5, 14), 63, id="day_before_birthday"),
        pytest.param(date(1960, 5, 15), date(2024, 5, 15), 64, id="on_birthday"),
        pytest.param(date(1960, 5, 15), date(2024, 5, 16), 64, id="day_after_birthday"),
        pytest.param(date(1960, 12, 31), date(2024, 1, 1), 63, id="new_year"),
        pytest.param(date(2000, 2, 29), date(2023, 2, 28), 22, id="leapling_feb28_non_leap"),
        pytest.param(date(2000, 2, 29), date(2023, 3, 1), 23, id="leapling_mar1_non_leap"),
        pytest.param(date(2000, 2, 29), date(2024, 2, 29), 24, id="leapling_feb29_leap"),
        pytest.param(date(2006, 3, 5), date(2024, 3, 5), 18, id="eighteenth_birthday"),
        pytest.param(date(2024, 3, 5), date(2024, 3, 5), 0, id="day_of_birth"),
    ],
)
def test_age_at(birth: date, on: date, age: int) -> None:
    assert age_at(birth, on) == age


def test_age_before_birth_is_refused() -> None:
    with pytest.raises(ValueError, match="before the date of birth"):
        age_at(date(2000, 1, 2), date(2000, 1, 1))


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        pytest.param(date(2024, 3, 1), date(2024, 3, 1), 1, id="same_day_is_one_day"),
        pytest.param(date(2024, 1, 1), date(2024, 1, 31), 31, id="january"),
        pytest.param(date(2024, 2, 1), date(2024, 3, 1), 30, id="leap_february_plus_one"),
        pytest.param(date(2023, 2, 1), date(2023, 3, 1), 29, id="plain_february_plus_one"),
        pytest.param(date(2024, 1, 1), date(2024, 1, 21), 21, id="dosing_days_1_21"),
    ],
)
def test_duration_days_is_inclusive(start: date, end: date, days: int) -> None:
    assert duration_days(start, end) == days


def test_duration_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="end 2024-01-01 is before start 2024-01-02"):
        duration_days(date(2024, 1, 2), date(2024, 1, 1))


@pytest.mark.parametrize(
    ("on", "day"),
    [
        pytest.param(date(2024, 1, 1), 1, id="first_dose_is_day_1"),
        pytest.param(date(2024, 1, 2), 2, id="next_day"),
        pytest.param(date(2023, 12, 31), -1, id="day_before_is_minus_1"),
        pytest.param(date(2024, 2, 12), 43, id="six_weeks_later"),
    ],
)
def test_study_day(on: date, day: int) -> None:
    assert study_day(on, date(2024, 1, 1)) == day
