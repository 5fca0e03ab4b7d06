"""Identifier and timing columns every SDTM domain shares."""

from __future__ import annotations

from rego_desktop.cdisc.table import Column

STUDYID = Column("STUDYID", "Study Identifier", origin="Protocol")
USUBJID = Column(
    "USUBJID",
    "Unique Subject Identifier",
    origin="Assigned",
    derivation="STUDYID, a hyphen and the site's subject code (site code first)",
)


def domain(code: str) -> Column:
    return Column("DOMAIN", "Domain Abbreviation", origin="Assigned", derivation=f'"{code}"')


def sequence(code: str) -> Column:
    return Column(
        f"{code}SEQ",
        "Sequence Number",
        "num",
        origin="Derived",
        derivation="1, 2, ... per subject in the order of the records' dates",
    )


def dtc(name: str, label: str, source: str) -> Column:
    return Column(
        name,
        label,
        source=source,
        derivation="ISO 8601 (YYYY or YYYY-MM when only the year or month is known); "
        "blank when de-identified",
        iso8601=True,
    )


def dy(name: str, label: str, of: str) -> Column:
    return Column(
        name,
        label,
        "num",
        origin="Derived",
        derivation=f"Study day of {of}: date - first dose + 1 on or after day 1, "
        "date - first dose before it (no day 0)",
    )


EPOCH = Column(
    "EPOCH",
    "Epoch",
    origin="Derived",
    codelist="EPOCH",
    derivation="SCREENING before the first dose, TREATMENT from day 1 to the last dose, "
    "FOLLOW-UP after it",
)
