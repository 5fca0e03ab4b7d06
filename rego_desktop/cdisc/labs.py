"""Which fields of the study definition are laboratory tests, and how each maps to SDTM LB.

Declared once, keyed by field id: a field id means the same test on every form that
holds it (baseline liver function, each cycle, the laboratory tests form, the primary
tumour's AFP), so a new form with a ``bilirubin`` field is in LB without a change here.
A numeric field next to lab tests that is not a test is named in :data:`NOT_TESTS`
with the reason, and ``tests/cdisc`` checks that every field of every lab section is
one or the other, so a lab field added to the definition cannot be left out silently.

Results: ``LBORRES``/``LBORRESU`` as entered (value and the unit chosen),
``LBSTRESN``/``LBSTRESU`` in the field's canonical unit (the study definition's first
unit, SI), converted with the definition's factors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from rego_desktop.study.schema import Field, FieldType, Form, Section, StudyDefinition


@dataclass(frozen=True)
class LabTest:
    """An LB test: ``testcd``/``test`` (CDISC LBTESTCD/LBTEST), ``code`` its NCI C-code
    (``None``: a sponsor-defined test code of the extensible list), ``category``
    (LBCAT) and ``specimen`` (LBSPEC)."""

    testcd: str
    test: str
    code: str | None
    category: str
    specimen: str = "SERUM"


CHEMISTRY, HEMATOLOGY, COAGULATION = "CHEMISTRY", "HEMATOLOGY", "COAGULATION"

LAB_TESTS: Final[dict[str, LabTest]] = {
    "bilirubin": LabTest("BILI", "Bilirubin", "C38037", CHEMISTRY),
    "albumin": LabTest("ALB", "Albumin", "C64431", CHEMISTRY),
    "alt": LabTest("ALT", "Alanine Aminotransferase", "C64433", CHEMISTRY),
    "ast": LabTest("AST", "Aspartate Aminotransferase", "C64467", CHEMISTRY),
    "creatinine": LabTest("CREAT", "Creatinine", "C64547", CHEMISTRY),
    "inr": LabTest("INR", "Prothrombin Intl. Normalized Ratio", "C64805", COAGULATION, "BLOOD"),
    "haemoglobin": LabTest("HGB", "Hemoglobin", "C64848", HEMATOLOGY, "BLOOD"),
    "wbc": LabTest("WBC", "Leukocytes", "C51948", HEMATOLOGY, "BLOOD"),
    "neutrophils": LabTest("NEUT", "Neutrophils", "C63321", HEMATOLOGY, "BLOOD"),
    "platelets": LabTest("PLAT", "Platelets", "C51951", HEMATOLOGY, "BLOOD"),
    # Not verified against CDISC CT offline: sponsor-defined codes (LBTESTCD is
    # extensible); README.txt says so.
    "afp": LabTest("AFP", "Alpha Fetoprotein", None, CHEMISTRY),
    "pivka_ii": LabTest("PIVKAII", "Des-Gamma-Carboxy Prothrombin", None, CHEMISTRY),
}

# Fields that sit among lab tests but are not one, and why they are not in LB.
NOT_TESTS: Final[dict[str, str]] = {
    "ascites": "clinical finding scored into Child-Pugh, not a laboratory test (in odm.xml)",
    "encephalopathy": "clinical finding scored into Child-Pugh, not a laboratory test (in odm.xml)",
    "child_pugh_score": "derived score (Child-Pugh), in odm.xml; no SDTM domain yet",
    "child_pugh_class": "derived class (Child-Pugh), in odm.xml; no SDTM domain yet",
    "albi_score": "derived score (ALBI), in odm.xml; no SDTM domain yet",
    "albi_grade": "derived grade (ALBI), in odm.xml; no SDTM domain yet",
    "largest_diameter": "tumour measurement (TU/TR domains not produced), in odm.xml",
}


@dataclass(frozen=True)
class LabSection:
    """A section of a form holding lab tests, and the date its results were taken on:
    the section's own date field, else the form's first date (the cycle start for the
    blood counts taken before day 1 of a cycle), else none."""

    form: Form
    section: Section
    date_field: str | None

    @property
    def tests(self) -> tuple[Field, ...]:
        return tuple(f for f in self.section.fields if f.id in LAB_TESTS and f.is_input)


def _first_date(fields: tuple[Field, ...]) -> str | None:
    for f in fields:
        if f.type is FieldType.DATE and f.is_input:
            return f.id
    return None


def lab_sections(definition: StudyDefinition) -> Iterator[LabSection]:
    """Every section of the definition holding at least one lab test."""
    for form in definition.forms:
        if form.identifying:
            continue
        for section in form.sections:
            if any(f.id in LAB_TESTS for f in section.fields):
                date = _first_date(section.fields) or _first_date(form.fields)
                yield LabSection(form, section, date)


NUMERIC = (FieldType.DECIMAL, FieldType.INTEGER)


def unclassified(definition: StudyDefinition) -> list[str]:
    """``form.field`` of every number in a lab section that is neither a declared test
    nor in :data:`NOT_TESTS` (must be empty; tested)."""
    out = []
    for lab in lab_sections(definition):
        for f in lab.section.fields:
            if f.type in NUMERIC and f.id not in LAB_TESTS and f.id not in NOT_TESTS:
                out.append(f"{lab.form.id}.{f.id}")
    return out


def not_in_lb(definition: StudyDefinition) -> list[tuple[str, str]]:
    """(``form.field``, why) of the fields of lab sections named in :data:`NOT_TESTS`."""
    return [
        (f"{lab.form.id}.{f.id}", NOT_TESTS[f.id])
        for lab in lab_sections(definition)
        for f in lab.section.fields
        if f.id in NOT_TESTS
    ]
