"""Missing-data codes and partial dates as values: typed, checked, stored, shown."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rego_desktop.study import CURRENT
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import MissingReason
from rego_desktop.study.values import (
    FieldProblem,
    Missing,
    check,
    display,
    from_json,
    is_answered,
    missing_code,
    numeric,
    parse_text,
    to_json,
)

ALBUMIN = CURRENT.form("baseline_liver").field("albumin")
FIRST_DOSE = CURRENT.form("treatment").field("first_dose_date")
DIAGNOSIS = CURRENT.form("hcc_history").field("hcc_diagnosis_date")
DEATH = CURRENT.form("survival").field("death_date")
DEATH_CAUSE = CURRENT.form("survival").field("death_cause")
RESOLUTION = CURRENT.form("adverse_events").field("resolution_date")


@pytest.mark.parametrize("typed", ["ND", "nd", " Nd ", "未做", "Not done", "not done"])
def test_not_done_typed_in_a_lab_field(typed: str) -> None:
    value = parse_text(CURRENT, ALBUMIN, typed)
    assert value == Missing(MissingReason.NOT_DONE)
    assert missing_code(value) == "ND"
    assert numeric(value, ALBUMIN) is None
    assert is_answered(value)
    assert display(CURRENT, ALBUMIN, value) == "Not done"
    assert display(CURRENT, ALBUMIN, value, "zh") == "未做"


def test_a_reason_the_field_does_not_allow_names_the_allowed_ones() -> None:
    with pytest.raises(FieldProblem) as info:
        parse_text(CURRENT, ALBUMIN, "NA")
    assert "NA is not allowed here" in info.value.label.en
    assert "ND (Not done)" in info.value.label.en
    assert "UNK" in info.value.label.en
    assert "未做" in info.value.label.zh


def test_a_field_without_reasons_refuses_every_code() -> None:
    for typed in ("ND", "UNK", "NA"):
        with pytest.raises(FieldProblem) as info:
            parse_text(CURRENT, FIRST_DOSE, typed)
        assert "needs a value" in info.value.label.en
        assert "必须填写" in info.value.label.zh
    with pytest.raises(FieldProblem):
        check(CURRENT, FIRST_DOSE, Missing(MissingReason.UNKNOWN))


def test_a_choice_named_unknown_stays_that_choice() -> None:
    """The death-cause list has its own "Unknown"; only the code UNK is a reason."""
    assert parse_text(CURRENT, DEATH_CAUSE, "Unknown") == "unknown"
    assert parse_text(CURRENT, DEATH_CAUSE, "UNK") == Missing(MissingReason.UNKNOWN)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2019", PartialDate(2019)),
        ("2021-05", PartialDate(2021, 5)),
        ("2021-5", PartialDate(2021, 5)),
        ("2021/05", PartialDate(2021, 5)),
        ("２０２１－０５", PartialDate(2021, 5)),
        ("2021-05-17", dt.date(2021, 5, 17)),
        ("UNK", Missing(MissingReason.UNKNOWN)),
    ],
)
def test_partial_dates_where_the_study_allows_them(typed: str, expected: object) -> None:
    value = parse_text(CURRENT, DIAGNOSIS, typed)
    assert value == expected
    assert from_json(DIAGNOSIS, to_json(DIAGNOSIS, value)) == value
    if isinstance(value, PartialDate):
        assert display(CURRENT, DIAGNOSIS, value) == value.isoformat()


@pytest.mark.parametrize("typed", ["2021-13", "2021-00", "1899", "1899-12"])
def test_impossible_partial_dates_are_refused(typed: str) -> None:
    with pytest.raises(FieldProblem):
        parse_text(CURRENT, DIAGNOSIS, typed)


def test_complete_dates_stay_complete_where_the_study_says_so() -> None:
    with pytest.raises(FieldProblem) as info:
        parse_text(CURRENT, FIRST_DOSE, "2024-03")
    assert "must be complete" in info.value.label.en
    with pytest.raises(FieldProblem):
        check(CURRENT, FIRST_DOSE, PartialDate(2024, 3))


def test_death_and_resolution_take_partial_dates_and_their_reasons() -> None:
    assert parse_text(CURRENT, DEATH, "2024-03") == PartialDate(2024, 3)
    assert parse_text(CURRENT, RESOLUTION, "NA") == Missing(MissingReason.NOT_APPLICABLE)


def test_stored_forms() -> None:
    assert to_json(ALBUMIN, Missing(MissingReason.NOT_DONE)) == {"missing": "ND"}
    assert from_json(ALBUMIN, {"missing": "UNK"}) == Missing(MissingReason.UNKNOWN)
    assert to_json(DIAGNOSIS, PartialDate(2019)) == "2019"
    assert from_json(DIAGNOSIS, "2019") == PartialDate(2019)
    assert from_json(DIAGNOSIS, "2019-07") == PartialDate(2019, 7)
    assert from_json(DIAGNOSIS, "2019-07-02") == dt.date(2019, 7, 2)


@given(st.integers(1900, 2100), st.one_of(st.none(), st.integers(1, 12)))
def test_every_partial_date_round_trips(year: int, month: int | None) -> None:
    value = PartialDate(year, month)
    check(CURRENT, DIAGNOSIS, value)
    assert parse_text(CURRENT, DIAGNOSIS, value.isoformat()) == value
    assert from_json(DIAGNOSIS, to_json(DIAGNOSIS, value)) == value
