"""The study definition is complete (design.md section 2) and consistent."""

from __future__ import annotations

import pytest

from rego_desktop.study import CURRENT
from rego_desktop.study.schema import FieldType, Phase

# Every protocol item of design.md section 2, mapped to where the definition holds it.
PROTOCOL_ITEMS: list[tuple[str, str, str | None]] = [
    # Screening / baseline: eligibility
    ("inclusion: age >= 18", "eligibility", "inc_age_18"),
    ("inclusion: HCC diagnosed", "eligibility", "inc_hcc_diagnosed"),
    ("inclusion: BCLC B or C", "eligibility", "inc_bclc_b_c"),
    ("inclusion: >= 1 dose of regorafenib", "eligibility", "inc_regorafenib_dose"),
    ("inclusion: chart available", "eligibility", "inc_chart_available"),
    ("exclusion criteria", "eligibility", "exc_interventional_trial"),
    # Identification
    ("name", "identification", "full_name"),
    ("hospital record number", "identification", "hospital_record_number"),
    ("date of birth", "identification", "date_of_birth"),
    # Demographics
    ("sex", "demographics", "sex"),
    ("age at index", "demographics", "age_at_first_dose"),
    ("height", "demographics", "height"),
    ("weight", "demographics", "weight"),
    ("BMI (derived)", "demographics", "bmi"),
    ("ECOG 0-4", "demographics", "ecog"),
    # Medical history
    ("conditions: term", "medical_history", "condition"),
    ("conditions: start", "medical_history", "start_date"),
    ("conditions: ongoing", "medical_history", "ongoing"),
    ("HCC aetiology", "hcc_history", "aetiology"),
    ("cirrhosis", "hcc_history", "cirrhosis"),
    ("date of HCC diagnosis", "hcc_history", "hcc_diagnosis_date"),
    ("date of advanced-stage diagnosis", "hcc_history", "advanced_diagnosis_date"),
    # Primary tumour
    ("site/lobe", "primary_tumour", "tumour_site"),
    ("number of lesions", "primary_tumour", "lesion_count"),
    ("largest diameter", "primary_tumour", "largest_diameter"),
    ("macrovascular invasion", "primary_tumour", "macrovascular_invasion"),
    ("portal vein tumour thrombus", "primary_tumour", "pvtt"),
    ("extrahepatic spread", "primary_tumour", "extrahepatic_spread"),
    ("BCLC stage", "primary_tumour", "bclc_stage"),
    ("AFP", "primary_tumour", "afp"),
    # Prior treatments
    ("prior: regimen", "prior_treatments", "regimen"),
    ("prior: line", "prior_treatments", "line"),
    ("prior: start", "prior_treatments", "start_date"),
    ("prior: end", "prior_treatments", "end_date"),
    ("prior: duration (derived)", "prior_treatments", "duration_days"),
    ("prior: best response", "prior_treatments", "best_response"),
    ("prior: reason stopped", "prior_treatments", "reason_stopped"),
    # Liver function before first dose
    ("bilirubin", "baseline_liver", "bilirubin"),
    ("albumin", "baseline_liver", "albumin"),
    ("INR", "baseline_liver", "inr"),
    ("ALT", "baseline_liver", "alt"),
    ("AST", "baseline_liver", "ast"),
    ("ascites", "baseline_liver", "ascites"),
    ("encephalopathy", "baseline_liver", "encephalopathy"),
    ("Child-Pugh score", "baseline_liver", "child_pugh_score"),
    ("Child-Pugh class", "baseline_liver", "child_pugh_class"),
    ("ALBI score", "baseline_liver", "albi_score"),
    ("ALBI grade", "baseline_liver", "albi_grade"),
    # Laboratory tests before and after first dose
    ("haematology", "lab_tests", "haemoglobin"),
    ("biochemistry", "lab_tests", "creatinine"),
    ("before/after first dose", "lab_tests", "timing"),
    ("genetic tests", "genetic_tests", "result"),
    # Baseline imaging
    ("last scan before first dose", "baseline_imaging", "scan_date"),
    ("modality CT/PET-CT/MRI/bone scan", "baseline_imaging", "modality"),
    ("measurable lesion", "baseline_imaging", "measurable_lesion"),
    ("metastatic sites", "baseline_imaging", "metastatic_sites"),
    # Treatment period
    ("cycle start", "cycles", "start_date"),
    ("liver function before the cycle", "cycles", "bilirubin"),
    ("ECOG before the cycle", "cycles", "ecog"),
    ("labs before day 1", "cycles", "platelets"),
    ("initial dose", "treatment", "initial_daily_dose"),
    ("dose change: date", "dose_changes", "change_date"),
    ("dose change: method", "dose_changes", "method"),
    ("dose change: new daily dose", "dose_changes", "new_daily_dose"),
    ("dose change: reason", "dose_changes", "reason"),
    ("final daily dose", "treatment", "final_daily_dose"),
    ("discontinuation: date", "treatment", "last_dose_date"),
    ("discontinuation: reason", "treatment", "discontinuation_reason"),
    ("response: date", "response_assessments", "assessment_date"),
    ("response: modality", "response_assessments", "modality"),
    ("response: overall response", "response_assessments", "overall_response"),
    ("response: RECIST 1.1 or mRECIST", "response_assessments", "criteria"),
    ("response: new lesions", "response_assessments", "new_lesions"),
    ("response: metastatic sites", "response_assessments", "metastatic_sites"),
    ("best response (derived)", "treatment", "best_overall_response"),
    ("time to best response (derived)", "treatment", "time_to_best_response"),
    ("number of cycles (derived)", "treatment", "number_of_cycles"),
    ("AE: CTCAE term", "adverse_events", "term"),
    ("AE: grade", "adverse_events", "grade"),
    ("AE: onset", "adverse_events", "onset_date"),
    ("AE: resolution", "adverse_events", "resolution_date"),
    ("AE: serious", "adverse_events", "serious"),
    ("AE: relation", "adverse_events", "relation"),
    ("AE: action taken", "adverse_events", "action"),
    ("AE: outcome", "adverse_events", "outcome"),
    # Progression and survival
    ("date of first progression", "progression", "progression_date"),
    ("pattern of progression", "progression", "pattern"),
    ("subsequent: regimen", "subsequent_treatments", "regimen"),
    ("subsequent: dose", "subsequent_treatments", "dose"),
    ("subsequent: cycles", "subsequent_treatments", "cycles"),
    ("subsequent: efficacy", "subsequent_treatments", "best_response"),
    ("survival status", "survival", "status"),
    ("date of death", "survival", "death_date"),
    ("date of last follow-up", "survival", "last_follow_up_date"),
]

REPEATING = {
    "prior_treatments",
    "cycles",
    "dose_changes",
    "response_assessments",
    "adverse_events",
    "subsequent_treatments",
    "medical_history",
}


def test_definition_is_internally_consistent() -> None:
    assert CURRENT.validate() == []


@pytest.mark.parametrize(
    ("item", "form_id", "field_id"), PROTOCOL_ITEMS, ids=[p[0] for p in PROTOCOL_ITEMS]
)
def test_protocol_item_is_present(item: str, form_id: str, field_id: str | None) -> None:
    form = CURRENT.form(form_id)
    if field_id is not None:
        assert form.has_field(field_id), f"{item}: {form_id}.{field_id} missing"


def test_repeating_groups_are_repeating() -> None:
    repeating = {f.id for f in CURRENT.forms if f.repeating}
    assert repeating >= REPEATING


def test_progression_pattern_codes_cover_the_protocol() -> None:
    pattern = CURRENT.form("progression").field("pattern")
    assert pattern.codelist is not None
    values = set(CURRENT.codelist(pattern.codelist).values())
    assert values == {
        "intrahepatic_growth",
        "new_intrahepatic",
        "extrahepatic_growth",
        "new_extrahepatic",
        "new_vascular_invasion",
    }


def test_code_lists_match_the_domain_brief() -> None:
    assert set(CURRENT.codelist("aetiology").values()) == {
        "hbv",
        "hcv",
        "alcohol",
        "masld",
        "other",
    }
    assert set(CURRENT.codelist("response").values()) == {"CR", "PR", "SD", "PD", "NE"}
    assert set(CURRENT.codelist("survival_status").values()) == {"alive", "dead", "lost"}
    assert set(CURRENT.codelist("dose_change_method").values()) == {
        "reduction",
        "escalation",
        "interruption",
        "restart",
    }
    assert {"ct", "pet_ct", "mri", "bone_scan"} <= set(
        CURRENT.codelist("imaging_modality").values()
    )
    assert {"lymph_node", "bone", "lung", "other"} <= set(
        CURRENT.codelist("metastatic_site").values()
    )


def test_every_label_is_bilingual() -> None:
    for form in CURRENT.forms:
        assert form.label.en
        assert form.label.zh
        for section in form.sections:
            assert section.label.en
            assert section.label.zh
    for codelist in CURRENT.codelists.values():
        for code in codelist.codes:
            assert code.label.en, (codelist.id, code.value)
            assert code.label.zh, (codelist.id, code.value)
    for form, field in CURRENT.all_fields():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in field.label.zh), (form.id, field.id)


def test_identifying_fields_are_only_the_identification_form() -> None:
    identifying = {(form.id, f.id) for form, f in CURRENT.all_fields() if f.identifying}
    assert identifying == {
        ("identification", "full_name"),
        ("identification", "hospital_record_number"),
        ("identification", "date_of_birth"),
    }
    assert CURRENT.form("identification").identifying


def test_free_text_fields_are_text() -> None:
    for form, f in CURRENT.all_fields():
        if f.free_text:
            assert f.type is FieldType.TEXT, (form.id, f.id)


def test_every_form_belongs_to_a_phase_of_the_calendar() -> None:
    assert {f.phase for f in CURRENT.forms} == set(Phase)
    assert CURRENT.forms_in(Phase.TREATMENT)[0].id == "treatment"


def test_ctcae_terms_carry_their_maximum_grade() -> None:
    terms = CURRENT.codelist("ctcae_term")
    assert terms.get("ppes") is not None
    assert terms.get("ppes").max_grade == 3  # type: ignore[union-attr]
    assert all(c.max_grade in (1, 2, 3, 4, 5) for c in terms.codes)


def test_units_are_explicit_for_liver_values() -> None:
    bilirubin = CURRENT.form("baseline_liver").field("bilirubin")
    albumin = CURRENT.form("baseline_liver").field("albumin")
    assert [u.id for u in bilirubin.units] == ["umol/L", "mg/dL"]
    assert [u.id for u in albumin.units] == ["g/L", "g/dL"]
