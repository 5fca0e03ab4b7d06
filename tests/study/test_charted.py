"""What retrospective charts lack, declared in the study definition (issue 13)."""

from __future__ import annotations

from rego_desktop.study import CURRENT
from rego_desktop.study.hcc_v1 import PARTIAL_DATES
from rego_desktop.study.schema import FieldType, MissingReason


def test_the_definition_is_still_consistent() -> None:
    assert CURRENT.validate() == []


def test_every_declaration_names_a_real_field() -> None:
    from rego_desktop.study.hcc_v1 import MISSING_REASONS

    for form_id, field_id in (*MISSING_REASONS, *PARTIAL_DATES):
        assert CURRENT.form(form_id).has_field(field_id), (form_id, field_id)


def test_partial_dates_are_exactly_the_dates_charts_give_without_a_day() -> None:
    partial = {(form.id, f.id) for form, f in CURRENT.all_fields() if f.partial_date}
    assert partial == set(PARTIAL_DATES)
    assert all(CURRENT.form(form).field(field).type is FieldType.DATE for form, field in partial)
    # First dose, cycle dates, dose changes, response assessments and last contact stay
    # complete dates.
    for form_id, field_id in (
        ("treatment", "first_dose_date"),
        ("cycles", "start_date"),
        ("cycles", "dosing_end_date"),
        ("dose_changes", "change_date"),
        ("response_assessments", "assessment_date"),
        ("survival", "last_follow_up_date"),
    ):
        assert not CURRENT.form(form_id).field(field_id).partial_date, (form_id, field_id)


def test_missing_reasons_where_charts_lack_values_and_nowhere_else() -> None:
    allowed = {(form.id, f.id): f.missing_reasons for form, f in CURRENT.all_fields()}
    for key in (
        ("baseline_liver", "albumin"),
        ("primary_tumour", "afp"),
        ("demographics", "ecog"),
        ("primary_tumour", "largest_diameter"),
        ("hcc_history", "aetiology"),
        ("genetic_tests", "result"),
        ("hcc_history", "hcc_diagnosis_date"),
        ("survival", "death_date"),
    ):
        assert allowed[key], key
    assert MissingReason.NOT_DONE in allowed[("baseline_liver", "albumin")]
    for form, f in CURRENT.all_fields():
        if form.id in ("eligibility", "dose_changes") or (form.id, f.id) in (
            ("treatment", "first_dose_date"),
            ("cycles", "daily_dose"),
            ("cycles", "start_date"),
        ):
            assert not f.missing_reasons, (form.id, f.id)
        if not f.is_input:
            assert not f.missing_reasons, (form.id, f.id)
