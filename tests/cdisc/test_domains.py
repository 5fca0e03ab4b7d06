"""SDTM LB, MH, CM, the MedDRA codes of AE and ADaM ADAE on a casebook holding every kind
of value they map (``tests.cdisc.richbook``); the lab registry covers the definition."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from rego_desktop.cdisc.adam import DATASETS
from rego_desktop.cdisc.labs import LAB_TESTS, NOT_TESTS, lab_sections, unclassified
from rego_desktop.cdisc.meddra_sources import SOURCES
from rego_desktop.cdisc.sdtm import DOMAINS
from rego_desktop.cdisc.source import source_of
from rego_desktop.cdisc.table import Table
from rego_desktop.cdisc.terminology import CODELISTS, VERIFIED
from rego_desktop.study import CURRENT
from rego_desktop.study.codelists import MEDDRA_LLT
from rego_desktop.study.schema import FieldType, Label, Limits, Section
from tests.analysis.builders import FIRST
from tests.cdisc.richbook import rich_casebook


def _tables(deidentified: bool = False) -> dict[str, Table]:
    source = source_of([rich_casebook()], CURRENT, deidentified=deidentified)
    return {t.name: t for t in (build(source) for build in (*DOMAINS, *DATASETS))}


def _rows(table: Table) -> list[dict[str, Any]]:
    names = [c.name for c in table.columns]
    return [dict(zip(names, row, strict=True)) for row in table.rows]


def test_lb_original_and_standard_units() -> None:
    rows = _rows(_tables()["LB"])
    by_test = {(r["LBTESTCD"], r["VISIT"], r["LBDY"]): r for r in rows}
    bili = by_test[("BILI", "BASELINE", -4)]
    assert (bili["LBORRES"], bili["LBORRESU"]) == ("2", "mg/dL")
    assert bili["LBSTRESN"] == pytest.approx(34.208)
    assert (bili["LBSTRESC"], bili["LBSTRESU"]) == ("34.208", "umol/L")
    assert bili["LBDTC"] == "2024-01-06"
    hgb = by_test[("HGB", "CYCLE 1", 1)]
    assert (hgb["LBORRES"], hgb["LBORRESU"], hgb["LBSTRESN"], hgb["LBSTRESU"]) == (
        "12.5",
        "g/dL",
        125.0,
        "g/L",
    )
    afp = by_test[("AFP", "", 30)]
    assert afp["LBSTRESN"] == pytest.approx(146.41)
    assert afp["LBSTRESU"] == "ng/mL"
    baseline_afp = by_test[("AFP", "BASELINE", None)]  # primary tumour: no date
    assert baseline_afp["LBSTRESN"] == 400.0
    assert {r["LBCAT"] for r in rows} == {"CHEMISTRY", "HEMATOLOGY", "COAGULATION"}
    assert [r["LBSEQ"] for r in rows] == list(range(1, len(rows) + 1))


def test_lb_results_recorded_as_missing_are_not_done() -> None:
    rows = {r["LBTESTCD"]: r for r in _rows(_tables()["LB"]) if r["VISIT"] == "BASELINE"}
    assert rows["ALB"]["LBSTAT"] == "NOT DONE"
    assert rows["ALB"]["LBREASND"] == "NOT DONE"
    assert rows["AST"]["LBSTAT"] == "NOT DONE"
    assert rows["AST"]["LBREASND"].startswith("UNKNOWN")
    assert rows["AST"]["LBORRES"] == ""
    assert rows["AST"]["LBSTRESN"] is None
    assert not rows["ALT"]["LBSTAT"]


def test_every_lab_field_of_the_definition_is_mapped_or_named() -> None:
    assert unclassified(CURRENT) == []
    mapped = {f.id for lab in lab_sections(CURRENT) for f in lab.tests}
    assert mapped == set(LAB_TESTS)
    # A numeric field added to a lab section is caught until it is declared.
    form = CURRENT.form("baseline_liver")
    extra = replace(form.fields[1], id="ggt", label=Label("GGT", "GGT"), type=FieldType.DECIMAL)
    section = form.sections[0]
    grown = replace(form, sections=(Section(section.id, section.label, (*section.fields, extra)),))
    definition = replace(
        CURRENT, forms=tuple(grown if f.id == form.id else f for f in CURRENT.forms)
    )
    assert unclassified(definition) == ["baseline_liver.ggt"]
    assert set(NOT_TESTS) >= {"ascites", "encephalopathy", "largest_diameter"}


def test_every_lab_field_is_numeric_with_its_canonical_unit_in_ct() -> None:
    units = CODELISTS["UNIT"].values()
    for lab in lab_sections(CURRENT):
        for f in lab.tests:
            assert f.type in (FieldType.DECIMAL, FieldType.INTEGER), f.id
            for unit in f.units:
                assert unit.id in units, (lab.form.id, f.id, unit.id)


def test_mh_partial_dates_aetiology_and_unknown_cirrhosis() -> None:
    rows = _rows(_tables()["MH"])
    terms = {r["MHTERM"]: r for r in rows}
    assert terms["Diabetes mellitus"]["MHSTDTC"] == "2019-05"
    assert terms["Diabetes mellitus"]["MHENRTPT"] == "ONGOING"
    assert terms["Hypertension"]["MHSTDTC"] == "2015"
    assert terms["Hypertension"]["MHENDTC"] == "2020-01-01"
    assert terms["Hepatocellular carcinoma"]["MHSTDTC"] == "2023-03"
    assert terms["Hepatocellular carcinoma"]["MHEVDTYP"] == "DIAGNOSIS"
    aetiologies = {r["MHTERM"] for r in rows if r["MHCAT"] == "HCC AETIOLOGY"}
    assert aetiologies == {"Hepatitis B (HBV)", "Alcohol"}
    assert terms["Cirrhosis"]["MHSTAT"] == "NOT DONE"
    assert not terms["Cirrhosis"]["MHOCCUR"]


def test_cm_prior_and_subsequent_treatments() -> None:
    rows = _rows(_tables()["CM"])
    prior, subsequent = rows
    assert (prior["CMTRT"], prior["CMCAT"], prior["CMSCAT"]) == (
        "SORAFENIB",
        "PRIOR ANTICANCER TREATMENT",
        "LINE 1",
    )
    assert (prior["CMSTDTC"], prior["CMENDTC"], prior["CMENDY"]) == ("2023-10-05", "2023-12", None)
    assert subsequent["CMCAT"] == "SUBSEQUENT ANTICANCER TREATMENT"
    assert (subsequent["CMDOSE"], subsequent["CMDOSU"], subsequent["CMSTDY"]) == (8.0, "mg", 60)


def test_ae_meddra_codes_come_from_the_code_list() -> None:
    codes = CURRENT.codelist("ctcae_term")
    without = [c.value for c in codes.codes if c.meddra_llt is None]
    assert without == ["other"]
    assert len({c.meddra_llt for c in codes.codes if c.meddra_llt}) == len(codes.codes) - 1
    assert all(10_000_000 <= (c.meddra_llt or 10_000_000) < 11_000_000 for c in codes.codes)
    rows = _rows(_tables()["AE"])
    for row in rows:
        code = next(c for c in codes.codes if c.label.en == row["AETERM"])
        assert row["AELLTCD"] == code.meddra_llt
        assert row["AELLT"] == (code.label.en if code.meddra_llt else "")


def test_every_meddra_code_names_where_it_was_checked() -> None:
    assert set(SOURCES) == set(MEDDRA_LLT)
    assert all(SOURCES[term] for term in SOURCES)
    coded = {c.value for c in CURRENT.codelist("ctcae_term").codes if c.meddra_llt}
    assert coded == set(MEDDRA_LLT)


def test_adae_imputation_flags_emergence_and_worst_grade() -> None:
    rows = _rows(_tables()["ADAE"])
    by_key = {(r["AETERM"], r["ATOXGRN"]): r for r in rows}
    ppes = "Palmar-plantar erythrodysesthesia syndrome"
    month = by_key[(ppes, 1)]  # onset 2024-01: the first dose, day imputed
    assert (month["ASTDT"], month["ASTDTF"], month["ASTDY"]) == (FIRST, "D", 1)
    # resolution 2024-04: end of April, but not after death (2024-04-18)
    assert (month["AENDT"], month["AENDTF"]) == (dt.date(2024, 4, 18), "D")
    year = by_key[("Hypertension", 2)]  # onset 2024: month and day imputed
    assert (year["ASTDT"], year["ASTDTF"]) == (FIRST, "M")
    complete = by_key[(ppes, 3)]
    assert not complete["ASTDTF"]
    assert not complete["AENDTF"]
    assert by_key[("Diarrhea", 2)]["TRTEMFL"] == "N"  # before the first dose
    assert {r["TRTEMFL"] for r in rows if r["AETERM"] != "Diarrhea"} == {"Y"}
    worst = {(r["AETERM"], r["ATOXGRN"]) for r in rows if r["AOCCPIFL"] == "Y"}
    assert worst == {(ppes, 3), ("Hypertension", 2), ("Other (specify)", 1)}
    ae = _rows(_tables()["AE"])
    assert [r["AESEQ"] for r in rows] == [r["AESEQ"] for r in ae]


def test_deidentified_adae_keeps_study_days_only() -> None:
    rows = _rows(_tables(deidentified=True)["ADAE"])
    assert rows
    assert all(r["ASTDT"] is None and r["AENDT"] is None for r in rows)
    assert {r["ASTDY"] for r in rows} >= {1, 20}


def test_verified_nci_codes_are_codes_of_the_lists() -> None:
    codes = {ct.code for ct in CODELISTS.values()} | {
        t.code for ct in CODELISTS.values() for t in ct.terms
    }
    assert codes >= VERIFIED


def test_ct_governed_values_of_the_rich_casebook() -> None:
    for deidentified in (False, True):
        for table in _tables(deidentified).values():
            for index, column in enumerate(table.columns):
                if column.codelist is None:
                    continue
                allowed = CODELISTS[column.codelist].values()
                values = {row[index] for row in table.rows} - {"", None}
                assert values <= allowed, (table.name, column.name, values - allowed)


def test_lab_limits_unchanged_by_the_registry() -> None:
    # The registry keys are field ids of the definition, never invented ones.
    ids = {f.id for _form, f in CURRENT.all_fields()}
    assert set(LAB_TESTS) <= ids
    assert isinstance(CURRENT.form("lab_tests").field("afp").limits, Limits)
