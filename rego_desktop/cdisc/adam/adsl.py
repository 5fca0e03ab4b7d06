"""ADSL: one row per enrolled patient, from the analysis rows of
:mod:`rego_desktop.analysis` (the same populations, dose measures and best response the
endpoint summary uses)."""

from __future__ import annotations

from rego_desktop.cdisc.adam.keys import STUDYID, USUBJID
from rego_desktop.cdisc.sdtm.dm import age
from rego_desktop.cdisc.source import Source
from rego_desktop.cdisc.table import Column, Origin, Table
from rego_desktop.cdisc.terminology import submission
from rego_desktop.workbooks.adam import eligibility_flag

ANALYSIS = "rego_desktop.analysis (analysis row)"


def _flag(value: bool) -> str:
    return "Y" if value else "N"


def _columns() -> tuple[Column, ...]:
    derived: Origin = "Derived"
    return (
        STUDYID,
        USUBJID,
        Column(
            "SUBJID",
            "Subject Identifier for the Study",
            origin="Predecessor",
            source="DM.SUBJID",
            label_zh="研究内受试者标识符",
        ),
        Column(
            "SITEID",
            "Study Site Identifier",
            origin="Predecessor",
            source="DM.SITEID",
            label_zh="研究中心标识符",
        ),
        Column("AGE", "Age", "num", origin="Predecessor", source="DM.AGE", label_zh="年龄"),
        Column(
            "AGEU",
            "Age Units",
            origin="Predecessor",
            source="DM.AGEU",
            codelist="AGEU",
            label_zh="年龄单位",
        ),
        Column(
            "SEX", "Sex", origin="Predecessor", source="DM.SEX", codelist="SEX", label_zh="性别"
        ),
        Column(
            "TRT01P",
            "Planned Treatment for Period 01",
            origin="Assigned",
            label_zh="第01期计划治疗",
        ),
        Column(
            "TRT01A",
            "Actual Treatment for Period 01",
            origin=derived,
            derivation="REGORAFENIB when a first dose is recorded",
            label_zh="第01期实际治疗",
        ),
        Column(
            "TRTSDT",
            "Date of First Exposure to Treatment",
            "num",
            origin=derived,
            source="treatment.first_dose_date",
            date=True,
            derivation="Index date (day 1); missing when de-identified",
            label_zh="首次治疗暴露日期",
        ),
        Column(
            "TRTEDT",
            "Date of Last Exposure to Treatment",
            "num",
            origin=derived,
            source="treatment.last_dose_date",
            date=True,
            derivation="Last dose date; missing when de-identified",
            label_zh="末次治疗暴露日期",
        ),
        Column(
            "ELIGFL",
            "Eligibility Flag",
            origin=derived,
            codelist="NY",
            derivation="Y when every inclusion criterion is yes and every exclusion no, "
            "N when one fails, blank when not all answered",
            label_zh="符合入选条件标志",
        ),
        Column(
            "SCRNFFL",
            "Screen Failure Flag",
            origin=derived,
            codelist="NY",
            derivation="Y when the analysis population is screen failure",
            label_zh="筛选失败标志",
        ),
        Column(
            "SAFFL",
            "Safety Population Flag",
            origin=derived,
            codelist="NY",
            derivation="Y when a first dose of regorafenib is recorded",
            label_zh="安全性分析集标志",
        ),
        Column(
            "ANL01FL",
            "Analysis Population Flag",
            origin=derived,
            codelist="NY",
            derivation="Y for the eligible treated patients (analysis row population "
            "analysed): the population of OS, PFS, TTP, ORR, DCR",
            label_zh="分析人群标志",
        ),
        Column(
            "CYCLES",
            "Number of Treatment Cycles",
            "num",
            origin=derived,
            derivation="Dosing summary: number of 28-day cycles",
            label_zh="治疗周期数",
        ),
        Column(
            "INITDOSE",
            "Initial Daily Dose (mg)",
            "num",
            origin=derived,
            source="treatment.initial_daily_dose",
            derivation="Dose history",
            label_zh="初始日剂量（mg）",
        ),
        Column(
            "RDI",
            "Relative Dose Intensity",
            "num",
            origin=derived,
            derivation="Actual dose / (160 mg x 21 days per planned cycle), a fraction",
            label_zh="相对剂量强度",
        ),
        Column(
            "NREDUC",
            "Number of Dose Reductions",
            "num",
            origin=derived,
            derivation="Dosing summary",
            label_zh="剂量下调次数",
        ),
        Column(
            "NINTRP",
            "Number of Dose Interruptions",
            "num",
            origin=derived,
            derivation="Dosing summary",
            label_zh="给药中断次数",
        ),
        Column(
            "BOR",
            "Best Overall Response",
            origin=derived,
            codelist="RSRESP",
            derivation="Best overall response (RECIST 1.1 / mRECIST, SD at least 6 "
            "weeks after day 1); blank when not assessed",
            label_zh="最佳总体疗效",
        ),
        Column(
            "DTHFL",
            "Subject Death Flag",
            origin=derived,
            codelist="NY",
            source="survival.status",
            derivation='"Y" when the survival status is dead',
            label_zh="受试者死亡标志",
        ),
        Column(
            "DTHDY",
            "Study Day of Death",
            "num",
            origin=derived,
            source="survival.death_date",
            derivation="Study day (day 1 = first dose)",
            label_zh="死亡的研究日",
        ),
    )


def build(source: Source) -> Table:
    table = Table(
        "ADSL",
        "Subject-Level Analysis Dataset",
        "ADaM",
        "SUBJECT LEVEL ANALYSIS DATASET",
        "One record per subject",
        ("STUDYID", "USUBJID"),
        _columns(),
    )
    for s in source.subjects:
        row, data = s.row, s.data
        dosing = row.dosing
        treated = data.first_dose is not None
        table.add(
            {
                "STUDYID": source.studyid,
                "USUBJID": s.usubjid,
                "SUBJID": s.book.subject_code,
                "SITEID": row.site,
                "AGE": age(data),
                "AGEU": "YEARS",
                "SEX": submission("sex", data.value("demographics", "sex")),
                "TRT01P": "REGORAFENIB",
                "TRT01A": "REGORAFENIB" if treated else "",
                "TRTSDT": source.date(data.first_dose),
                "TRTEDT": source.date(data.date("treatment", "last_dose_date")),
                "ELIGFL": eligibility_flag(data),
                "SCRNFFL": _flag(row.population == "screen_failure"),
                "SAFFL": _flag(treated),
                "ANL01FL": _flag(row.analysed),
                "CYCLES": dosing.cycles if dosing else None,
                "INITDOSE": dosing.initial_daily_dose_mg if dosing else None,
                "RDI": dosing.relative_dose_intensity if dosing else None,
                "NREDUC": dosing.reductions if dosing else None,
                "NINTRP": dosing.interruptions if dosing else None,
                "BOR": row.best_response or "",
                "DTHFL": "Y" if data.survival_status == "dead" else "",
                "DTHDY": source.day(data.death_date, s),
            }
        )
    return table
