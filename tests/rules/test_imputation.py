"""The partial-date imputation rules (design.md section 8), with ADaM-style flags."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rego_desktop.rules.imputation import (
    DAY_IMPUTED,
    MONTH_IMPUTED,
    NO_FLAG,
    Imputed,
    Order,
    PartialDate,
    impute_death,
    impute_end,
    impute_start,
    order,
)

D = dt.date


def test_parsing_and_periods() -> None:
    assert PartialDate.parse("2019") == PartialDate(2019)
    assert PartialDate.parse("2024-3") == PartialDate(2024, 3)
    assert PartialDate.parse("2024-02-10") == PartialDate(2024, 2, 10)
    assert PartialDate(2024, 2).first == D(2024, 2, 1)
    assert PartialDate(2024, 2).last == D(2024, 2, 29)  # a leap year
    assert PartialDate(2023, 2).last == D(2023, 2, 28)
    assert PartialDate(2019).last == D(2019, 12, 31)
    assert PartialDate(2024, 3).isoformat() == "2024-03"
    assert PartialDate(2019).flag == MONTH_IMPUTED
    assert PartialDate(2024, 3).flag == DAY_IMPUTED
    assert PartialDate(2024, 3, 5).flag == NO_FLAG


@pytest.mark.parametrize("bad", [(2024, 13, None), (2024, None, 5), (2023, 2, 30)])
def test_impossible_partial_dates_are_refused(bad: tuple[int, int | None, int | None]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message says which part
        PartialDate(*bad)


def test_a_start_takes_the_first_day_but_not_before_the_first_dose() -> None:
    first_dose = D(2024, 3, 12)
    # An adverse event "in March 2024", the month of the first dose.
    assert impute_start(PartialDate(2024, 3), not_before=first_dose) == Imputed(
        first_dose, DAY_IMPUTED
    )
    # In April: the first of April.
    assert impute_start(PartialDate(2024, 4), not_before=first_dose) == Imputed(
        D(2024, 4, 1), DAY_IMPUTED
    )
    # "2024": the first dose lies inside the year.
    assert impute_start(PartialDate(2024), not_before=first_dose) == Imputed(
        first_dose, MONTH_IMPUTED
    )
    # A complete date is never changed, whatever it must follow.
    assert impute_start(D(2024, 3, 1), not_before=first_dose) == Imputed(D(2024, 3, 1))


def test_an_end_takes_the_last_day_but_not_after_death() -> None:
    death = D(2024, 5, 20)
    assert impute_end(PartialDate(2024, 5), not_after=death) == Imputed(death, DAY_IMPUTED)
    assert impute_end(PartialDate(2024, 4), not_after=death) == Imputed(D(2024, 4, 30), DAY_IMPUTED)
    assert impute_end(PartialDate(2024), not_after=death) == Imputed(death, MONTH_IMPUTED)
    assert impute_end(PartialDate(2023)) == Imputed(D(2023, 12, 31), MONTH_IMPUTED)


def test_a_death_with_an_unknown_day_follows_the_last_known_alive_date() -> None:
    # Died in March; seen alive on 10 March: the 11th.
    assert impute_death(PartialDate(2024, 3), last_alive=D(2024, 3, 10)) == Imputed(
        D(2024, 3, 11), DAY_IMPUTED
    )
    # Last seen in February: the first of March.
    assert impute_death(PartialDate(2024, 3), last_alive=D(2024, 2, 20)) == Imputed(
        D(2024, 3, 1), DAY_IMPUTED
    )
    # Seen on the last day of the month: the day after is outside it, keep the first.
    assert impute_death(PartialDate(2024, 3), last_alive=D(2024, 3, 31)) == Imputed(
        D(2024, 3, 1), DAY_IMPUTED
    )


def test_order_is_certain_only_without_overlap() -> None:
    death = D(2024, 2, 10)
    assert order(PartialDate(2024, 3), death) is Order.AFTER  # certainly wrong after death
    assert order(PartialDate(2024, 2), death) is Order.UNCERTAIN  # may be wrong: a warning
    assert order(PartialDate(2024, 1), death) is Order.BEFORE
    assert order(PartialDate(2024), death) is Order.UNCERTAIN
    assert order(death, death) is Order.SAME


partials = st.builds(
    lambda year, month, known: PartialDate(year, month if known else None),
    st.integers(1990, 2030),
    st.integers(1, 12),
    st.booleans(),
)
days = st.dates(min_value=D(1990, 1, 1), max_value=D(2030, 12, 31))


@given(partials, days)
def test_imputed_dates_stay_inside_their_period(value: PartialDate, bound: dt.date) -> None:
    for imputed in (
        impute_start(value, not_before=bound),
        impute_end(value, not_after=bound),
        impute_death(value, last_alive=bound),
    ):
        assert value.first <= imputed.date <= value.last
        assert imputed.flag == value.flag


@given(partials, days)
def test_the_bounds_are_respected_whenever_the_period_allows(
    value: PartialDate, bound: dt.date
) -> None:
    if value.contains(bound):
        assert impute_start(value, not_before=bound).date >= bound
        assert impute_end(value, not_after=bound).date <= bound
