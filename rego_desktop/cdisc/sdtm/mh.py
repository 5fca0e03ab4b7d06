"""MH: medical history: the conditions of the medical history form, the HCC diagnosis
and the advanced-stage diagnosis, each aetiology ticked and cirrhosis.

Terms are the English labels of the study's code lists; they are not MedDRA-coded
(``MHDECOD`` blank, README.txt says so). A condition typed as free text ("other") is
exported as "Other": the text stays at the site.
"""

from __future__ import annotations

from rego_desktop.cdisc.sdtm.common import STUDYID, USUBJID, domain, dtc, sequence
from rego_desktop.cdisc.source import Source, Subject
from rego_desktop.cdisc.table import Column, Table
from rego_desktop.cdisc.terminology import submission
from rego_desktop.cdisc.xpt import Cell
from rego_desktop.study.values import Missing

HISTORY, HCC = "medical_history", "hcc_history"
GENERAL, DIAGNOSIS, AETIOLOGY, LIVER = (
    "GENERAL MEDICAL HISTORY",
    "PRIMARY DIAGNOSIS",
    "HCC AETIOLOGY",
    "LIVER DISEASE",
)


def _columns() -> tuple[Column, ...]:
    return (
        STUDYID,
        domain("MH"),
        USUBJID,
        sequence("MH"),
        Column(
            "MHTERM",
            "Reported Term for the Medical History",
            source=f"{HISTORY}.condition, {HCC}.*",
            derivation="English label of the code chosen; fixed terms for the HCC "
            "diagnosis and cirrhosis",
        ),
        Column(
            "MHDECOD",
            "Dictionary-Derived Term",
            origin="Assigned",
            derivation="Not coded: MedDRA coding of conditions is not available offline",
        ),
        Column("MHCAT", "Category for Medical History", origin="Assigned"),
        Column(
            "MHPRESP",
            "Medical History Event Pre-Specified",
            origin="Assigned",
            codelist="NY",
            derivation='"Y" for the pre-specified aetiologies and cirrhosis',
        ),
        Column(
            "MHOCCUR",
            "Medical History Occurrence",
            source=f"{HCC}.aetiology, {HCC}.cirrhosis",
            codelist="NY",
        ),
        Column(
            "MHSTAT",
            "Completion Status",
            origin="Derived",
            codelist="ND",
            derivation='"NOT DONE" when the answer is recorded as unknown',
        ),
        Column(
            "MHREASND",
            "Reason Medical History Not Collected",
            origin="Derived",
            derivation="The missing-data reason recorded",
        ),
        Column(
            "MHEVDTYP",
            "Medical History Event Date Type",
            origin="Assigned",
            derivation='"DIAGNOSIS" for the HCC diagnoses',
        ),
        dtc("MHSTDTC", "Start Date/Time of Medical History Event", f"{HISTORY}.start_date"),
        dtc("MHENDTC", "End Date/Time of Medical History Event", f"{HISTORY}.end_date"),
        Column(
            "MHENRTPT",
            "End Relative to Reference Time Point",
            source=f"{HISTORY}.ongoing",
            codelist="STENRF",
            derivation='"ONGOING" when the condition is ongoing at the first dose',
        ),
        Column(
            "MHENTPT",
            "End Reference Time Point",
            origin="Assigned",
            derivation='"FIRST DOSE" when MHENRTPT is given',
        ),
    )


def _records(source: Source, s: Subject) -> list[dict[str, Cell]]:
    definition = source.definition
    records: list[dict[str, Cell]] = []
    conditions = definition.codelist("comorbidity")
    for entry in s.data.items(HISTORY):
        v = entry.values
        condition = v.get("condition")
        code = conditions.get(condition) if isinstance(condition, str) else None
        ongoing = v.get("ongoing") == "yes"
        records.append(
            {
                "MHTERM": code.label.en if code else "",
                "MHCAT": GENERAL,
                "MHSTDTC": source.dtc(v.get("start_date")),
                "MHENDTC": source.dtc(v.get("end_date")),
                "MHENRTPT": "ONGOING" if ongoing else "",
                "MHENTPT": "FIRST DOSE" if ongoing else "",
            }
        )
    hcc = s.book.single(HCC) if s.book.entries.get(HCC) else {}
    if not hcc:
        return records
    for field_id, term in (
        ("hcc_diagnosis_date", "Hepatocellular carcinoma"),
        ("advanced_diagnosis_date", "Hepatocellular carcinoma, intermediate or advanced stage"),
    ):
        on = hcc.get(field_id)
        if on is None:
            continue
        records.append(
            {
                "MHTERM": term,
                "MHCAT": DIAGNOSIS,
                "MHEVDTYP": "DIAGNOSIS",
                "MHSTDTC": source.dtc(on),
            }
        )
    aetiology = hcc.get("aetiology")
    labels = definition.codelist("aetiology")
    if isinstance(aetiology, Missing):
        records.append(_not_done("HCC aetiology", AETIOLOGY, aetiology))
    elif isinstance(aetiology, tuple):
        for value in aetiology:
            code = labels.get(value)
            records.append(
                {
                    "MHTERM": code.label.en if code else value,
                    "MHCAT": AETIOLOGY,
                    "MHPRESP": "Y",
                    "MHOCCUR": "Y",
                }
            )
    cirrhosis = hcc.get("cirrhosis")
    if isinstance(cirrhosis, Missing):
        records.append(_not_done("Cirrhosis", LIVER, cirrhosis))
    elif isinstance(cirrhosis, str):
        records.append(
            {
                "MHTERM": "Cirrhosis",
                "MHCAT": LIVER,
                "MHPRESP": "Y",
                "MHOCCUR": submission("yes_no_unknown", cirrhosis),
            }
        )
    return records


def _not_done(term: str, category: str, missing: Missing) -> dict[str, Cell]:
    return {
        "MHTERM": term,
        "MHCAT": category,
        "MHPRESP": "Y",
        "MHSTAT": "NOT DONE",
        "MHREASND": missing.label.en.upper(),
    }


def build(source: Source) -> Table:
    table = Table(
        "MH",
        "Medical History",
        "SDTM",
        "EVENTS",
        "One record per medical history event per subject",
        ("STUDYID", "USUBJID", "MHCAT", "MHTERM", "MHSTDTC"),
        _columns(),
    )
    for s in source.subjects:
        for number, record in enumerate(_records(source, s), start=1):
            table.add(
                {
                    "STUDYID": source.studyid,
                    "DOMAIN": "MH",
                    "USUBJID": s.usubjid,
                    "MHSEQ": number,
                    **record,
                }
            )
    return table
