"""AE: one record per adverse-event entry (CTCAE v5.0 term and grade)."""

from __future__ import annotations

from rego_desktop.cdisc.sdtm.common import EPOCH, STUDYID, USUBJID, domain, dtc, dy, sequence
from rego_desktop.cdisc.sdtm.epoch import epoch
from rego_desktop.cdisc.source import Source
from rego_desktop.cdisc.table import Column, Table
from rego_desktop.cdisc.terminology import submission

FORM = "adverse_events"


def _columns() -> tuple[Column, ...]:
    return (
        STUDYID,
        domain("AE"),
        USUBJID,
        sequence("AE"),
        Column(
            "AETERM",
            "Reported Term for the Adverse Event",
            source=f"{FORM}.term",
            derivation="English label of the CTCAE v5.0 term chosen",
        ),
        Column(
            "AELLT",
            "Lowest Level Term",
            origin="Assigned",
            derivation="The CTCAE v5.0 term, a MedDRA lowest-level term",
        ),
        Column(
            "AELLTCD",
            "Lowest Level Term Code",
            "num",
            origin="Assigned",
            derivation="MedDRA code of the CTCAE v5.0 term, from the study definition's "
            "code list (missing for Other)",
        ),
        Column(
            "AEDECOD",
            "Dictionary-Derived Term",
            origin="Assigned",
            derivation="The CTCAE v5.0 term (its MedDRA LLT; the preferred term is not "
            "held offline)",
        ),
        Column("AETOXGR", "Standard Toxicity Grade", source=f"{FORM}.grade"),
        Column("AESER", "Serious Event", source=f"{FORM}.serious", codelist="NY"),
        Column("AEREL", "Causality", source=f"{FORM}.relation", codelist="AEREL"),
        Column(
            "AEACN", "Action Taken with Study Treatment", source=f"{FORM}.action", codelist="ACN"
        ),
        Column("AEOUT", "Outcome of Adverse Event", source=f"{FORM}.outcome", codelist="OUT"),
        dtc("AESTDTC", "Start Date/Time of Adverse Event", f"{FORM}.onset_date"),
        dtc("AEENDTC", "End Date/Time of Adverse Event", f"{FORM}.resolution_date"),
        dy("AESTDY", "Study Day of Start of Adverse Event", "AESTDTC"),
        dy("AEENDY", "Study Day of End of Adverse Event", "AEENDTC"),
        EPOCH,
    )


def build(source: Source) -> Table:
    table = Table(
        "AE",
        "Adverse Events",
        "SDTM",
        "EVENTS",
        "One record per adverse event",
        ("STUDYID", "USUBJID", "AETERM", "AESTDTC"),
        _columns(),
    )
    terms = source.definition.codelist("ctcae_term")
    for s in source.subjects:
        for number, entry in enumerate(s.book.items(FORM), start=1):
            v = entry.values
            term = v.get("term")
            code = terms.get(term) if isinstance(term, str) else None
            grade = v.get("grade")
            onset, end = v.get("onset_date"), v.get("resolution_date")
            table.add(
                {
                    "STUDYID": source.studyid,
                    "DOMAIN": "AE",
                    "USUBJID": s.usubjid,
                    "AESEQ": number,
                    "AETERM": code.label.en if code else "",
                    "AELLT": code.label.en if code and code.meddra_llt else "",
                    "AELLTCD": code.meddra_llt if code else None,
                    "AEDECOD": code.label.en if code else "",
                    "AETOXGR": str(grade) if isinstance(grade, int) else "",
                    "AESER": submission("yes_no", v.get("serious")),
                    "AEREL": submission("ae_relation", v.get("relation")),
                    "AEACN": submission("ae_action", v.get("action")),
                    "AEOUT": submission("ae_outcome", v.get("outcome")),
                    "AESTDTC": source.dtc(onset),
                    "AEENDTC": source.dtc(end),
                    "AESTDY": source.day(onset, s),
                    "AEENDY": source.day(end, s),
                    "EPOCH": epoch(s, onset),
                }
            )
    return table
