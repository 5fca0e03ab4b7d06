"""DM: one record per enrolled patient (screen failures included)."""

from __future__ import annotations

from rego_desktop import derive
from rego_desktop.cdisc.sdtm.common import STUDYID, USUBJID, domain, dtc
from rego_desktop.cdisc.source import Source
from rego_desktop.cdisc.table import Column, Table
from rego_desktop.cdisc.terminology import submission
from rego_desktop.derive import Computed

ARMS = {  # population -> (ARMCD, ARM); one open-label single-arm study
    "analysed": ("REGO", "Regorafenib"),
    "incomplete": ("REGO", "Regorafenib"),
    "screen_failure": ("SCRNFAIL", "Screen Failure"),
}
NOT_TREATED = ("NOTTRT", "Not Treated")


def _columns() -> tuple[Column, ...]:
    return (
        STUDYID,
        domain("DM"),
        USUBJID,
        Column("SUBJID", "Subject Identifier for the Study", origin="Assigned"),
        Column("SITEID", "Study Site Identifier", origin="Assigned"),
        dtc("RFSTDTC", "Subject Reference Start Date/Time", "treatment.first_dose_date"),
        dtc("RFXSTDTC", "Date/Time of First Study Treatment", "treatment.first_dose_date"),
        dtc("RFXENDTC", "Date/Time of Last Study Treatment", "treatment.last_dose_date"),
        dtc("DTHDTC", "Date/Time of Death", "survival.death_date"),
        Column(
            "DTHFL",
            "Subject Death Flag",
            origin="Derived",
            codelist="NY",
            derivation='"Y" when survival.status is dead',
        ),
        Column(
            "AGE",
            "Age",
            "num",
            origin="Derived",
            source="demographics.age_at_first_dose",
            derivation="Completed years at the first dose; 90 means 90 or older when de-identified",
        ),
        Column("AGEU", "Age Units", origin="Assigned", codelist="AGEU"),
        Column("SEX", "Sex", source="demographics.sex", codelist="SEX"),
        Column("ARMCD", "Planned Arm Code", origin="Assigned"),
        Column("ARM", "Description of Planned Arm", origin="Assigned"),
        Column(
            "ACTARMCD",
            "Actual Arm Code",
            origin="Derived",
            derivation="ARMCD, NOTTRT without a first dose",
        ),
        Column(
            "ACTARM",
            "Description of Actual Arm",
            origin="Derived",
            derivation="ARM, Not Treated without a first dose",
        ),
        Column("COUNTRY", "Country", origin="Assigned", derivation='"CHN"'),
    )


def age(subject_data: derive.PatientData) -> int | None:
    stored = subject_data.value("demographics", "age_at_first_dose")
    if isinstance(stored, int) and not isinstance(stored, bool):
        return stored
    computed = derive.age_at_first_dose(subject_data)
    return computed.value if isinstance(computed, Computed) else None


def build(source: Source) -> Table:
    table = Table(
        "DM",
        "Demographics",
        "SDTM",
        "SPECIAL PURPOSE",
        "One record per subject",
        ("STUDYID", "USUBJID"),
        _columns(),
    )
    for s in source.subjects:
        data = s.data
        armcd, arm = ARMS[s.row.population]
        actual = (armcd, arm) if data.first_dose is not None else NOT_TREATED
        dead = data.survival_status == "dead"
        table.add(
            {
                "STUDYID": source.studyid,
                "DOMAIN": "DM",
                "USUBJID": s.usubjid,
                "SUBJID": s.book.subject_code,
                "SITEID": s.row.site,
                "RFSTDTC": source.dtc(data.first_dose),
                "RFXSTDTC": source.dtc(data.first_dose),
                "RFXENDTC": source.dtc(data.date("treatment", "last_dose_date")),
                "DTHDTC": source.dtc(data.value("survival", "death_date")),
                "DTHFL": "Y" if dead else "",
                "AGE": age(data),
                "AGEU": "YEARS",
                "SEX": submission("sex", data.value("demographics", "sex")),
                "ARMCD": armcd,
                "ARM": arm,
                "ACTARMCD": actual[0],
                "ACTARM": actual[1],
                "COUNTRY": "CHN",
            }
        )
    return table
