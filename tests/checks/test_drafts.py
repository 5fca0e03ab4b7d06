"""Checking a record before it is saved: what the wizard shows and what a save refuses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from rego_desktop.checks import Finding, check_draft, check_field, hard_problems, run_checks
from rego_desktop.derive.context import DRAFT, with_draft
from rego_desktop.study.values import Value
from tests.checks.casebooks import (
    TODAY,
    build,
    change,
    clean_forms,
    cycle,
    day,
    drop,
    put,
    uid,
)

D = date


def ae(**overrides: Value) -> dict[str, Value]:
    values: dict[str, Value] = dict(clean_forms()["adverse_events"][0])
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def rules(findings: Sequence[Finding]) -> set[str]:
    return {f.rule for f in findings}


def test_a_clean_draft_has_no_problems() -> None:
    book = build()
    assert hard_problems(book, "adverse_events", None, ae(term="diarrhea"), today=TODAY) == []
    assert check_draft(book, "adverse_events", None, ae(term="diarrhea"), today=TODAY) == []


def test_new_event_before_the_first_dose_is_refused() -> None:
    book = build()
    problems = hard_problems(book, "adverse_events", None, ae(onset_date=day(-3)), today=TODAY)
    assert [(p.rule, p.item_uid, p.field) for p in problems] == [
        ("date.before_first_dose", DRAFT, "onset_date")
    ]
    assert "before the first dose of regorafenib (2024-01-10)" in problems[0].message


def test_grade_above_the_term_maximum_is_refused() -> None:
    book = build()
    values = ae(term="alopecia", grade=3)
    assert rules(hard_problems(book, "adverse_events", uid("advers", 0), values, today=TODAY)) == {
        "ae.grade_above_max"
    }


def test_death_date_with_status_alive_is_refused() -> None:
    book = build()
    values: dict[str, Value] = {
        "status": "alive",
        "last_follow_up_date": D(2024, 8, 1),
        "death_date": D(2024, 9, 15),
    }
    assert rules(hard_problems(book, "survival", None, values, today=TODAY)) == {
        "survival.death_date_status"
    }


def test_end_before_start_and_after_death_are_refused() -> None:
    book = build()
    values = ae(onset_date=D(2024, 9, 1), resolution_date=D(2024, 10, 1))
    problems = hard_problems(book, "adverse_events", uid("advers", 0), values, today=TODAY)
    assert {(p.rule, p.field) for p in problems} == {("date.after_death", "resolution_date")}
    values = ae(onset_date=D(2024, 3, 1), resolution_date=D(2024, 2, 1))
    problems = hard_problems(book, "adverse_events", uid("advers", 0), values, today=TODAY)
    assert {(p.rule, p.field) for p in problems} == {("date.end_before_start", "resolution_date")}


def test_a_change_that_breaks_another_record_is_refused() -> None:
    # Moving the first dose after an adverse event's onset makes the event impossible.
    book = build()
    treatment = dict(book.single("treatment"))
    treatment["first_dose_date"] = D(2024, 1, 28)
    problems = hard_problems(book, "treatment", None, treatment, today=TODAY)
    where = {(p.rule, p.form, p.field) for p in problems}
    assert ("date.before_first_dose", "adverse_events", "onset_date") in where
    assert ("date.after_first_dose", "baseline_liver", "liver_date") not in where


def test_old_problems_elsewhere_do_not_block_an_unrelated_save() -> None:
    book = build(put("adverse_events", onset_date=day(-3)))  # stored before the rule existed
    assert rules(run_checks(book, today=TODAY)) == {"date.before_first_dose"}
    demographics: dict[str, Value] = {"sex": "female", "height": 160.0, "weight": 55.0}
    assert hard_problems(book, "demographics", None, demographics, today=TODAY) == []
    # ... but editing that very record must fix it.
    event = ae(onset_date=day(-3), grade=3)
    assert rules(hard_problems(book, "adverse_events", uid("advers", 0), event, today=TODAY)) == {
        "date.before_first_dose"
    }


def test_label_deviations_do_not_block_a_save_but_show_at_the_field() -> None:
    book = build()
    values = dict(book.entries["cycles"][2].values)
    values["daily_dose"] = 200.0
    item = uid("cycles", 2)
    assert hard_problems(book, "cycles", item, values, today=TODAY) == []
    shown = check_field(book, "cycles", item, values, "daily_dose", today=TODAY)
    assert [(f.rule, f.severity) for f in shown] == [("dose.range", "deviation")]
    assert check_field(book, "cycles", item, values, "start_date", today=TODAY) == []


def test_a_new_cycle_starting_too_early_is_shown_on_the_draft() -> None:
    book = build(drop("cycles", 3))
    values = cycle(4, 80, 92)  # cycle 3 started on day 57: day 24 of it
    found = check_draft(book, "cycles", None, values, today=TODAY)
    assert [(f.rule, f.item_uid, f.field) for f in found] == [
        ("cycle.early_start", DRAFT, "start_date")
    ]


def test_findings_on_the_draft_and_those_it_causes_elsewhere() -> None:
    book = build()
    values = dict(book.entries["cycles"][1].values)
    values["dosing_end_date"] = day(53)  # cycle 2 dosed 25 days
    found = check_draft(book, "cycles", uid("cycles", 1), values, today=TODAY)
    assert rules(found) == {"cycle.dosing_days", "cycle.off_days"}
    found = check_draft(book, "dose_changes", None, change(12, "restart"), today=TODAY)
    assert rules(found) == {"change.restart_without_interruption"}
    # A first dose five days later: cycle 2 now starts on day 24 of cycle 1.
    treatment = dict(book.single("treatment"))
    treatment["first_dose_date"] = D(2024, 1, 15)
    found = check_draft(book, "treatment", None, treatment, today=TODAY)
    assert ("cycle.early_start", "cycles", uid("cycles", 1)) in {
        (f.rule, f.form, f.item_uid) for f in found
    }
    assert all(f.severity != "warning" or f.form == "treatment" for f in found)


def test_with_draft_leaves_the_casebook_alone() -> None:
    book = build()
    before = {k: list(v) for k, v in book.entries.items()}
    copy, item = with_draft(book, "adverse_events", None, ae(grade=3))
    assert item == DRAFT
    assert len(copy.entries["adverse_events"]) == 2
    assert book.entries == before
    copy, item = with_draft(book, "demographics", "ignored", {"sex": "female"})
    assert item == ""
    assert copy.single("demographics") == {"sex": "female"}
    assert book.single("demographics")["sex"] == "male"


def test_an_earlier_death_makes_later_records_impossible() -> None:
    book = build()
    survival = dict(book.single("survival"))
    survival["death_date"] = D(2024, 3, 1)
    survival["last_follow_up_date"] = D(2024, 2, 20)
    problems = hard_problems(book, "survival", None, survival, today=TODAY)
    assert {p.rule for p in problems} == {"date.after_death", "progression.after_death"}
    forms = {p.form for p in problems}
    assert {"cycles", "response_assessments", "treatment", "subsequent_treatments"} <= forms
    assert "progression" in forms  # a progression after death is refused like the rest
    assert "survival" not in forms


def test_a_progression_after_death_is_refused_on_save() -> None:
    """Progression cannot follow death: a hard error, like every date after death."""
    from rego_desktop.checks import RULES

    assert (RULES["progression.after_death"].severity, RULES["progression.after_death"].hard) == (
        "error",
        True,
    )
    book = build()  # died on 2024-09-15
    progression = dict(book.single("progression"))
    progression["progression_date"] = D(2024, 9, 20)
    problems = hard_problems(book, "progression", None, progression, today=TODAY)
    assert [(p.rule, p.form, p.field, p.severity) for p in problems] == [
        ("progression.after_death", "progression", "progression_date", "error")
    ]
    assert "PFS and TTP" in problems[0].message
    progression["progression_date"] = D(2024, 9, 15)  # on the day of death: allowed
    assert hard_problems(book, "progression", None, progression, today=TODAY) == []


def test_a_birth_date_after_other_dates_is_refused() -> None:
    book = build()
    identity = dict(book.single("identification"))
    identity["date_of_birth"] = D(2016, 1, 1)
    problems = hard_problems(book, "identification", None, identity, today=TODAY)
    assert {(p.rule, p.form) for p in problems} == {("date.before_birth", "medical_history")}


@given(
    st.sampled_from(
        [
            ("adverse_events", "onset_date", day(-2)),
            ("adverse_events", "resolution_date", D(2024, 1, 1)),
            ("adverse_events", "grade", 4),
            ("cycles", "start_date", day(-1)),
            ("cycles", "dosing_end_date", D(2025, 3, 1)),
            ("prior_treatments", "start_date", day(3)),
            ("medical_history", "start_date", D(1950, 1, 1)),
            ("demographics", "ecog", 9),
            ("subsequent_treatments", "start_date", D(2024, 12, 1)),
            ("response_assessments", "imaging_date", day(-9)),
            ("baseline_imaging", "scan_date", day(2)),
            ("hcc_history", "advanced_diagnosis_date", D(2020, 1, 1)),
        ]
    ),
    st.booleans(),
)
@settings(max_examples=40, deadline=None)
def test_checking_only_the_saved_record_loses_nothing(
    change_: tuple[str, str, Value], stale_problem_elsewhere: bool
) -> None:
    """Outside treatment, survival and identification a save is checked on its own record."""
    from rego_desktop.checks import HARD_FAMILIES, _caused_by_draft

    form_id, field_id, value = change_
    edits = [put("adverse_events", onset_date=day(-3))] if stale_problem_elsewhere else []
    book = build(*edits)
    entry = book.entries[form_id][0]
    values = {**entry.values, field_id: value}
    item = entry.item_uid or None
    fast = hard_problems(book, form_id, item, values, today=TODAY)
    after, uid, before = _caused_by_draft(book, form_id, item, values, TODAY, HARD_FAMILIES)
    exhaustive = [
        f
        for f in after
        if f.hard and ((f.form == form_id and f.item_uid == uid) or f.fingerprint not in before)
    ]
    assert fast == exhaustive
