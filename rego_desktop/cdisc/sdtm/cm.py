"""CM: prior and subsequent anticancer treatments, one record per regimen entry.

``CMTRT`` is the English label of the regimen code (a regimen typed as free text,
"other", is exported as "Other": the text stays at the site). Best response, the reason
a prior regimen stopped and the number of subsequent cycles have no CM variable; they
are in odm.xml (README.txt says so).
"""

from __future__ import annotations

from rego_desktop.cdisc.sdtm.common import STUDYID, USUBJID, domain, dtc, dy, sequence
from rego_desktop.cdisc.source import Source, Subject
from rego_desktop.cdisc.table import Column, Table
from rego_desktop.cdisc.terminology import submission
from rego_desktop.cdisc.xpt import Cell
from rego_desktop.study.values import Quantity

# Form -> CMCAT.
FORMS = {
    "prior_treatments": "PRIOR ANTICANCER TREATMENT",
    "subsequent_treatments": "SUBSEQUENT ANTICANCER TREATMENT",
}
SOURCE = "prior_treatments.*, subsequent_treatments.*"


def _columns() -> tuple[Column, ...]:
    return (
        STUDYID,
        domain("CM"),
        USUBJID,
        sequence("CM"),
        Column(
            "CMTRT",
            "Reported Name of Drug, Med, or Therapy",
            source="prior_treatments.regimen, subsequent_treatments.regimen",
            derivation="English label of the regimen code",
        ),
        Column(
            "CMCAT",
            "Category for Medication",
            origin="Assigned",
            derivation="PRIOR or SUBSEQUENT ANTICANCER TREATMENT, by the form",
        ),
        Column(
            "CMSCAT",
            "Subcategory for Medication",
            source="prior_treatments.line",
            derivation='"LINE n" for a prior regimen\'s line of therapy',
        ),
        Column("CMINDC", "Indication", origin="Assigned", derivation='"HEPATOCELLULAR CARCINOMA"'),
        Column("CMDOSE", "Dose per Administration", "num", source="subsequent_treatments.dose"),
        Column(
            "CMDOSU",
            "Dose Units",
            source="subsequent_treatments.dose_unit",
            codelist="UNIT",
        ),
        dtc("CMSTDTC", "Start Date/Time of Medication", SOURCE),
        dtc("CMENDTC", "End Date/Time of Medication", SOURCE),
        dy("CMSTDY", "Study Day of Start of Medication", "CMSTDTC"),
        dy("CMENDY", "Study Day of End of Medication", "CMENDTC"),
    )


def _dose(value: object) -> float | None:
    if isinstance(value, Quantity):
        return value.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _records(source: Source, s: Subject) -> list[dict[str, Cell]]:
    regimens = source.definition.codelist("regimen")
    records: list[dict[str, Cell]] = []
    for form_id, category in FORMS.items():
        if not source.definition.has_form(form_id):
            continue
        for entry in s.data.items(form_id):
            v = entry.values
            regimen = v.get("regimen")
            code = regimens.get(regimen) if isinstance(regimen, str) else None
            line = v.get("line")
            start, end = v.get("start_date"), v.get("end_date")
            records.append(
                {
                    "CMTRT": code.label.en.upper() if code else "",
                    "CMCAT": category,
                    "CMSCAT": f"LINE {line}" if isinstance(line, int) else "",
                    "CMINDC": "HEPATOCELLULAR CARCINOMA",
                    "CMDOSE": _dose(v.get("dose")),
                    "CMDOSU": submission("dose_unit", v.get("dose_unit")),
                    "CMSTDTC": source.dtc(start),
                    "CMENDTC": source.dtc(end),
                    "CMSTDY": source.day(start, s),
                    "CMENDY": source.day(end, s),
                }
            )
    return records


def build(source: Source) -> Table:
    table = Table(
        "CM",
        "Concomitant/Prior Medications",
        "SDTM",
        "INTERVENTIONS",
        "One record per anticancer regimen per subject",
        ("STUDYID", "USUBJID", "CMCAT", "CMTRT", "CMSTDTC"),
        _columns(),
    )
    for s in source.subjects:
        for number, record in enumerate(_records(source, s), start=1):
            table.add(
                {
                    "STUDYID": source.studyid,
                    "DOMAIN": "CM",
                    "USUBJID": s.usubjid,
                    "CMSEQ": number,
                    **record,
                }
            )
    return table
