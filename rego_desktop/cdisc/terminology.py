"""Controlled terminology: the CDISC code lists the package's CT-governed variables use,
and the mapping of the study's code-list values to their submission values.

Declared once, as data. A code-list value of the study definition that has no entry
here is not mapped: the variable is left blank and the README of the package says so.
NCI codes are those of the CDISC CT package (SDTM/ADaM); ``None`` marks a
sponsor-defined list or term (extensible lists, or values CDISC does not define).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from rego_desktop.cdisc.labs import LabTest


@dataclass(frozen=True)
class Term:
    value: str  # submission value
    code: str | None  # NCI C-code; None for a sponsor-defined term
    decode: str = ""


@dataclass(frozen=True)
class CtList:
    id: str  # OID suffix in define.xml, e.g. "SEX"
    name: str
    code: str | None  # NCI code of the code list; None when sponsor-defined
    terms: tuple[Term, ...]

    def values(self) -> frozenset[str]:
        return frozenset(t.value for t in self.terms)


def _ct(id_: str, name: str, code: str | None, *terms: tuple[str, str | None, str]) -> CtList:
    return CtList(id_, name, code, tuple(Term(v, c, d) for v, c, d in terms))


def _lab_tests() -> tuple[LabTest, ...]:
    from rego_desktop.cdisc.labs import LAB_TESTS

    return tuple(dict.fromkeys(LAB_TESTS.values()))


CODELISTS: Final[dict[str, CtList]] = {
    c.id: c
    for c in (
        _ct(
            "SEX",
            "Sex",
            "C66731",
            ("M", "C20197", "Male"),
            ("F", "C16576", "Female"),
            ("U", "C17998", "Unknown"),
        ),
        _ct(
            "NY",
            "No Yes Response",
            "C66742",
            ("N", "C49487", "No"),
            ("Y", "C49488", "Yes"),
            ("U", "C17998", "Unknown"),
            ("NA", "C48660", "Not Applicable"),
        ),
        _ct(
            "EPOCH",
            "Epoch",
            "C99079",
            ("SCREENING", "C48262", "Screening"),
            ("TREATMENT", "C101526", "Treatment"),
            ("FOLLOW-UP", "C99158", "Follow-up"),
        ),
        _ct("AGEU", "Age Unit", "C66781", ("YEARS", "C29848", "Years")),
        _ct(
            "OUT",
            "Outcome of Event",
            "C66768",
            ("RECOVERED/RESOLVED", "C49498", ""),
            ("RECOVERING/RESOLVING", "C49496", ""),
            ("NOT RECOVERED/NOT RESOLVED", "C49494", ""),
            ("RECOVERED/RESOLVED WITH SEQUELAE", "C49495", ""),
            ("FATAL", "C48275", ""),
            ("UNKNOWN", "C17998", ""),
        ),
        _ct(
            "ACN",
            "Action Taken with Study Treatment",
            "C66767",
            ("DOSE NOT CHANGED", "C49504", ""),
            ("DOSE REDUCED", "C49503", ""),
            ("DRUG INTERRUPTED", "C49501", ""),
            ("DRUG WITHDRAWN", "C49502", ""),
            ("NOT APPLICABLE", "C48660", ""),
        ),
        _ct(
            "NCOMPLT",
            "Completion/Reason for Non-Completion",
            "C66727",
            ("SCREEN FAILURE", "C49628", ""),
            ("PROGRESSIVE DISEASE", "C25640", ""),
            ("ADVERSE EVENT", "C41331", ""),
            ("DEATH", "C28554", ""),
            ("WITHDRAWAL BY SUBJECT", "C49634", ""),
            ("PHYSICIAN DECISION", "C49656", ""),
            ("LOST TO FOLLOW-UP", "C48227", ""),
            ("OTHER", "C17649", ""),
        ),
        _ct(
            "DSCAT", "Category of Disposition Event", "C74558", ("DISPOSITION EVENT", "C74590", "")
        ),
        _ct("ROUTE", "Route of Administration", "C66729", ("ORAL", "C38288", "Oral")),
        _ct(
            "UNIT",
            "Unit",
            "C71620",
            ("mg", "C28253", "Milligram"),
            ("umol/L", "C48508", "Micromole per Liter"),
            ("g/L", "C42576", "Gram per Liter"),
            ("g/dL", "C64783", "Gram per Deciliter"),
            ("mg/dL", "C67015", "Milligram per Deciliter"),
            ("U/L", "C67456", "Unit per Liter"),
            ("10^9/L", "C67255", "10^9 per Liter"),
            ("ng/mL", "C67306", "Nanogram per Milliliter"),
            # Extensible list: units CDISC CT may not hold are sponsor terms here.
            ("IU/mL", None, "International Unit per Milliliter"),
            ("mAU/mL", None, "Milli-arbitrary Unit per Milliliter"),
            ("mg/kg", None, "Milligram per Kilogram"),
            ("mg/m2", None, "Milligram per Square Meter"),
        ),
        _ct("ND", "Not Done", "C66789", ("NOT DONE", "C49484", "Not Done")),
        _ct(
            "STENRF",
            "Relation to Reference Period",
            "C66728",
            ("BEFORE", "C25629", "Prior"),
            ("ONGOING", "C53279", "Continue"),
        ),
        _ct(
            "LBTESTCD",
            "Laboratory Test Code",
            "C65047",
            *((t.testcd, t.code, t.test) for t in _lab_tests()),
        ),
        _ct(
            "LBTEST",
            "Laboratory Test Name",
            "C67154",
            *((t.test, t.code, "") for t in _lab_tests()),
        ),
        # Sponsor-defined (values as the protocol's response criteria spell them).
        _ct(
            "AEREL",
            "Causality (sponsor)",
            None,
            ("NOT RELATED", None, ""),
            ("UNLIKELY RELATED", None, ""),
            ("POSSIBLY RELATED", None, ""),
            ("PROBABLY RELATED", None, ""),
            ("RELATED", None, ""),
        ),
        _ct(
            "RSRESP",
            "Overall response (sponsor)",
            None,
            ("CR", None, "Complete response"),
            ("PR", None, "Partial response"),
            ("SD", None, "Stable disease"),
            ("PD", None, "Progressive disease"),
            ("NE", None, "Not evaluable"),
        ),
        _ct(
            "RSCAT",
            "Response criteria (sponsor)",
            None,
            ("RECIST 1.1", None, ""),
            ("MRECIST", None, "Modified RECIST for HCC"),
        ),
        _ct(
            "PARAMCD_TTE",
            "Time-to-event parameter (sponsor)",
            None,
            ("OS", None, "Overall survival"),
            ("PFS", None, "Progression-free survival"),
            ("TTP", None, "Time to progression"),
        ),
    )
}

# Study code-list value -> submission value, per study code list (data, declared once).
VALUE_MAPS: Final[dict[str, dict[str, str]]] = {
    "sex": {"male": "M", "female": "F"},
    "yes_no": {"yes": "Y", "no": "N"},
    "yes_no_unknown": {"yes": "Y", "no": "N", "unknown": "U"},
    "ae_outcome": {
        "recovered": "RECOVERED/RESOLVED",
        "recovering": "RECOVERING/RESOLVING",
        "not_recovered": "NOT RECOVERED/NOT RESOLVED",
        "sequelae": "RECOVERED/RESOLVED WITH SEQUELAE",
        "fatal": "FATAL",
        "unknown": "UNKNOWN",
    },
    "ae_action": {
        "none": "DOSE NOT CHANGED",
        "reduced": "DOSE REDUCED",
        "interrupted": "DRUG INTERRUPTED",
        "withdrawn": "DRUG WITHDRAWN",
        "not_applicable": "NOT APPLICABLE",
    },
    "ae_relation": {
        "not_related": "NOT RELATED",
        "unlikely": "UNLIKELY RELATED",
        "possible": "POSSIBLY RELATED",
        "probable": "PROBABLY RELATED",
        "definite": "RELATED",
    },
    "response": {v: v for v in ("CR", "PR", "SD", "PD", "NE")},
    "response_criteria": {"recist_1_1": "RECIST 1.1", "mrecist": "MRECIST"},
    "dose_unit": {"mg": "mg", "mg_per_kg": "mg/kg", "mg_per_m2": "mg/m2"},
    "discontinuation_reason": {
        "progression": "PROGRESSIVE DISEASE",
        "adverse_event": "ADVERSE EVENT",
        "death": "DEATH",
        "patient_decision": "WITHDRAWAL BY SUBJECT",
        "physician_decision": "PHYSICIAN DECISION",
        "lost": "LOST TO FOLLOW-UP",
        "other": "OTHER",
    },
}


def submission(study_list: str, value: object) -> str:
    """The submission value of a study code-list value ("" when not mapped or absent)."""
    if not isinstance(value, str):
        return ""
    return VALUE_MAPS.get(study_list, {}).get(value, "")


def unmapped(study_list: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """Values of a study code list that :data:`VALUE_MAPS` does not map."""
    mapping = VALUE_MAPS.get(study_list, {})
    return tuple(v for v in values if v not in mapping)


# NCI codes above that were checked against public extracts of the CDISC CT package
# (CT files and define.xml examples in public repositories); the rest are the CDISC CT
# codes as known when this was written, not re-checked offline (README.txt lists them).
VERIFIED: Final = frozenset(
    {
        "C66731",  # SEX
        "C16576",  # F
        "C66742",  # NY
        "C49488",  # Y
        "C66729",  # ROUTE
        "C38288",  # ORAL
        "C71620",  # UNIT
        "C28253",  # mg
        "C66728",  # STENRF
        "C53279",  # ONGOING
        "C25629",  # BEFORE
        "C66789",  # ND
        "C49484",  # NOT DONE
        # OUT, from HL7's value set built on CDISC C66768 (terminology.hl7.org)
        "C66768",
        "C49498",  # RECOVERED/RESOLVED
        "C49496",  # RECOVERING/RESOLVING
        "C49494",  # NOT RECOVERED/NOT RESOLVED
        "C49495",  # RECOVERED/RESOLVED WITH SEQUELAE
        "C48275",  # FATAL
    }
)


def ct_notes() -> list[str]:
    """README lines: which NCI codes were verified and which were not."""
    checked: list[str] = []
    unchecked: list[str] = []
    for ct in CODELISTS.values():
        codes = [(ct.id, ct.code)] + [(t.value, t.code) for t in ct.terms]
        for name, code in codes:
            if code is None:
                continue
            (checked if code in VERIFIED else unchecked).append(f"{ct.id}:{name} {code}")
    sponsor = [ct.id for ct in CODELISTS.values() if ct.code is None]
    return [
        "  Verified against public CDISC CT extracts: " + ", ".join(checked),
        "  Not verified offline (check against the CDISC CT package before a regulatory",
        "  submission): " + ", ".join(unchecked),
        "  Sponsor-defined lists (no NCI code): " + ", ".join(sponsor),
    ]
