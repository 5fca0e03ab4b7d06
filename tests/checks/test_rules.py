"""Every edit check, table-driven: a clean casebook, one edit, exactly the findings expected.

Each case starts from the complete label-conformant casebook of ``casebooks.py`` (day 1
= 2024-01-10, cycles from days 1, 29, 57 and 85, death on 2024-09-15), applies edits
and lists every finding it must give as (rule, form, field). Passing cases expect
nothing, so a rule that fires too eagerly fails them.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rego_desktop.checks import RULES, run_checks
from rego_desktop.derive import derived_values, time_to_events
from rego_desktop.models import Query
from rego_desktop.study import CURRENT
from rego_desktop.study.dates import PartialDate as P
from rego_desktop.study.schema import Field, FieldType, MissingReason
from rego_desktop.study.values import Missing, Quantity, Value
from tests.checks.casebooks import (
    TODAY,
    Edit,
    add,
    build,
    casebook,
    change,
    clean_forms,
    cycle,
    day,
    drop,
    put,
    replace,
    uid,
)

D = date
Expected = set[tuple[str, str, str | None]]

ALIVE: tuple[Edit, ...] = (
    put("survival", status="alive", death_date=None, death_cause=None,
        last_follow_up_date=D(2024, 12, 1)),
)  # fmt: skip
ONGOING: tuple[Edit, ...] = (
    *ALIVE,
    put("treatment", treatment_status="ongoing", last_dose_date=None,
        discontinuation_reason=None),
    drop("subsequent_treatments", 0),
)  # fmt: skip


def move_cycle(index: int, start_day: int, last_day: int) -> Edit:
    """Move a cycle (with the liver tests taken two days before it)."""
    return put("cycles", index, start_date=day(start_day), dosing_end_date=day(last_day),
               liver_date=day(start_day - 2))  # fmt: skip


def case(case_id: str, edits: tuple[Edit, ...] | Edit, expected: Expected) -> object:
    return pytest.param(edits if isinstance(edits, tuple) else (edits,), expected, id=case_id)


PASSING = [
    case("clean_casebook", (), set()),
    case("reduction_120_mid_cycle_2", add("dose_changes", change(38, "reduction", 120.0)), set()),
    case("interruption_then_restart_same_dose",
         (add("dose_changes", change(8, "interruption")),
          add("dose_changes", change(12, "restart"))), set()),
    case("interruption_then_restart_lower",
         (add("dose_changes", change(8, "interruption")),
          add("dose_changes", change(15, "restart", 120.0))), set()),
    case("reduce_pause_restart_lower_escalate",
         (add("dose_changes", change(10, "reduction", 120.0)),
          add("dose_changes", change(15, "interruption")),
          add("dose_changes", change(20, "restart", 80.0)),
          put("cycles", 1, daily_dose=80.0),
          add("dose_changes", change(29, "reduction", 80.0)),
          put("cycles", 2, daily_dose=120.0), put("cycles", 3, daily_dose=120.0)), set()),
    case("redos_80_120_160_in_cycle_1",
         (put("treatment", initial_daily_dose=80.0), put("cycles", 0, daily_dose=80.0),
          add("dose_changes", change(8, "escalation", 120.0, "planned_escalation")),
          add("dose_changes", change(15, "escalation", 160.0, "planned_escalation"))), set()),
    case("label_minimum_80_throughout",
         (put("treatment", initial_daily_dose=80.0),
          *(put("cycles", k, daily_dose=80.0) for k in range(4))), set()),
    case("cycle_2_delayed_a_week",
         (move_cycle(1, 36, 56), move_cycle(2, 64, 84), move_cycle(3, 92, 92),
          put("treatment", last_dose_date=day(92))), set()),
    case("cycle_1_dosed_14_days_only", put("cycles", 0, dosing_end_date=day(14)), set()),
    case("cycle_2_starts_lower", (put("cycles", 1, daily_dose=120.0),), set()),
    case("alive_and_followed_up", ALIVE, set()),
    case("lost_to_follow_up", (*ALIVE, put("survival", status="lost")), set()),
    case("ongoing_treatment_alive", ONGOING, set()),
    case("grade_5_event_with_death_recorded",
         add("adverse_events", {"term": "hepatic_failure", "grade": 5,
                                "onset_date": D(2024, 9, 10), "serious": "yes",
                                "relation": "possible", "action": "not_applicable",
                                "outcome": "fatal"}), set()),
    case("baseline_liver_on_day_1", put("baseline_liver", liver_date=day(1)), set()),
    case("lab_sample_after_first_dose",
         add("lab_tests", {"sample_date": day(28), "platelets": 120.0}), set()),
    case("prior_treatment_ends_day_before", put("prior_treatments", end_date=day(0)), set()),
    case("subsequent_starts_day_after_last_dose",
         put("subsequent_treatments", start_date=D(2024, 4, 11)), set()),
    case("bilirubin_50_mg_dl_within_limits_when_converted",
         put("baseline_liver", bilirubin=Quantity(50.0, "mg/dL")), set()),
    case("bclc_b_with_inclusion_yes", put("primary_tumour", bclc_stage="B"), set()),
    case("exactly_18_on_day_1", put("identification", date_of_birth=D(2006, 1, 10)), set()),
    case("clinical_progression_without_pd_scan",
         (put("response_assessments", 1, overall_response="SD"),), set()),
    case("ae_grade_at_term_maximum", put("adverse_events", term="alopecia", grade=2), set()),
    case("not_progressed_alive",
         (*ALIVE, put("response_assessments", 1, overall_response="SD"),
          put("progression", progressed="no", progression_date=None, pattern=None),
          put("treatment", discontinuation_reason="adverse_event")), set()),
]  # fmt: skip

LABEL = [
    case("initial_200_above_max",
         (put("treatment", initial_daily_dose=200.0), put("cycles", 0, daily_dose=200.0)),
         {("dose.range", "treatment", "initial_daily_dose")}),
    case("initial_60_range_and_tablets",
         (put("treatment", initial_daily_dose=60.0), put("cycles", 0, daily_dose=60.0)),
         {("dose.range", "treatment", "initial_daily_dose"),
          ("dose.tablet", "treatment", "initial_daily_dose")}),
    case("initial_100_not_tablets",
         (put("treatment", initial_daily_dose=100.0), put("cycles", 0, daily_dose=100.0)),
         {("dose.tablet", "treatment", "initial_daily_dose")}),
    case("cycle_3_starts_at_200", put("cycles", 2, daily_dose=200.0),
         {("dose.range", "cycles", "daily_dose")}),
    case("reduction_to_40", add("dose_changes", change(38, "reduction", 40.0)),
         {("dose.range", "dose_changes", "new_daily_dose")}),
    case("escalation_to_200", add("dose_changes", change(10, "escalation", 200.0)),
         {("dose.range", "dose_changes", "new_daily_dose")}),
    case("restart_at_100_after_interruption",
         (add("dose_changes", change(8, "interruption")),
          add("dose_changes", change(12, "restart", 100.0))),
         {("dose.tablet", "dose_changes", "new_daily_dose")}),
    case("reduction_to_100", add("dose_changes", change(40, "reduction", 100.0)),
         {("dose.tablet", "dose_changes", "new_daily_dose")}),
    case("cycle_2_dosed_25_days", put("cycles", 1, dosing_end_date=day(53)),
         {("cycle.dosing_days", "cycles", "dosing_end_date"),
          ("cycle.off_days", "cycles", "dosing_end_date")}),
    case("interrupted_but_dosed_on_days_22_24",
         (put("cycles", 0, dosing_end_date=day(24)),
          add("dose_changes", change(5, "interruption")),
          add("dose_changes", change(10, "restart"))),
         {("cycle.off_days", "cycles", "dosing_end_date")}),
    case("cycle_3_on_day_24_of_cycle_2",
         move_cycle(2, 52, 72),
         {("cycle.early_start", "cycles", "start_date")}),
    case("cycle_2_on_day_28", move_cycle(1, 28, 48),
         {("cycle.early_start", "cycles", "start_date")}),
]  # fmt: skip

DOSING_RECORD = [
    case("cycle_1_dose_differs_from_initial", put("cycles", 0, daily_dose=120.0),
         {("dose.initial_mismatch", "cycles", "daily_dose")}),
    case("cycle_3_entered_twice", add("cycles", cycle(3, 58, 78)),
         {("cycle.order", "cycles", "cycle_number")}),
    case("cycle_3_missing", drop("cycles", 2), {("cycle.order", "cycles", "cycle_number")}),
    case("cycle_1_row_starts_after_first_dose",
         put("cycles", 0, start_date=day(3)),
         {("cycle.first_start", "cycles", "start_date")}),
    case("cycle_1_dosed_into_cycle_2", put("cycles", 0, dosing_end_date=day(30)),
         {("cycle.dosing_end_overlap", "cycles", "dosing_end_date"),
          ("cycle.dosing_days", "cycles", "dosing_end_date"),
          ("cycle.off_days", "cycles", "dosing_end_date")}),
    case("cycle_after_last_dose",
         (drop("cycles", 3), put("treatment", last_dose_date=day(50))),
         {("discontinuation.conflict", "cycles", "start_date")}),
    case("dose_change_after_last_dose",
         add("dose_changes", change(95, "reduction", 120.0)),
         {("discontinuation.conflict", "dose_changes", "change_date")}),
    case("dosing_end_not_recorded",
         put("cycles", 1, dosing_end_date=None),
         {("cycle.dosing_end_missing", "cycles", "dosing_end_date"),
          ("form.required_missing", "cycles", "dosing_end_date")}),
    case("restart_without_interruption", add("dose_changes", change(10, "restart")),
         {("change.restart_without_interruption", "dose_changes", "method")}),
    case("reduction_during_interruption",
         (add("dose_changes", change(8, "interruption")),
          add("dose_changes", change(12, "reduction", 120.0))),
         {("change.while_interrupted", "dose_changes", "method")}),
    case("escalation_to_same_dose", add("dose_changes", change(10, "escalation", 160.0)),
         {("change.direction", "dose_changes", "new_daily_dose")}),
]  # fmt: skip

VALUES = [
    case("ecog_7", put("demographics", ecog=7), {("value.invalid", "demographics", "ecog")}),
    case("ecog_minus_1", put("demographics", ecog=-1),
         {("value.invalid", "demographics", "ecog")}),
    case("ctcae_grade_6", put("adverse_events", grade=6),
         {("value.invalid", "adverse_events", "grade")}),
    case("ctcae_grade_0", put("adverse_events", grade=0),
         {("value.invalid", "adverse_events", "grade")}),
    case("negative_dose",
         (put("treatment", initial_daily_dose=-40.0), put("cycles", 0, daily_dose=None)),
         {("value.invalid", "treatment", "initial_daily_dose"),
          ("form.required_missing", "cycles", "daily_dose")}),
    case("absurd_dose_480", put("cycles", 1, daily_dose=480.0),
         {("value.invalid", "cycles", "daily_dose")}),
    case("bilirubin_2000_umol_l", put("baseline_liver", bilirubin=Quantity(2000.0, "umol/L")),
         {("value.invalid", "baseline_liver", "bilirubin")}),
    case("bilirubin_70_mg_dl_is_1197_umol_l",
         put("baseline_liver", bilirubin=Quantity(70.0, "mg/dL")),
         {("value.invalid", "baseline_liver", "bilirubin")}),
    case("haemoglobin_30_g_dl_is_300_g_l",
         put("lab_tests", haemoglobin=Quantity(30.0, "g/dL")),
         {("value.invalid", "lab_tests", "haemoglobin")}),
    case("albumin_without_unit", put("baseline_liver", albumin=38.0),
         {("value.invalid", "baseline_liver", "albumin")}),
    case("albumin_unknown_unit", put("baseline_liver", albumin=Quantity(3.8, "mg/mL")),
         {("value.invalid", "baseline_liver", "albumin")}),
    case("unknown_code", put("demographics", sex="x"),
         {("value.invalid", "demographics", "sex")}),
    case("end_date_of_ongoing_condition", put("medical_history", end_date=D(2020, 1, 1)),
         {("value.not_applicable", "medical_history", "end_date")}),
    case("death_date_with_status_alive",
         put("survival", status="alive", death_cause=None),
         {("survival.death_date_status", "survival", "death_date")}),
]  # fmt: skip

ADVERSE_EVENTS = [
    case("alopecia_grade_3_above_term_max", put("adverse_events", term="alopecia", grade=3),
         {("ae.grade_above_max", "adverse_events", "grade")}),
    case("ppes_grade_4_above_term_max", put("adverse_events", grade=4),
         {("ae.grade_above_max", "adverse_events", "grade")}),
    case("grade_5_while_alive",
         (*ALIVE, put("adverse_events", term="hypertension", grade=5, outcome="fatal",
                      resolution_date=None)),
         {("ae.grade5_without_death", "adverse_events", "grade")}),
    case("grade_5_but_recovering",
         put("adverse_events", term="hypertension", grade=5, outcome="recovering",
             resolution_date=None),
         {("ae.grade_outcome", "adverse_events", "outcome")}),
    case("fatal_outcome_at_grade_3",
         put("adverse_events", grade=3, outcome="fatal", resolution_date=None),
         {("ae.grade_outcome", "adverse_events", "outcome")}),
    case("resolved_date_but_not_recovered", put("adverse_events", outcome="not_recovered"),
         {("ae.resolution_outcome", "adverse_events", "resolution_date")}),
    case("ae_onset_before_first_dose", put("adverse_events", onset_date=day(-5)),
         {("date.before_first_dose", "adverse_events", "onset_date")}),
    case("ae_resolved_before_onset", put("adverse_events", resolution_date=day(10)),
         {("date.end_before_start", "adverse_events", "resolution_date")}),
    case("ae_onset_after_death",
         put("adverse_events", onset_date=D(2024, 10, 1), resolution_date=None),
         {("date.after_death", "adverse_events", "onset_date")}),
]  # fmt: skip

DATES = [
    case("prior_treatment_ends_before_start", put("prior_treatments", end_date=D(2023, 1, 1)),
         {("date.end_before_start", "prior_treatments", "end_date")}),
    case("prior_treatment_starts_after_first_dose",
         put("prior_treatments", start_date=day(5), end_date=day(10)),
         {("date.after_first_dose", "prior_treatments", "start_date"),
          ("prior.ends_after_first_dose", "prior_treatments", "end_date")}),
    case("baseline_scan_after_first_dose", put("baseline_imaging", scan_date=day(3)),
         {("date.after_first_dose", "baseline_imaging", "scan_date")}),
    case("baseline_liver_after_first_dose", put("baseline_liver", liver_date=day(2)),
         {("date.after_first_dose", "baseline_liver", "liver_date")}),
    case("advanced_stage_before_hcc_diagnosis",
         put("hcc_history", advanced_diagnosis_date=D(2021, 1, 1)),
         {("date.end_before_start", "hcc_history", "advanced_diagnosis_date")}),
    case("assessment_before_first_dose",
         put("response_assessments", 0, assessment_date=day(-3), imaging_date=day(-5)),
         {("date.before_first_dose", "response_assessments", "assessment_date"),
          ("date.before_first_dose", "response_assessments", "imaging_date")}),
    case("progression_before_first_dose", put("progression", progression_date=day(-1)),
         {("date.before_first_dose", "progression", "progression_date")}),
    case("dose_change_before_first_dose", add("dose_changes", change(-3, "reduction", 120.0)),
         {("date.before_first_dose", "dose_changes", "change_date")}),
    case("subsequent_treatment_after_death",
         put("subsequent_treatments", start_date=D(2024, 10, 1)),
         {("date.after_death", "subsequent_treatments", "start_date")}),
    case("last_follow_up_after_death", put("survival", last_follow_up_date=D(2024, 9, 20)),
         {("date.after_death", "survival", "last_follow_up_date")}),
    case("condition_before_birth", put("medical_history", start_date=D(1950, 1, 1)),
         {("date.before_birth", "medical_history", "start_date")}),
    case("follow_up_in_the_future", (*ALIVE, put("survival", last_follow_up_date=D(2025, 2, 1))),
         {("date.future", "survival", "last_follow_up_date")}),
]  # fmt: skip

SURVIVAL = [
    case("progression_after_death",
         (put("response_assessments", 1, overall_response="SD"),
          put("progression", progression_date=D(2024, 10, 1))),
         {("progression.after_death", "progression", "progression_date")}),
    case("pd_scan_but_no_progression",
         put("progression", progressed="no", progression_date=None, pattern=None),
         {("progression.pd_not_recorded", "progression", "progressed")}),
    case("progression_later_than_first_pd", put("progression", progression_date=D(2024, 5, 1)),
         {("progression.after_first_pd", "progression", "progression_date")}),
    case("alive_last_follow_up_before_last_event",
         (*ALIVE, put("survival", last_follow_up_date=D(2024, 4, 15))),
         {("survival.follow_up_before_last_event", "survival", "last_follow_up_date")}),
    case("discontinued_for_death_while_alive",
         (*ALIVE, put("treatment", discontinuation_reason="death")),
         {("treatment.death_not_recorded", "treatment", "discontinuation_reason")}),
    case("treatment_ongoing_after_death",
         (put("treatment", treatment_status="ongoing", last_dose_date=None,
              discontinuation_reason=None),),
         {("treatment.ongoing_after_death", "treatment", "treatment_status")}),
]  # fmt: skip

ELIGIBILITY = [
    case("age_16_but_inclusion_yes", put("identification", date_of_birth=D(2007, 6, 1)),
         {("eligibility.age", "eligibility", "inc_age_18")}),
    case("adult_but_age_criterion_no", put("eligibility", inc_age_18="no"),
         {("eligibility.age", "eligibility", "inc_age_18")}),
    case("bclc_a_but_inclusion_yes", put("primary_tumour", bclc_stage="A"),
         {("eligibility.bclc", "eligibility", "inc_bclc_b_c")}),
    case("bclc_c_but_inclusion_no", put("eligibility", inc_bclc_b_c="no"),
         {("eligibility.bclc", "eligibility", "inc_bclc_b_c")}),
    case("dose_criterion_no_but_first_dose", put("eligibility", inc_regorafenib_dose="no"),
         {("eligibility.dose", "eligibility", "inc_regorafenib_dose")}),
    case("dose_criterion_yes_but_no_first_dose", put("treatment", first_dose_date=None),
         {("eligibility.dose", "eligibility", "inc_regorafenib_dose"),
          ("form.required_missing", "treatment", "first_dose_date")}),
]  # fmt: skip

COMPLETENESS_AND_CLINICAL = [
    case("ecog_missing", put("demographics", ecog=None),
         {("form.required_missing", "demographics", "ecog")}),
    case("ae_grade_missing", put("adverse_events", grade=None),
         {("form.required_missing", "adverse_events", "grade")}),
    case("survival_not_started", drop("survival"), {("form.not_started", "survival", None)}),
    case("baseline_liver_not_started", drop("baseline_liver"),
         {("form.not_started", "baseline_liver", None)}),
    case("assessment_without_imaging_date", put("response_assessments", 0, imaging_date=None),
         {("response.imaging_date_missing", "response_assessments", "imaging_date")}),
    case("imaging_after_assessment",
         put("response_assessments", 0, imaging_date=D(2024, 3, 1)),
         {("response.imaging_after_assessment", "response_assessments", "imaging_date")}),
    case("bmi_62", put("demographics", height=150.0, weight=140.0),
         {("demographics.bmi_implausible", "demographics", "weight")}),
    case("bmi_11", put("demographics", height=190.0, weight=38.0),
         {("demographics.bmi_implausible", "demographics", "weight")}),
    case("cycle_liver_tests_after_start",
         put("cycles", 2, liver_date=day(59)),
         {("cycle.liver_after_start", "cycles", "liver_date")}),
    case("prior_treatment_ends_after_first_dose", put("prior_treatments", end_date=day(10)),
         {("prior.ends_after_first_dose", "prior_treatments", "end_date")}),
    case("subsequent_starts_before_last_dose",
         put("subsequent_treatments", start_date=D(2024, 4, 5)),
         {("subsequent.before_last_dose", "subsequent_treatments", "start_date")}),
]  # fmt: skip

# Partial dates (issue 13): an error only when the order is certainly wrong, a
# warning when it may be. Reasons for missing values are answers, never "required".
PARTIAL_DATES = [
    case("partial_ae_onset_certainly_after_death",
         put("adverse_events", onset_date=P(2024, 10), resolution_date=None),
         {("date.after_death", "adverse_events", "onset_date")}),
    case("partial_ae_onset_may_be_after_death",
         put("adverse_events", onset_date=P(2024, 9), resolution_date=None),
         {("date.may_be_after_death", "adverse_events", "onset_date")}),
    case("follow_up_may_be_after_a_partial_death", put("survival", death_date=P(2024, 8)),
         {("date.may_be_after_death", "survival", "last_follow_up_date")}),
    case("ae_onset_in_the_month_of_the_first_dose", put("adverse_events", onset_date=P(2024, 1)),
         {("date.may_be_before_first_dose", "adverse_events", "onset_date")}),
    case("prior_treatment_in_the_month_of_the_first_dose",
         put("prior_treatments", start_date=P(2024, 1), end_date=P(2024, 1)),
         {("date.may_be_after_first_dose", "prior_treatments", "start_date")}),
    case("condition_in_the_year_of_birth", put("medical_history", start_date=P(1960)),
         {("date.may_be_before_birth", "medical_history", "start_date")}),
    case("advanced_stage_certainly_before_diagnosis",
         put("hcc_history", hcc_diagnosis_date=P(2020), advanced_diagnosis_date=P(2019)),
         {("date.end_before_start", "hcc_history", "advanced_diagnosis_date")}),
]  # fmt: skip
PARTIAL_DATES_PASSING = [
    case("partial_death_after_every_event", put("survival", death_date=P(2024, 9)), set()),
    case("diagnosis_and_advanced_stage_in_one_year",
         put("hcc_history", hcc_diagnosis_date=P(2019), advanced_diagnosis_date=P(2019)), set()),
    case("death_date_unknown", put("survival", death_date=Missing(MissingReason.UNKNOWN)), set()),
    case("labs_not_done_are_answers",
         put("baseline_liver", albumin=Missing(MissingReason.NOT_DONE),
             bilirubin=Missing(MissingReason.UNKNOWN)), set()),
]  # fmt: skip
PASSING += PARTIAL_DATES_PASSING

FAILING = LABEL + DOSING_RECORD + VALUES + ADVERSE_EVENTS + DATES + SURVIVAL + ELIGIBILITY
FAILING += COMPLETENESS_AND_CLINICAL + PARTIAL_DATES


def findings_of(edits: tuple[Edit, ...]) -> Expected:
    return {(f.rule, f.form, f.field) for f in run_checks(build(*edits), today=TODAY)}


@pytest.mark.parametrize(("edits", "expected"), PASSING + FAILING)
def test_rule_table(edits: tuple[Edit, ...], expected: Expected) -> None:
    assert findings_of(edits) == expected


def test_the_table_is_big_enough_and_covers_every_rule() -> None:
    assert len(PASSING) + len(FAILING) >= 60
    covered = {rule for param in FAILING for rule, _, _ in param.values[1]}  # type: ignore[attr-defined]
    assert covered == set(RULES), f"rules without a failing case: {set(RULES) - covered}"


@pytest.mark.parametrize(("edits", "expected"), FAILING)
def test_findings_are_complete_and_bilingual(edits: tuple[Edit, ...], expected: Expected) -> None:
    book = build(*edits)
    for finding in run_checks(book, today=TODAY):
        assert finding.subject == "BJ01-0007"
        assert finding.severity == RULES[finding.rule].severity
        # English without Chinese (unit symbols such as µmol/L are not ASCII).
        assert not re.search("[\u4e00-\u9fff]", finding.message), finding.message
        assert re.search("[\u4e00-\u9fff]", finding.message_zh), finding.message_zh
        assert len(finding.fingerprint) == 64
        if finding.field is not None:
            assert book.definition.form(finding.form).has_field(finding.field)
        if finding.item_uid:
            assert any(e.item_uid == finding.item_uid for e in book.entries[finding.form])


def test_messages_speak_the_nurses_language() -> None:
    book = build(put("cycles", 2, dosing_end_date=day(81)))
    finding, off_days = run_checks(book, today=TODAY)
    assert off_days.message == (
        "Cycle 3: dosed on 4 days after day 21 (2024-03-27 to 2024-03-30); days 22-28 of "
        "each cycle are drug-free."
    )
    assert finding.message == "Cycle 3: dosed on 25 days; the label allows 21 of 28."
    assert finding.cycle == 3
    assert finding.dates == (day(57), day(81))
    book = build(put("demographics", ecog=7))
    (finding,) = run_checks(book, today=TODAY)
    assert finding.message == (
        "Demographics: ECOG performance status: 7 is impossible; allowed 0-4."
    )
    book = build(put("adverse_events", term="alopecia", grade=3))
    (finding,) = run_checks(book, today=TODAY)
    assert finding.message == (
        "Adverse event Alopecia (2024-01-25): grade 3 is above the highest CTCAE v5.0 grade "
        "of Alopecia (2); allowed grades are 1-2."
    )
    book = build(put("adverse_events", onset_date=day(-5)))
    (finding,) = run_checks(book, today=TODAY)
    assert "is before the first dose of regorafenib (2024-01-10)" in finding.message


def test_fingerprints_are_stable_and_ignore_the_wording() -> None:
    first = run_checks(build(put("cycles", 2, daily_dose=200.0)), today=TODAY)
    again = run_checks(build(put("cycles", 2, daily_dose=240.0)), today=TODAY)
    assert [f.fingerprint for f in first] == [f.fingerprint for f in again]
    assert first[0].message != again[0].message
    other_cycle = run_checks(build(put("cycles", 1, daily_dose=200.0)), today=TODAY)
    assert other_cycle[0].fingerprint != first[0].fingerprint


def test_findings_come_in_crf_order() -> None:
    book = build(
        put("survival", last_follow_up_date=D(2024, 9, 20)),
        put("demographics", ecog=None),
        put("cycles", 2, daily_dose=200.0),
    )
    forms = [f.form for f in run_checks(book, today=TODAY)]
    assert forms == ["demographics", "cycles", "survival"]


def test_a_screen_failure_needs_only_its_forms() -> None:
    forms: dict[str, list[dict[str, Value]]] = {
        "eligibility": [
            {
                "inc_age_18": "yes",
                "inc_hcc_diagnosed": "yes",
                "inc_bclc_b_c": "yes",
                "inc_regorafenib_dose": "yes",
                "inc_chart_available": "yes",
                "exc_interventional_trial": "yes",
                "exc_other_malignancy": "no",
            }
        ]
    }
    assert run_checks(casebook(forms), today=TODAY) == []


def test_two_planted_deviations_in_one_patient() -> None:
    book = build(
        move_cycle(1, 25, 45),
        add("dose_changes", change(60, "escalation", 200.0)),
        add("dose_changes", change(66, "reduction", 160.0)),
    )
    found = {(f.rule, f.cycle) for f in run_checks(book, today=TODAY)}
    assert found == {("cycle.early_start", 2), ("dose.range", 3)}


def test_the_same_change_entered_twice_gives_two_queries() -> None:
    book = build(
        add("dose_changes", change(40, "reduction", 100.0)),
        add("dose_changes", change(40, "reduction", 100.0)),
    )
    findings = [f for f in run_checks(book, today=TODAY) if f.rule == "dose.tablet"]
    assert len(findings) == 2
    assert len({f.fingerprint for f in findings}) == 2
    assert {f.item_uid for f in findings} == {uid("dose_c", 0), uid("dose_c", 1)}


def test_a_duplicated_cycle_is_reported_on_the_duplicate() -> None:
    book = build(add("cycles", cycle(2, 30, 50)))
    (finding,) = run_checks(book, today=TODAY)
    assert (finding.rule, finding.item_uid, finding.field) == (
        "cycle.order",
        uid("cycles", 4),
        "cycle_number",
    )


def test_today_defaults_to_the_clock() -> None:
    book = build(*ALIVE, put("survival", last_follow_up_date=D(2999, 1, 1)))
    assert {f.rule for f in run_checks(book)} == {"date.future"}


def test_replace_helper_builds_a_whole_dose_schedule() -> None:
    # Cycles 1-3 at 160, 120, 80 mg with an interruption in cycle 2: label-conformant.
    book = build(
        replace(
            "cycles",
            [
                cycle(1, 1, 21),
                cycle(2, 29, 49, 120.0),
                cycle(3, 57, 77, 80.0),
                cycle(4, 85, 92, 80.0),
            ],
        ),
        add("dose_changes", change(33, "interruption")),
        add("dose_changes", change(40, "restart")),
    )
    assert run_checks(book, today=TODAY) == []


def test_rule_ids_fit_the_query_table() -> None:
    column = Query.__table__.c.rule.type.length  # type: ignore[attr-defined]
    assert all(len(rule) <= column for rule in RULES)
    assert all(re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", rule) for rule in RULES)


def _mutations() -> st.SearchStrategy[list[tuple[str, int, str, object]]]:
    fields = [
        (form.id, f)
        for form in CURRENT.forms
        for f in form.fields
        if f.is_input and form.id in clean_forms()
    ]
    dates = st.dates(D(1940, 1, 1), D(2026, 1, 1))
    numbers = st.sampled_from([-40.0, 0.0, 1.0, 3.5, 40.0, 100.0, 160.0, 200.0, 1e6])

    def value_for(f: Field) -> st.SearchStrategy[object]:
        if f.type is FieldType.DATE:
            return dates
        if f.type is FieldType.INTEGER:
            return st.integers(-3, 30)
        if f.type is FieldType.DECIMAL:
            if len(f.units) > 1:
                units = [u.id for u in f.units]
                return st.builds(Quantity, numbers, st.sampled_from([*units, "bad"]))
            return numbers
        if f.type is FieldType.YES_NO:
            return st.sampled_from(["yes", "no"])
        if f.codelist is not None:
            codes = list(CURRENT.codelist(f.codelist).values())
            if f.type is FieldType.MULTI_CHOICE:
                return st.lists(st.sampled_from(codes), max_size=2).map(tuple)
            return st.sampled_from(codes)
        return st.text(max_size=5)

    one = st.sampled_from(fields).flatmap(
        lambda pair: st.tuples(
            st.just(pair[0]),
            st.integers(0, 3),
            st.just(pair[1].id),
            st.one_of(st.none(), value_for(pair[1])),
        )
    )
    return st.lists(one, min_size=1, max_size=6)


@given(_mutations())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_record_is_checked_without_crashing(
    mutations: list[tuple[str, int, str, object]],
) -> None:
    forms = clean_forms()
    for form_id, index, field_id, value in mutations:
        records = forms[form_id]
        if not records:
            continue
        record = records[index % len(records)]
        if value is None:
            record.pop(field_id, None)
        else:
            record[field_id] = value  # type: ignore[assignment]
    book = casebook(forms)
    findings = run_checks(book, today=TODAY)
    assert all(f.rule in RULES for f in findings)
    derived_values(book)
    time_to_events(book)


def test_every_hard_rule_is_in_a_family_run_on_save() -> None:
    from rego_desktop.checks import HARD_FAMILIES, HARD_RULES, RECORD_FAMILIES, _run

    on_save: set[str] = set()
    per_record: set[str] = set()
    for param in FAILING:
        book = build(*param.values[0])  # type: ignore[attr-defined]
        on_save |= {f.rule for f in _run(book, TODAY, HARD_FAMILIES) if f.hard}
        per_record |= {f.rule for f in _run(book, TODAY, RECORD_FAMILIES) if f.hard}
    assert on_save == HARD_RULES
    assert HARD_RULES - per_record == {"survival.death_date_status"}  # a survival record rule
