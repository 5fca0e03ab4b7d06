"""The analysis dataset: populations, per-patient values and the row's JSON form."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rego_desktop.analysis import AnalysisRow, Dosing, Time, analysis_dataset, analysis_row
from rego_desktop.analysis.dataset import row_from_json, row_to_json, site_of
from rego_desktop.study.values import Value
from tests.analysis.builders import CRITERIA_MET, Patient, casebook
from tests.analysis.cohort import casebooks


def test_rows_of_the_cohort() -> None:
    rows = {row.subject: row for row in analysis_dataset(casebooks())}
    p1 = rows["BJ01-0001"]
    assert p1.population == "analysed"
    assert p1.site == "BJ01"
    assert (p1.os, p1.pfs, p1.ttp) == (Time(100, True), Time(80, True), Time(80, True))
    assert p1.best_response == "PR"
    assert p1.adverse_events == (("hypertension", 2), ("ppes", 3))
    assert p1.dosing == Dosing(160.0, 2, 1.0, 0, 0, ())
    assert rows["BJ01-0002"].ttp == Time(60, False)
    assert rows["BJ01-0003"].os == Time(150, False)
    p4 = rows["BJ01-0004"].dosing
    assert p4 is not None
    assert p4.relative_dose_intensity == pytest.approx(16 * 80 / 3360)
    assert p4 == Dosing(80.0, 1, p4.relative_dose_intensity, 0, 1, ())
    assert rows["BJ01-0005"].best_response == "NE"
    assert rows["BJ01-0005"].dosing is not None
    assert rows["BJ01-0005"].dosing.deviations == ("dose.range",)
    assert rows["BJ01-0006"].ttp == Time(290, False)
    assert rows["BJ01-0006"].best_response is None
    p7 = rows["BJ01-0007"]
    assert (p7.population, p7.os, p7.pfs, p7.ttp) == ("analysed", None, None, None)
    assert rows["BJ01-0008"].population == "screen_failure"
    assert rows["BJ01-0009"].population == "incomplete"
    assert rows["BJ01-0010"].population == "incomplete"


@pytest.mark.parametrize(
    ("criterion", "answer"),
    [
        ("inc_age_18", "no"),
        ("inc_hcc_diagnosed", "no"),
        ("inc_bclc_b_c", "no"),
        ("inc_regorafenib_dose", "no"),
        ("inc_chart_available", "no"),
        ("exc_interventional_trial", "yes"),
        ("exc_other_malignancy", "yes"),
    ],
)
def test_any_failed_criterion_is_a_screen_failure(criterion: str, answer: str) -> None:
    book = casebook(Patient("BJ01-0001", eligibility={**CRITERIA_MET, criterion: answer}))
    row = analysis_row(book)
    assert row.population == "screen_failure"
    assert not row.analysed
    assert book.screen_failed()  # the same rule as the patient list's status


def test_screen_failure_wins_over_missing_answers() -> None:
    answers: dict[str, Value] = {"inc_age_18": "no"}  # everything else unanswered
    assert analysis_row(casebook(Patient("BJ01-0001", eligibility=answers))).population == (
        "screen_failure"
    )


def test_not_analysed_patients_carry_no_values() -> None:
    patient = Patient(
        "BJ01-0001",
        eligibility={**CRITERIA_MET, "exc_interventional_trial": "yes"},
        cycles=[(1, 21, 160.0)],
        assessments=[(50, "PR")],
        adverse_events=[("ppes", 3)],
        status="dead",
        death_day=60,
    )
    row = analysis_row(casebook(patient))
    assert row.population == "screen_failure"
    assert (row.os, row.best_response, row.adverse_events, row.dosing) == (None, None, (), None)


def test_adverse_events_without_term_or_grade_are_skipped() -> None:
    book = casebook(Patient("BJ01-0001", adverse_events=[("ppes", 2)]))
    template = book.entries["adverse_events"][0]
    book.entries["adverse_events"] += [
        replace(template, item_uid="x1", values={"term": "ppes"}),
        replace(template, item_uid="x2", values={"grade": 4}),
        replace(template, item_uid="x3", values={"term": "rash", "grade": 3}),
    ]
    assert analysis_row(book).adverse_events == (("ppes", 2), ("rash", 3))


def test_missing_initial_dose_is_unknown_not_zero() -> None:
    row = analysis_row(casebook(Patient("BJ01-0001", initial_dose=None, cycles=[(1, 21, None)])))
    assert row.dosing is not None
    assert row.dosing.initial_daily_dose_mg is None
    assert row.dosing.relative_dose_intensity is None


def test_site_of_subject_code() -> None:
    assert site_of("BJ01-0007") == "BJ01"
    assert site_of("SH02-123456") == "SH02"


def test_row_json_round_trip() -> None:
    for row in analysis_dataset(casebooks()):
        assert row_from_json(row_to_json(row)) == row


@pytest.mark.parametrize(
    "data",
    [
        [],
        ["BJ01-0001"],
        ["BJ01-0001", "BJ01", "someone", None, None, None, None, None, [], None],
        ["BJ01-0001", "BJ01", "analysed", None, [1], None, None, None, [], None],
        ["BJ01-0001", "BJ01", "analysed", None, None, None, None, None, [["ppes"]], None],
        ["BJ01-0001", "BJ01", "analysed", "2024-13-01", None, None, None, None, [], None],
    ],
)
def test_row_json_rejects_other_data(data: list[object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        row_from_json(data)


def test_endpoint_accessor() -> None:
    row = AnalysisRow(
        "BJ01-0001", "BJ01", "analysed", None, Time(1, True), None, Time(3, False), None, (), None
    )
    assert row.endpoint("os") == Time(1, True)
    assert row.endpoint("pfs") is None
    assert row.endpoint("ttp") == Time(3, False)
