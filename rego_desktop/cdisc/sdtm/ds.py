"""DS: disposition events: screen failure, end of treatment (with its reason), death."""

from __future__ import annotations

from rego_desktop.cdisc.sdtm.common import EPOCH, STUDYID, USUBJID, domain, dtc, dy, sequence
from rego_desktop.cdisc.source import Source, Subject
from rego_desktop.cdisc.table import Column, Table
from rego_desktop.cdisc.terminology import submission
from rego_desktop.cdisc.xpt import Cell


def _columns() -> tuple[Column, ...]:
    return (
        STUDYID,
        domain("DS"),
        USUBJID,
        sequence("DS"),
        Column(
            "DSTERM",
            "Reported Term for the Disposition Event",
            origin="Derived",
            source="eligibility.*, treatment.discontinuation_reason, survival.status",
            derivation="Screen failure (a criterion failed), the discontinuation reason "
            "of treatment, or death",
        ),
        Column(
            "DSDECOD",
            "Standardized Disposition Term",
            origin="Derived",
            codelist="NCOMPLT",
            derivation="DSTERM mapped to CDISC NCOMPLT",
        ),
        Column("DSCAT", "Category for Disposition Event", origin="Assigned", codelist="DSCAT"),
        dtc(
            "DSSTDTC",
            "Start Date/Time of Disposition Event",
            "treatment.last_dose_date, survival.death_date",
        ),
        dy("DSSTDY", "Study Day of Start of Disposition Event", "DSSTDTC"),
        EPOCH,
    )


def _events(s: Subject) -> list[tuple[str, str, object, str]]:
    """(DSTERM, DSDECOD, date, EPOCH) of one subject."""
    data = s.data
    events: list[tuple[str, str, object, str]] = []
    if s.row.population == "screen_failure":
        events.append(("SCREEN FAILURE", "SCREEN FAILURE", None, "SCREENING"))
    if data.value("treatment", "treatment_status") == "discontinued":
        reason = data.value("treatment", "discontinuation_reason")
        decoded = submission("discontinuation_reason", reason)
        events.append(
            (
                decoded or "OTHER",
                decoded or "OTHER",
                data.date("treatment", "last_dose_date"),
                "TREATMENT",
            )
        )
    if data.survival_status == "dead":
        events.append(("DEATH", "DEATH", data.value("survival", "death_date"), "FOLLOW-UP"))
    return events


def build(source: Source) -> Table:
    table = Table(
        "DS",
        "Disposition",
        "SDTM",
        "EVENTS",
        "One record per disposition event",
        ("STUDYID", "USUBJID", "DSDECOD"),
        _columns(),
    )
    for s in source.subjects:
        for number, (term, decoded, on, epoch) in enumerate(_events(s), start=1):
            values: dict[str, Cell] = {
                "STUDYID": source.studyid,
                "DOMAIN": "DS",
                "USUBJID": s.usubjid,
                "DSSEQ": number,
                "DSTERM": term,
                "DSDECOD": decoded,
                "DSCAT": "DISPOSITION EVENT",
                "DSSTDTC": source.dtc(on),
                "DSSTDY": source.day(on, s),
                "EPOCH": epoch,
            }
            table.add(values)
    return table
