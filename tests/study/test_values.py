"""Parsing typed values and hard checks from the study definition."""

from __future__ import annotations

import datetime as dt

import pytest

from rego_desktop.study import CURRENT
from rego_desktop.study.values import (
    FieldProblem,
    Quantity,
    check,
    display,
    from_json,
    parse_text,
    to_json,
)


def field(form: str, name: str):  # type: ignore[no-untyped-def]
    return CURRENT.form(form).field(name)


@pytest.mark.parametrize(
    ("form", "name", "text", "unit", "expected"),
    [
        ("demographics", "ecog", "2", None, 2),
        ("demographics", "weight", "61.5", None, 61.5),
        ("treatment", "first_dose_date", "2024-03-05", None, dt.date(2024, 3, 5)),
        ("demographics", "sex", "Female", None, "female"),
        ("demographics", "sex", "男", None, "male"),
        ("baseline_liver", "bilirubin", "1.2", "mg/dL", Quantity(1.2, "mg/dL")),
        ("baseline_liver", "bilirubin", "20", "umol/L", Quantity(20.0, "umol/L")),
        ("baseline_liver", "bilirubin", "20", "µmol/L", Quantity(20.0, "umol/L")),
        ("hcc_history", "aetiology", "hbv, alcohol", None, ("hbv", "alcohol")),
        ("eligibility", "inc_age_18", "yes", None, "yes"),
        ("demographics", "height", "", None, None),
    ],
)
def test_parse_accepts(form: str, name: str, text: str, unit: str | None, expected: object) -> None:
    assert parse_text(CURRENT, field(form, name), text, unit) == expected


@pytest.mark.parametrize(
    ("form", "name", "text", "unit", "says"),
    [
        ("demographics", "ecog", "7", None, "allowed 0-4"),
        ("demographics", "ecog", "1.5", None, "not a whole number"),
        ("treatment", "first_dose_date", "05/03/2024", None, "YYYY-MM-DD"),
        ("treatment", "first_dose_date", "2024-02-30", None, "not a real calendar date"),
        ("treatment", "initial_daily_dose", "-40", None, "impossible"),
        ("treatment", "initial_daily_dose", "4000", None, "allowed 1-400 mg"),
        ("adverse_events", "grade", "6", None, "allowed 1-5"),
        ("demographics", "sex", "x", None, "not one of"),
        ("baseline_liver", "bilirubin", "5000", "umol/L", "allowed 0-1000 µmol/L"),
        ("baseline_liver", "bilirubin", "2.0", None, "choose the unit (µmol/L or mg/dL)"),
        ("baseline_liver", "bilirubin", "80", "mg/dL", "allowed 0-58.466 mg/dL"),
        ("baseline_liver", "albumin", "3.5", "mmol/L", "unit 'mmol/L' is not allowed"),
        ("demographics", "weight", "abc", None, "not a number"),
    ],
)
def test_parse_refuses_with_a_message_saying_what_is_allowed(
    form: str, name: str, text: str, unit: str | None, says: str
) -> None:
    with pytest.raises(FieldProblem) as info:
        parse_text(CURRENT, field(form, name), text, unit)
    assert says in str(info.value)
    assert info.value.label.zh  # a Chinese message exists too


def test_values_round_trip_through_json() -> None:
    cases = [
        (field("treatment", "first_dose_date"), dt.date(2024, 1, 31)),
        (field("baseline_liver", "albumin"), Quantity(3.4, "g/dL")),
        (field("hcc_history", "aetiology"), ("hbv",)),
        (field("demographics", "ecog"), 1),
        (field("demographics", "weight"), 70.0),
    ]
    for f, value in cases:
        assert from_json(f, to_json(f, value)) == value


def test_quantity_converts_to_canonical_unit() -> None:
    bilirubin = field("baseline_liver", "bilirubin")
    assert Quantity(2.0, "mg/dL").canonical(bilirubin) == pytest.approx(34.208)


def test_check_refuses_wrong_python_types() -> None:
    with pytest.raises(FieldProblem):
        check(CURRENT, field("demographics", "ecog"), "2")
    with pytest.raises(FieldProblem):
        check(CURRENT, field("baseline_liver", "bilirubin"), 20.0)  # unit missing
    with pytest.raises(FieldProblem):
        check(CURRENT, field("demographics", "ecog"), True)


def test_display_uses_labels_and_units() -> None:
    assert display(CURRENT, field("demographics", "sex"), "female", "zh") == "女"
    assert display(CURRENT, field("baseline_liver", "albumin"), Quantity(35, "g/L")) == "35.0 g/L"
    assert display(CURRENT, field("demographics", "weight"), 61.0) == "61.0 kg"
