"""RS: one record per response assessment (overall response, RECIST 1.1 or mRECIST)."""

from __future__ import annotations

from rego_desktop.cdisc.sdtm.common import EPOCH, STUDYID, USUBJID, domain, dtc, dy, sequence
from rego_desktop.cdisc.sdtm.epoch import epoch
from rego_desktop.cdisc.source import Source
from rego_desktop.cdisc.table import Column, Table
from rego_desktop.cdisc.terminology import submission

FORM = "response_assessments"


def _columns() -> tuple[Column, ...]:
    return (
        STUDYID,
        domain("RS"),
        USUBJID,
        sequence("RS"),
        Column("RSTESTCD", "Assessment Short Name", origin="Assigned", derivation='"OVRLRESP"'),
        Column("RSTEST", "Assessment Name", origin="Assigned", derivation='"Overall Response"'),
        Column("RSCAT", "Category for Assessment", source=f"{FORM}.criteria", codelist="RSCAT"),
        Column(
            "RSORRES",
            "Result or Finding in Original Units",
            source=f"{FORM}.overall_response",
            codelist="RSRESP",
        ),
        Column(
            "RSSTRESC",
            "Character Result/Finding in Std Format",
            origin="Derived",
            codelist="RSRESP",
            derivation="RSORRES",
        ),
        Column("RSEVAL", "Evaluator", origin="Assigned", derivation='"INVESTIGATOR"'),
        dtc("RSDTC", "Date/Time of Assessment", f"{FORM}.assessment_date"),
        dy("RSDY", "Study Day of Assessment", "RSDTC"),
        EPOCH,
    )


def build(source: Source) -> Table:
    table = Table(
        "RS",
        "Disease Response",
        "SDTM",
        "FINDINGS",
        "One record per assessment per subject",
        ("STUDYID", "USUBJID", "RSDTC"),
        _columns(),
    )
    for s in source.subjects:
        for number, entry in enumerate(s.book.items(FORM), start=1):
            v = entry.values
            result = submission("response", v.get("overall_response"))
            on = v.get("assessment_date")
            table.add(
                {
                    "STUDYID": source.studyid,
                    "DOMAIN": "RS",
                    "USUBJID": s.usubjid,
                    "RSSEQ": number,
                    "RSTESTCD": "OVRLRESP",
                    "RSTEST": "Overall Response",
                    "RSCAT": submission("response_criteria", v.get("criteria")),
                    "RSORRES": result,
                    "RSSTRESC": result,
                    "RSEVAL": "INVESTIGATOR",
                    "RSDTC": source.dtc(on),
                    "RSDY": source.day(on, s),
                    "EPOCH": epoch(s, on),
                }
            )
    return table
