"""No patient leaves an endpoint silently: each one left out of OS, PFS, TTP or the
response is named with the reason, in English and Chinese, in the summary object, its
JSON, its text, and the stored analysis rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rego_desktop.analysis import analyse, render_text, summarize, summarize_study
from rego_desktop.analysis.dataset import (
    REASONS,
    analysis_row,
    reason_text,
    row_from_json,
    row_to_json,
)
from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from tests.analysis.builders import CRITERIA_MET, Patient, casebook

BOOKS = [
    # Complete: in every figure.
    casebook(Patient("BJ01-0001", assessments=[(56, "PR")], status="dead", death_day=200)),
    # Treated and eligible, but no date after day 1 at all.
    casebook(Patient("BJ01-0002", progression_form=False)),
    # A progression recorded after death (saved before the check became hard).
    casebook(
        Patient(
            "BJ01-0003",
            assessments=[(56, "SD")],
            progression_day=150,
            status="dead",
            death_day=120,
        )
    ),
    # Eligible, never treated: not analysable.
    casebook(Patient("BJ01-0004", treated=False)),
    # Treated, eligibility not answered in full.
    casebook(
        Patient(
            "BJ01-0005",
            eligibility={k: v for k, v in CRITERIA_MET.items() if k != "inc_age_18"},
            status="alive",
            last_follow_up_day=90,
        )
    ),
    # A screen failure: excluded by the protocol, not for want of data.
    casebook(Patient("BJ01-0006", eligibility={**CRITERIA_MET, "inc_bclc_b_c": "no"})),
    # Alive with a follow-up but no assessment: PFS and TTP censored at the follow-up.
    casebook(Patient("BJ01-0007", status="alive", last_follow_up_day=60)),
]


def listed(summary: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(e["subject"], e["endpoint"], e["reason_code"]) for e in summary["not_computable"]}


def test_every_patient_left_out_is_named_with_the_reason() -> None:
    summary = summarize(BOOKS)
    assert listed(summary) == {
        ("BJ01-0002", "os", "no_last_contact"),
        ("BJ01-0002", "pfs", "no_assessment_or_follow_up"),
        ("BJ01-0002", "ttp", "no_assessment_or_follow_up"),
        ("BJ01-0003", "os", "progression_after_death"),
        ("BJ01-0003", "pfs", "progression_after_death"),
        ("BJ01-0003", "ttp", "progression_after_death"),
        *{("BJ01-0004", e, "no_first_dose") for e in ("os", "pfs", "ttp", "response")},
        *{("BJ01-0005", e, "eligibility_incomplete") for e in ("os", "pfs", "ttp", "response")},
    }
    by_key = {(e["subject"], e["endpoint"]): e for e in summary["not_computable"]}
    entry = by_key[("BJ01-0003", "pfs")]
    assert entry["reason"] == "progression date after death"
    assert entry["reason_zh"] == "进展日期晚于死亡日期"
    assert by_key[("BJ01-0002", "os")]["reason"].startswith("no date of last contact")
    assert by_key[("BJ01-0004", "response")]["reason"] == "no first dose date"
    assert by_key[("BJ01-0004", "response")]["reason_zh"] == "无首次给药日期"
    # In subject order, then OS, PFS, TTP, response.
    order = [(e["subject"], e["endpoint"]) for e in summary["not_computable"]]
    assert order[:3] == [("BJ01-0002", "os"), ("BJ01-0002", "pfs"), ("BJ01-0002", "ttp")]


def test_the_list_agrees_with_the_endpoint_counts() -> None:
    summary = analyse(BOOKS)
    not_analysed = {"BJ01-0004", "BJ01-0005"}
    for name, endpoint in summary.endpoints.items():
        analysed_left_out = [
            e for e in summary.not_computable_for(name) if e.subject not in not_analysed
        ]
        assert len(analysed_left_out) == endpoint.not_computable, name
    assert [e.subject for e in summary.not_computable_for("response")] == [
        "BJ01-0004",
        "BJ01-0005",
    ]


def test_every_reason_has_both_languages() -> None:
    for code, text in REASONS.items():
        assert text.en
        assert text.zh
        assert text.en != text.zh, code
        assert code.isascii()
        assert " " not in code  # codes go into JSON and stored rows; people read the text
    assert reason_text("from_a_newer_version").en == "from_a_newer_version"


def test_the_text_summary_lists_them() -> None:
    text = render_text(summarize(BOOKS))
    assert "Patients left out of an endpoint (not computable)" in text
    line = next(x for x in text.splitlines() if x.strip().startswith("BJ01-0003"))
    assert "OS, PFS, TTP" in line
    assert "progression date after death / 进展日期晚于死亡日期" in line
    assert "BJ01-0006" not in text
    clean = render_text(summarize(BOOKS[:1]))
    assert "not computable" not in clean


def test_rows_keep_the_reasons_through_their_stored_form() -> None:
    for book in BOOKS:
        row = analysis_row(book)
        assert row_from_json(row_to_json(row)) == row


def test_a_site_summary_names_them_whether_rows_are_stored_or_derived(study: OpenStudy) -> None:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "eligibility", dict(CRITERIA_MET))
    service.save(
        code,
        "treatment",
        {
            "first_dose_date": dt.date(2024, 3, 5),
            "initial_daily_dose": 160.0,
            "treatment_status": "ongoing",
        },
    )
    untreated = service.create_patient()
    service.save(untreated, "eligibility", dict(CRITERIA_MET))
    stored = summarize_study(study)
    derived = summarize_study(study, use_cache=False)
    assert stored == derived
    assert listed(stored) == {
        (code, "os", "no_last_contact"),
        (code, "pfs", "no_assessment_or_follow_up"),
        (code, "ttp", "no_assessment_or_follow_up"),
        *{(untreated, e, "no_first_dose") for e in ("os", "pfs", "ttp", "response")},
    }
