"""Keyboard entry: choices found by what nurses type, dates in the forms they type, units
shown as people read them and never guessed."""

from __future__ import annotations

import datetime as dt

import pytest

from rego_desktop.study import CURRENT
from rego_desktop.study.schema import (
    Field,
    FieldType,
    Form,
    Phase,
    Section,
    StudyDefinition,
    Unit,
)
from rego_desktop.study.values import (
    FieldProblem,
    Quantity,
    check,
    display,
    match_choice,
    parse_date,
    parse_text,
    ranked_choices,
    unit_id,
    unit_text,
    units_text,
)


def field(form: str, name: str) -> Field:
    return CURRENT.form(form).field(name)


TERM = field("adverse_events", "term")
SEX = field("demographics", "sex")
CRITERIA = field("response_assessments", "criteria")
ACTION = field("adverse_events", "action")
BILIRUBIN = field("baseline_liver", "bilirubin")
FIRST_DOSE = field("treatment", "first_dose_date")


# ---------------------------------------------------------------------- choices


def test_hand_foot_skin_reaction_is_in_the_code_list_as_ctcae_names_it() -> None:
    code = CURRENT.codelist("ctcae_term").get("ppes")
    assert code is not None
    assert code.label.en == "Palmar-plantar erythrodysesthesia syndrome"
    assert code.label.zh == "手足综合征"
    assert {"hand-foot", "HFSR", "HFS", "PPE", "手足", "手足皮肤反应"} <= set(code.synonyms)


@pytest.mark.parametrize(
    "typed",
    [
        "hand",
        "hand-foot",
        "hand foot",
        "Hand Foot",
        "hand-foot skin reaction",
        "HFSR",
        "hfs",
        "PPE",
        "palmar-plantar",
        "palmar plantar",
        "手足",
        "手足综合征",
        "手足皮肤反应",
        "ppes",
    ],
)
def test_typing_finds_hand_foot_skin_reaction(typed: str) -> None:
    assert match_choice(CURRENT, TERM, typed, loose=True) == "ppes"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("HTN", "hypertension"),
        ("高血压", "hypertension"),
        ("diarrhoea", "diarrhea"),
        ("diarrhea", "diarrhea"),
        ("ALT", "alt_increased"),
        ("AST", "ast_increased"),
        ("ALT increased", "alt_increased"),
        ("SGOT", "ast_increased"),
        ("hyperbilirubinaemia", "bilirubin_increased"),
        ("bilirubin increased", "bilirubin_increased"),
        ("asthenia", "fatigue"),
        ("乏力", "fatigue"),
        ("食欲下降", "anorexia"),
        ("proteinuria", "proteinuria"),
        ("thrombocytopenia", "platelet_decreased"),
        ("platelet count decreased", "platelet_decreased"),
        ("血小板减少", "platelet_decreased"),
    ],
)
def test_clinical_synonyms(typed: str, code: str) -> None:
    assert match_choice(CURRENT, TERM, typed, loose=True) == code


@pytest.mark.parametrize(
    ("f", "typed", "code"),
    [
        (SEX, "m", "male"),
        (SEX, "M", "male"),
        (SEX, "f", "female"),
        (SEX, "男", "male"),
        (SEX, "女性", "female"),
        (CRITERIA, "recist", "recist_1_1"),  # a word of "RECIST 1.1" (tier b)
        (CRITERIA, "RECIST 1", "recist_1_1"),
        (CRITERIA, "mrecist", "mrecist"),  # its code (tier a)
        (CRITERIA, "mRE", "mrecist"),
        (CRITERIA, "modified", "mrecist"),
        (ACTION, "reduced", "reduced"),
        (ACTION, "dose red", "reduced"),
        (field("eligibility", "inc_age_18"), "y", "yes"),
        (field("response_assessments", "overall_response"), "完全", "CR"),
    ],
)
def test_the_first_tier_with_one_choice_wins(f: Field, typed: str, code: str) -> None:
    assert match_choice(CURRENT, f, typed, loose=True) == code


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("transaminases", ("Aspartate aminotransferase increased", "Alanine aminotransferase")),
        ("转氨酶", ("天门冬氨酸氨基转移酶升高", "丙氨酸氨基转移酶升高")),
        ("increased", ("Blood bilirubin increased", "Lipase increased")),
    ],
)
def test_several_choices_in_a_tier_are_named_by_label(typed: str, names: tuple[str, ...]) -> None:
    with pytest.raises(FieldProblem) as info:
        match_choice(CURRENT, TERM, typed, loose=True)
    message = info.value.label.en + info.value.label.zh
    assert "several choices" in info.value.label.en
    for name in names:
        assert name in message
    assert "ast_increased" not in message
    assert "alt_increased" not in message


def test_a_miss_names_labels_of_a_short_list_never_codes() -> None:
    with pytest.raises(FieldProblem) as info:
        match_choice(CURRENT, SEX, "x", loose=True)
    assert info.value.label.en == "Sex: 'x' is not one of: Male, Female."
    assert "男" in info.value.label.zh
    assert "male" not in info.value.label.zh
    with pytest.raises(FieldProblem) as info:
        match_choice(CURRENT, CRITERIA, "who")
    assert "RECIST 1.1, mRECIST" in info.value.label.en
    assert "recist_1_1" not in info.value.label.en


def test_a_miss_in_a_long_list_says_how_to_find_a_choice() -> None:
    with pytest.raises(FieldProblem) as info:
        match_choice(CURRENT, TERM, "xyzzy", loose=True)
    assert "type part of its name, or press F4 for the list" in info.value.label.en
    assert "F4" in info.value.label.zh
    assert "ppes" not in info.value.label.en
    assert "hypertension" not in info.value.label.en


def test_check_names_labels_not_codes() -> None:
    with pytest.raises(FieldProblem) as info:
        check(CURRENT, SEX, "unknown")
    assert "Male, Female" in str(info.value)
    with pytest.raises(FieldProblem) as info:
        check(CURRENT, field("hcc_history", "aetiology"), ("hbv", "bogus"))
    assert "Hepatitis B (HBV)" in str(info.value)


def test_import_accepts_exact_codes_labels_and_synonyms_only() -> None:
    assert match_choice(CURRENT, TERM, "ppes") == "ppes"
    assert match_choice(CURRENT, TERM, "手足综合征") == "ppes"
    assert match_choice(CURRENT, TERM, "HFSR") == "ppes"
    assert match_choice(CURRENT, TERM, "hand foot") == "ppes"
    assert parse_text(CURRENT, TERM, "Hand-foot skin reaction") == "ppes"
    for fragment in ("hand", "palmar", "手足综"):
        with pytest.raises(FieldProblem):
            match_choice(CURRENT, TERM, fragment)


def test_ranked_choices_best_first() -> None:
    ranked = [code for code, _ in ranked_choices(CURRENT, TERM, "hand")]
    assert ranked[0] == "ppes"
    assert len(ranked) == len(set(ranked))
    # "dec": words of labels (tier b) before a synonym's start (tier c).
    ranked = [code for code, _ in ranked_choices(CURRENT, TERM, "dec")]
    assert ranked[:2] == ["platelet_decreased", "neutrophil_decreased"]
    assert "anorexia" in ranked  # "decreased appetite"
    assert ranked.index("anorexia") > 1
    assert [c for c, _ in ranked_choices(CURRENT, CRITERIA, "recist")] == [
        "recist_1_1",
        "mrecist",  # a part of its label (tier d)
    ]
    everything = ranked_choices(CURRENT, SEX, "")
    assert [(c, label.en) for c, label in everything] == [("male", "Male"), ("female", "Female")]
    assert ranked_choices(CURRENT, SEX, "zz") == []


def test_synonyms_do_not_name_another_code() -> None:
    assert CURRENT.validate() == []


# ---------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "typed",
    [
        "2024-03-05",
        "2024-3-5",
        "2024/03/05",
        "2024/3/5",
        "2024.3.5",
        "2024.03.05",
        "20240305",
        "  2024-03-05  ",
        " 2024/3/5",
        "20240305 ",
        "２０２４－０３－０５",  # full-width, from a Chinese input method
    ],
)
def test_dates_in_the_forms_people_type(typed: str) -> None:
    value = parse_text(CURRENT, FIRST_DOSE, typed)
    assert value == dt.date(2024, 3, 5)
    assert display(CURRENT, FIRST_DOSE, value) == "2024-03-05"
    assert parse_date(FIRST_DOSE, typed) == dt.date(2024, 3, 5)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("05/03/2024", "not a date"),
        ("2024-03/05", "not a date"),
        ("2024-03", "must be complete"),  # the first dose takes no partial date
        ("2024", "must be complete"),
        ("240305", "not a date"),
        ("2024/2/30", "not a real calendar date"),
        ("20241301", "not a real calendar date"),
    ],
)
def test_other_date_forms_are_refused_saying_what_is_accepted(typed: str, says: str) -> None:
    with pytest.raises(FieldProblem) as info:
        parse_text(CURRENT, FIRST_DOSE, typed)
    assert says in info.value.label.en
    if says in ("not a date", "must be complete"):
        for form in ("YYYY-MM-DD", "YYYY/MM/DD", "YYYY.MM.DD", "YYYYMMDD"):
            assert form in info.value.label.en
            assert form in info.value.label.zh


# ---------------------------------------------------------------------- units


def test_unit_symbols_are_shown_and_ids_stored() -> None:
    platelets = field("lab_tests", "platelets")
    bmi = field("demographics", "bmi")
    assert unit_text(BILIRUBIN, "umol/L") == "µmol/L"
    assert unit_text(BILIRUBIN, "mg/dL") == "mg/dL"
    assert unit_text(platelets, "10^9/L") == "10⁹/L"
    assert unit_text(bmi) == "kg/m²"
    assert unit_text(field("prior_treatments", "duration_days"), None, "zh") == "天"
    assert units_text(BILIRUBIN) == "µmol/L or mg/dL"
    assert units_text(BILIRUBIN, "zh") == "µmol/L或mg/dL"
    assert display(CURRENT, BILIRUBIN, Quantity(20.0, "umol/L")) == "20.0 µmol/L"
    assert display(CURRENT, platelets, 180) == "180 10⁹/L"
    assert display(CURRENT, bmi, 22.5) == "22.5 kg/m²"
    assert display(CURRENT, field("demographics", "age_at_first_dose"), 61, "zh") == "61 岁"
    # Stored as before: the id, never the symbol.
    assert [u.id for u in BILIRUBIN.units] == ["umol/L", "mg/dL"]
    assert [u.id for u in platelets.units] == ["10^9/L"]


@pytest.mark.parametrize("typed", ["umol/L", "µmol/L", "μmol/L", "UMOL/L", " µmol/l "])
def test_a_unit_is_found_by_id_or_symbol(typed: str) -> None:
    assert unit_id(BILIRUBIN, typed) == "umol/L"
    assert parse_text(CURRENT, BILIRUBIN, "20", typed) == Quantity(20.0, "umol/L")


def test_the_definition_refuses_units_that_read_alike() -> None:
    clash = Field(
        "x",
        BILIRUBIN.label,
        FieldType.DECIMAL,
        units=(Unit("umol/L", symbol="µmol/L"), Unit("μmol/L", 2.0)),
    )
    form = Form("f", BILIRUBIN.label, Phase.SCREENING, (Section("s", BILIRUBIN.label, (clash,)),))
    definition = StudyDefinition("T", "1", BILIRUBIN.label, (form,))
    assert definition.validate() == ["f.x: two units share a name or symbol"]


def test_a_unit_is_never_guessed() -> None:
    with pytest.raises(FieldProblem) as info:
        parse_text(CURRENT, BILIRUBIN, "2.0")
    assert info.value.label.en == "Total bilirubin: choose the unit (µmol/L or mg/dL)."
    assert info.value.label.zh == "总胆红素:请选择单位(µmol/L或mg/dL)。"
    with pytest.raises(FieldProblem, match="choose the unit"):
        parse_text(CURRENT, BILIRUBIN, "2.0", "  ")
    with pytest.raises(FieldProblem, match="choose the unit"):
        check(CURRENT, BILIRUBIN, 2.0)
    assert parse_text(CURRENT, BILIRUBIN, "") is None  # nothing typed needs no unit
    with pytest.raises(FieldProblem) as info:
        parse_text(CURRENT, BILIRUBIN, "1", "mmol/L")
    assert "use µmol/L or mg/dL" in info.value.label.en


def test_limits_are_told_in_the_symbol() -> None:
    with pytest.raises(FieldProblem) as info:
        parse_text(CURRENT, BILIRUBIN, "5000", "umol/L")
    assert "allowed 0-1000 µmol/L" in info.value.label.en
    assert "µmol/L" in info.value.label.zh
