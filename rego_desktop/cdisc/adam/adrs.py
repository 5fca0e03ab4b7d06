"""ADRS: best overall response per treated patient, the rows of the workbook's ADRS
sheet (:func:`rego_desktop.workbooks.adam.adrs_rows`)."""

from __future__ import annotations

from rego_desktop.cdisc.adam.keys import ADSL_KEYS
from rego_desktop.cdisc.source import Source
from rego_desktop.cdisc.table import Column, Origin, Table
from rego_desktop.workbooks.adam import ADRS_HEADER, adrs_rows


def _columns() -> tuple[Column, ...]:
    d: Origin = "Derived"
    return (
        *ADSL_KEYS,
        Column(
            "PARAMCD", "Parameter Code", origin="Assigned", derivation='"BOR"', label_zh="参数代码"
        ),
        Column("PARAM", "Parameter", origin="Assigned", label_zh="参数"),
        Column(
            "AVALC",
            "Analysis Value (C)",
            origin=d,
            codelist="RSRESP",
            derivation="Best overall response over the assessments after day 1 (SD "
            "counts from 6 weeks); blank when none",
            label_zh="分析值（字符）",
        ),
        Column(
            "AVAL",
            "Analysis Value",
            "num",
            origin=d,
            derivation="1 CR, 2 PR, 3 SD, 4 PD, 5 NE",
            label_zh="分析值",
        ),
        Column(
            "ADT",
            "Analysis Date",
            "num",
            origin=d,
            date=True,
            derivation="Date the best response was first seen; missing when de-identified",
            label_zh="分析日期",
        ),
        Column(
            "ADY",
            "Analysis Relative Day",
            "num",
            origin=d,
            derivation="Study day of ADT",
            label_zh="分析相对日",
        ),
        Column(
            "RESPFL",
            "Responder Flag",
            origin=d,
            codelist="NY",
            derivation="Y for CR or PR",
            label_zh="缓解者标志",
        ),
        Column(
            "DCRFL",
            "Disease Control Flag",
            origin=d,
            codelist="NY",
            derivation="Y for CR, PR or SD",
            label_zh="疾病控制标志",
        ),
        Column(
            "REASND",
            "Reason Not Done",
            origin=d,
            derivation="Why no best response could be derived (no assessment after day 1)",
            label_zh="未做原因",
        ),
    )


def build(source: Source) -> Table:
    table = Table(
        "ADRS",
        "Response Analysis Dataset",
        "ADaM",
        "BASIC DATA STRUCTURE",
        "One record per subject per parameter",
        ("STUDYID", "USUBJID", "PARAMCD"),
        _columns(),
    )
    at = {name: i for i, name in enumerate(ADRS_HEADER)}
    for s in source.subjects:
        for row in adrs_rows(s.data):
            table.add(
                {
                    "STUDYID": source.studyid,
                    "USUBJID": s.usubjid,
                    "SITEID": row[at["SITEID"]],
                    "ELIGFL": row[at["ELIGFL"]],
                    "ANL01FL": "Y" if s.row.analysed else "N",
                    "PARAMCD": row[at["PARAMCD"]],
                    "PARAM": row[at["PARAM"]],
                    "AVALC": row[at["AVALC"]],
                    "AVAL": row[at["AVAL"]],
                    "ADT": source.date(row[at["ADT"]]),
                    "ADY": row[at["ADY"]],
                    "RESPFL": row[at["RESPFL"]],
                    "DCRFL": row[at["DCRFL"]],
                    "REASND": row[at["REASND"]],
                }
            )
    return table
