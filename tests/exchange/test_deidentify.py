"""De-identification rules, on casebooks built in memory."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rego_desktop.casebook import Casebook, Entry
from rego_desktop.exchange.deidentify import (
    AGE_GROUP_TOP,
    DatasetTally,
    Removal,
    RemovedItem,
    age_group,
    deidentify_casebook,
    export_policy,
)
from rego_desktop.study import CURRENT
from rego_desktop.study.schema import FieldType
from rego_desktop.study.values import Quantity, Value

POLICY = export_policy(CURRENT)
MOMENT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
FIRST_DOSE = dt.date(2023, 3, 10)


def book(
    entries: dict[str, list[tuple[str, dict[str, Value]]]], *, code: str = "BJ01-0001"
) -> Casebook:
    result = Casebook(CURRENT, code, "uid", False)
    for form_id, items in entries.items():
        result.entries[form_id] = [Entry(uid, 1, values, MOMENT) for uid, values in items]
    return result


def typical(**overrides: Any) -> Casebook:
    entries: dict[str, list[tuple[str, dict[str, Value]]]] = {
        "identification": [
            (
                "",
                {
                    "full_name": "王秀英",
                    "hospital_record_number": "ZY20240088123",
                    "date_of_birth": dt.date(1950, 3, 11),
                },
            )
        ],
        "treatment": [("", {"first_dose_date": FIRST_DOSE, "initial_daily_dose": 160.0})],
        "hcc_history": [
            (
                "",
                {
                    "hcc_diagnosis_date": dt.date(2022, 3, 10),
                    "aetiology": ("hbv", "other"),
                    "aetiology_other": "neighbour said 李四",
                    "cirrhosis": "yes",
                },
            )
        ],
        "adverse_events": [
            (
                "b" * 32,
                {
                    "term": "other",
                    "term_other": "rash after 张三's wedding",
                    "grade": 2,
                    "onset_date": dt.date(2023, 3, 11),
                },
            ),
            ("a" * 32, {"term": "hypertension", "grade": 3, "onset_date": FIRST_DOSE}),
        ],
        "baseline_liver": [
            ("", {"liver_date": dt.date(2023, 3, 9), "bilirubin": Quantity(1.2, "mg/dL")})
        ],
    }
    entries.update(overrides)
    return book(entries)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2023, 3, 10), 1),  # the first dose is day 1
        (dt.date(2023, 3, 11), 2),
        (dt.date(2023, 3, 9), -1),  # the day before is -1: there is no day 0
        (dt.date(2023, 3, 8), -2),
        (dt.date(2024, 3, 10), 367),  # across a leap day
        (dt.date(2022, 3, 10), -365),
    ],
)
def test_dates_become_study_days(day: dt.date, expected: int) -> None:
    patient = deidentify_casebook(
        typical(progression=[("", {"progressed": "yes", "progression_date": day})]), POLICY
    )
    assert patient.forms["progression"][0].values["progression_date"] == expected


def test_what_is_sent_and_what_is_removed() -> None:
    tally = DatasetTally(POLICY)
    patient = deidentify_casebook(typical(), POLICY, tally)
    assert "identification" not in patient.forms
    assert patient.forms["treatment"][0].values == {
        "first_dose_date": 1,
        "initial_daily_dose": 160.0,
    }
    history = patient.forms["hcc_history"][0].values
    assert history == {
        "hcc_diagnosis_date": -365,
        "aetiology": ["hbv", "other"],
        "cirrhosis": "yes",
    }
    events = patient.forms["adverse_events"]
    assert [e.entry_id for e in events] == ["a" * 32, "b" * 32]  # ordered by entry id
    assert events[1].values == {"term": "other", "grade": 2, "onset_date": 2}
    liver = patient.forms["baseline_liver"][0].values
    assert liver == {"liver_date": -1, "bilirubin": {"value": 1.2, "unit": "mg/dL"}}
    assert patient.age_at_first_dose == 72
    assert patient.first_dose_known
    removed = {(r.form_id, r.field_id): r for r in tally.removed_items()}
    assert removed[("identification", None)] == RemovedItem(
        "identification", None, Removal.IDENTIFYING, 1
    )
    assert removed[("hcc_history", "aetiology_other")].count == 1
    assert removed[("adverse_events", "term_other")] == RemovedItem(
        "adverse_events", "term_other", Removal.FREE_TEXT, 1
    )
    assert removed[("medical_history", "condition_other")].count == 0  # listed even if 0
    assert tally.entries["adverse_events"] == 2
    assert tally.patients == 1


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (dt.date(1933, 3, 11), 89),  # one day short of 90
        (dt.date(1933, 3, 10), AGE_GROUP_TOP),  # 90th birthday on day 1
        (dt.date(1915, 1, 1), AGE_GROUP_TOP),
        (dt.date(2000, 1, 1), 23),
        (dt.date(2024, 1, 1), None),  # born after the first dose: impossible, no age
    ],
)
def test_age_at_first_dose_is_grouped_from_90(birth: dt.date, expected: int | str | None) -> None:
    ident = [("", {"full_name": "X", "date_of_birth": birth})]
    patient = deidentify_casebook(typical(identification=ident), POLICY)
    assert patient.age_at_first_dose == expected


def test_age_group() -> None:
    assert [age_group(a) for a in (0, 18, 89, 90, 91, 120)] == [0, 18, 89, "90+", "90+", "90+"]


def test_patient_without_first_dose_is_sent_without_any_date() -> None:
    tally = DatasetTally(POLICY)
    patient = deidentify_casebook(
        typical(treatment=[("", {"initial_daily_dose": 120.0})]), POLICY, tally
    )
    assert not patient.first_dose_known
    assert patient.age_at_first_dose is None
    for entries in patient.forms.values():
        for entry in entries:
            for field_id in entry.values:
                form_id = next(f for f, es in patient.forms.items() if entry in es)
                assert CURRENT.form(form_id).field(field_id).type is not FieldType.DATE
    # The entries stay (without their dates); their other values are sent.
    assert patient.forms["adverse_events"][0].values == {"term": "hypertension", "grade": 3}
    assert tally.without_first_dose == ["BJ01-0001"]
    removed = {(r.form_id, r.field_id): r for r in tally.removed_items()}
    assert removed[("adverse_events", "onset_date")] == RemovedItem(
        "adverse_events", "onset_date", Removal.NO_FIRST_DOSE, 2
    )
    assert removed[("hcc_history", "hcc_diagnosis_date")].count == 1


def test_policy_of_the_current_study() -> None:
    # The whole identification form is removed, and every text field of the definition.
    assert POLICY.removed_forms == {"identification": Removal.IDENTIFYING}
    for form, f in CURRENT.all_fields():
        sent = POLICY.field(form.id, f.id) is not None
        if form.identifying or f.identifying or f.free_text or f.type is FieldType.TEXT:
            assert not sent, f"{form.id}.{f.id}"
        if f.type is FieldType.TEXT:
            assert f.free_text or f.identifying, f"{form.id}.{f.id} is text but not flagged"
        if f.derived is not None:
            assert not sent, f"{form.id}.{f.id} is derived and recomputed at the center"
    assert POLICY.field("demographics", "sex") is not None
    assert POLICY.field("treatment", "first_dose_date") is not None


def test_signed_casebook_is_marked_signed() -> None:
    locked = typical()
    locked.locked = True
    assert deidentify_casebook(locked, POLICY).signed
