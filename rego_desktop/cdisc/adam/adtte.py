"""ADTTE: OS, PFS and TTP per patient, the rows of the workbook's ADTTE sheet
(:func:`rego_desktop.workbooks.adam.adtte_rows`) with the analysis flag and the source
of each date: the Kaplan-Meier curves of the endpoint summary come from the same
times (``AVAL``, ``CNSR``) for the patients with ``ANL01FL`` = Y."""

from __future__ import annotations

from typing import Final

from rego_desktop.cdisc.adam.keys import ADSL_KEYS
from rego_desktop.cdisc.source import Source
from rego_desktop.cdisc.table import Column, Origin, Table
from rego_desktop.workbooks.adam import ADTTE_HEADER, BASIS_TEXT, adtte_rows

# What each date of a time to event is, and the SDTM/ADaM variable it comes from.
SOURCES: Final = {
    "Death": ("DM", "DTHDTC"),
    "Disease progression": ("CRF", "progression.progression_date"),
    "Last follow-up": ("CRF", "survival.last_follow_up_date"),
    "Last tumour assessment": ("RS", "RSDTC"),
}
assert set(SOURCES) == set(BASIS_TEXT.values())


def _columns() -> tuple[Column, ...]:
    d: Origin = "Derived"
    return (
        *ADSL_KEYS,
        Column(
            "PARAMCD",
            "Parameter Code",
            origin="Assigned",
            codelist="PARAMCD_TTE",
            label_zh="参数代码",
        ),
        Column("PARAM", "Parameter", origin="Assigned", label_zh="参数"),
        Column(
            "STARTDT",
            "Time-to-Event Origin Date for Subject",
            "num",
            origin=d,
            date=True,
            derivation="ADSL.TRTSDT (first dose); missing when de-identified",
            label_zh="受试者事件时间起点日期",
        ),
        Column(
            "ADT",
            "Analysis Date",
            "num",
            origin=d,
            date=True,
            derivation="Date of the event or of censoring (see EVNTDESC, CNSDTDSC); "
            "missing when de-identified",
            label_zh="分析日期",
        ),
        Column(
            "AVAL",
            "Analysis Value",
            "num",
            origin=d,
            derivation="ADT - STARTDT + 1 (days); OS to death, censored at last "
            "follow-up; PFS to progression or death, censored at last assessment; TTP to "
            "progression, deaths censored",
            label_zh="分析值",
        ),
        Column("AVALU", "Analysis Value Unit", origin="Assigned", label_zh="分析值单位"),
        Column(
            "CNSR", "Censor", "num", origin=d, derivation="0 event, 1 censored", label_zh="删失"
        ),
        Column(
            "EVNTDESC",
            "Event or Censoring Description",
            origin=d,
            derivation="What the event of the parameter was (death, disease progression); "
            "blank when censored",
            label_zh="事件或删失描述",
        ),
        Column(
            "CNSDTDSC",
            "Censor Date Description",
            origin=d,
            derivation="What the censoring date is (last follow-up, last tumour "
            "assessment); blank for an event",
            label_zh="删失日期描述",
        ),
        Column(
            "SRCDOM",
            "Source Data",
            origin=d,
            derivation="Domain (or CRF) the date of ADT comes from",
            label_zh="来源数据",
        ),
        Column(
            "SRCVAR",
            "Source Variable",
            origin=d,
            derivation="Variable (or CRF item) the date of ADT comes from",
            label_zh="来源变量",
        ),
    )


def build(source: Source) -> Table:
    table = Table(
        "ADTTE",
        "Time-to-Event Analysis Dataset",
        "ADaM",
        "BASIC DATA STRUCTURE",
        "One record per subject per parameter",
        ("STUDYID", "USUBJID", "PARAMCD"),
        _columns(),
    )
    at = {name: i for i, name in enumerate(ADTTE_HEADER)}
    for s in source.subjects:
        for row in adtte_rows(s.data):
            text = row[at["EVNTDESC"]] or row[at["CNSDTDSC"]]
            domain, variable = SOURCES[text]
            table.add(
                {
                    "STUDYID": source.studyid,
                    "USUBJID": s.usubjid,
                    "SITEID": row[at["SITEID"]],
                    "ELIGFL": row[at["ELIGFL"]],
                    "ANL01FL": "Y" if s.row.analysed else "N",
                    "PARAMCD": row[at["PARAMCD"]],
                    "PARAM": row[at["PARAM"]],
                    "STARTDT": source.date(row[at["STARTDT"]]),
                    "ADT": source.date(row[at["ADT"]]),
                    "AVAL": row[at["AVAL"]],
                    "AVALU": row[at["AVALU"]],
                    "CNSR": row[at["CNSR"]],
                    "EVNTDESC": row[at["EVNTDESC"]],
                    "CNSDTDSC": row[at["CNSDTDSC"]],
                    "SRCDOM": domain,
                    "SRCVAR": variable,
                }
            )
    return table
