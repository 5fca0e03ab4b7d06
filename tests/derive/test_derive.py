"""Derived values: computed from the casebook, never typed; missing inputs say so."""

from __future__ import annotations

import math
from datetime import date

import pytest

from rego_desktop.derive import (
    DERIVATIONS,
    Computed,
    NotComputable,
    PatientData,
    age_at_first_dose,
    best_response,
    derived_for,
    derived_values,
    dosing_history,
    dosing_summary,
    draft_derived,
    eligible,
    time_to_events,
)
from rego_desktop.rules.scores import albi_grade
from rego_desktop.study import CURRENT
from rego_desktop.study.values import Quantity
from tests.checks.casebooks import FIRST, add, build, casebook, change, day, drop, put, uid

D = date


def test_every_derived_field_of_the_definition_has_a_derivation() -> None:
    names = {f.derived for _, f in CURRENT.all_fields() if f.derived is not None}
    assert names == set(DERIVATIONS)
    values = derived_values(build())
    for form, f in CURRENT.all_fields():
        if f.derived is None:
            continue
        keys = [k for k in values if k[0] == form.id and k[2] == f.id]
        assert keys, f"{form.id}.{f.id} not derived"


def test_values_of_the_clean_casebook() -> None:
    values = derived_values(build())
    expected = {
        ("demographics", "", "bmi"): pytest.approx(65.0 / 1.7**2),
        ("demographics", "", "age_at_first_dose"): 63,
        ("eligibility", "", "eligible"): "yes",
        ("prior_treatments", uid("prior_", 0), "duration_days"): 323,
        ("baseline_liver", "", "child_pugh_score"): 5,
        ("baseline_liver", "", "child_pugh_class"): "A",
        ("baseline_liver", "", "albi_grade"): "2",
        ("lab_tests", uid("lab_te", 0), "timing"): "before_first_dose",
        ("treatment", "", "number_of_cycles"): 4,
        ("treatment", "", "cumulative_dose"): 160.0 * (21 * 3 + 8),
        ("treatment", "", "relative_dose_intensity"): pytest.approx(
            100 * 160.0 * 71 / (160 * 21 * 4)
        ),
        ("treatment", "", "dose_reductions"): 0,
        ("treatment", "", "dose_interruptions"): 0,
        ("treatment", "", "final_daily_dose"): 160.0,
        ("treatment", "", "best_overall_response"): "SD",
        ("treatment", "", "time_to_best_response"): 50,
        ("cycles", uid("cycles", 2), "child_pugh_class"): "A",
    }
    for key, value in expected.items():
        result = values[key]
        assert isinstance(result, Computed), key
        assert result.value == value, key
    albi = values[("baseline_liver", "", "albi_score")]
    assert isinstance(albi, Computed)
    # bilirubin 1.0 mg/dL = 17.104 umol/L, albumin 38 g/L
    assert albi.value == pytest.approx(0.66 * math.log10(17.104) - 0.085 * 38)


def test_units_are_converted_not_guessed() -> None:
    in_mg = derived_for(build(), "baseline_liver")
    in_umol = derived_for(
        build(put("baseline_liver", bilirubin=Quantity(17.104, "umol/L"),
                  albumin=Quantity(3.8, "g/dL"))),
        "baseline_liver",
    )  # fmt: skip
    for key in ("child_pugh_score", "albi_grade"):
        assert in_mg[key] == in_umol[key]
    a, b = in_mg["albi_score"], in_umol["albi_score"]
    assert isinstance(a, Computed)
    assert isinstance(b, Computed)
    assert a.value == pytest.approx(b.value)
    bare = derived_for(build(put("baseline_liver", bilirubin=1.0)), "baseline_liver")
    assert bare["albi_score"] == NotComputable(("unit of Total bilirubin",))


@pytest.mark.parametrize(
    ("edits", "form", "field", "missing"),
    [
        pytest.param((put("demographics", height=None),), "demographics", "bmi", ("Height",),
                     id="bmi_without_height"),
        pytest.param((put("demographics", height=None, weight=None),), "demographics", "bmi",
                     ("Weight", "Height"), id="bmi_without_both"),
        pytest.param((put("identification", date_of_birth=None),), "demographics",
                     "age_at_first_dose", ("Date of birth",), id="age_without_birth"),
        pytest.param((put("baseline_liver", inr=None, ascites=None),), "baseline_liver",
                     "child_pugh_score", ("INR", "Ascites"), id="child_pugh_without_inr"),
        pytest.param((put("baseline_liver", albumin=None),), "baseline_liver", "albi_grade",
                     ("Albumin",), id="albi_without_albumin"),
        pytest.param((put("treatment", first_dose_date=None),), "treatment", "cumulative_dose",
                     ("date of first dose",), id="dosing_without_first_dose"),
        pytest.param((put("treatment", initial_daily_dose=None),
                      put("cycles", 0, daily_dose=None)), "treatment", "cumulative_dose",
                     ("initial daily dose",), id="cumulative_without_initial_dose"),
        pytest.param((add("dose_changes", change(10, "reduction")),), "treatment",
                     "cumulative_dose", ("daily dose of the dose reduction on 2024-01-19",),
                     id="cumulative_after_reduction_without_dose"),
        pytest.param((drop("response_assessments"),), "treatment", "best_overall_response",
                     ("response assessment after the first dose",), id="no_assessment"),
        pytest.param((put("eligibility", inc_chart_available=None),), "eligibility",
                     "eligible", ("Medical chart available",), id="eligibility_unanswered"),
    ],
)  # fmt: skip
def test_missing_inputs_are_not_computable_never_zero(
    edits: tuple[object, ...], form: str, field: str, missing: tuple[str, ...]
) -> None:
    result = derived_for(build(*edits), form)[field]  # type: ignore[arg-type]
    assert result == NotComputable(missing)


def test_repeating_entries_get_their_own_values() -> None:
    book = build(
        put("prior_treatments", end_date=None),
        add("lab_tests", {"sample_date": day(30)}),
    )
    values = derived_values(book)
    assert values[("prior_treatments", uid("prior_", 0), "duration_days")] == NotComputable(
        ("End date",)
    )
    assert values[("lab_tests", uid("lab_te", 1), "timing")] == Computed("after_first_dose")
    bad = derived_for(build(put("prior_treatments", end_date=D(2023, 1, 1))),
                      "prior_treatments", uid("prior_", 0))  # fmt: skip
    assert isinstance(bad["duration_days"], NotComputable)


def test_dose_schedule_with_reductions_interruptions_and_restarts() -> None:
    # 160 mg days 1-9, 120 mg 10-14, paused 15-19, 80 mg 20-21; cycles 2-4 at 80 mg,
    # last dose day 92 (cycle 4 day 8).
    book = build(
        add("dose_changes", change(10, "reduction", 120.0)),
        add("dose_changes", change(15, "interruption")),
        add("dose_changes", change(20, "restart", 80.0)),
        *(put("cycles", k, daily_dose=80.0) for k in (1, 2, 3)),
    )
    summary = dosing_summary(book)
    assert isinstance(summary, Computed)
    s = summary.value
    assert (s.number_of_cycles, s.reductions, s.interruptions) == (4, 2, 1)
    cumulative = 9 * 160.0 + 5 * 120 + 2 * 80 + 21 * 80 * 2 + 8 * 80
    assert s.cumulative_dose_mg == Computed(cumulative)
    values = derived_for(book, "treatment")
    intensity = values["relative_dose_intensity"]
    assert isinstance(intensity, Computed)
    assert intensity.value == pytest.approx(100 * cumulative / (160 * 21 * 4))
    assert values["dose_reductions"] == Computed(2)
    assert values["dose_interruptions"] == Computed(1)
    assert values["final_daily_dose"] == Computed(80.0)
    history = dosing_history(book)
    assert isinstance(history, Computed)
    assert [c.method for c in history.value.changes] == ["reduction", "interruption", "restart"]
    assert history.value.discontinued_on == D(2024, 4, 10)


def test_time_to_events_and_flags() -> None:
    endpoints = time_to_events(build())
    assert endpoints.os == Computed(endpoints.os.value)  # type: ignore[union-attr]
    os_, pfs, ttp = endpoints.os, endpoints.pfs, endpoints.ttp
    assert isinstance(os_, Computed)
    assert isinstance(pfs, Computed)
    assert isinstance(ttp, Computed)
    assert (os_.value.days, os_.value.event) == ((D(2024, 9, 15) - FIRST).days + 1, True)
    assert (pfs.value.days, pfs.value.event, pfs.value.basis) == (92, True, "progression")
    assert ttp.value.event
    alive = time_to_events(
        build(put("survival", status="alive", death_date=None, death_cause=None),
              put("progression", progressed="no", progression_date=None, pattern=None),
              put("response_assessments", 1, overall_response="SD"))
    )  # fmt: skip
    assert isinstance(alive.os, Computed)
    assert (alive.os.value.event, alive.os.value.on) == (False, D(2024, 8, 1))
    assert isinstance(alive.pfs, Computed)
    assert (alive.pfs.value.event, alive.pfs.value.basis) == (False, "last_assessment")
    contradictory = time_to_events(build(put("progression", progression_date=D(2024, 10, 1))))
    assert isinstance(contradictory.os, NotComputable)
    assert "after death" in contradictory.os.missing[0]
    no_first_dose = time_to_events(build(put("treatment", first_dose_date=None)))
    assert no_first_dose.os == NotComputable(("first_dose",))


def test_patient_level_accessors() -> None:
    data = PatientData(build())
    assert age_at_first_dose(data) == Computed(63)
    assert eligible(data) == Computed(True)
    assert eligible(build(put("eligibility", exc_other_malignancy="yes"))) == Computed(False)
    best = best_response(data)
    assert isinstance(best, Computed)
    assert (best.value.response, best.value.first_on) == ("SD", D(2024, 2, 28))
    assert age_at_first_dose(build(put("identification", date_of_birth=D(2025, 1, 1)))) == (
        NotComputable(("a date of birth before the first dose",))
    )


def test_single_forms_not_started_are_not_computable() -> None:
    values = derived_values(casebook({"eligibility": [{"inc_age_18": "yes"}]}))
    assert values[("demographics", "", "bmi")] == NotComputable(("Weight", "Height"))
    assert isinstance(values[("treatment", "", "number_of_cycles")], NotComputable)
    assert ("cycles", "", "child_pugh_score") not in values


def test_a_draft_shows_its_derived_values() -> None:
    book = build()
    shown = draft_derived(book, "demographics", None, {"height": 180.0, "weight": 81.0})
    bmi = shown["bmi"]
    assert isinstance(bmi, Computed)
    assert bmi.value == pytest.approx(25.0)
    liver = dict(book.single("baseline_liver"))
    liver["bilirubin"] = Quantity(60.0, "umol/L")
    liver["ascites"] = "mild"
    shown = draft_derived(book, "baseline_liver", None, liver)
    assert shown["child_pugh_score"] == Computed(8)
    assert shown["child_pugh_class"] == Computed("B")
    score = shown["albi_score"]
    assert isinstance(score, Computed)
    assert isinstance(score.value, float)
    assert shown["albi_grade"] == Computed(str(albi_grade(score.value)))
