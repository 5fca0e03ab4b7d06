"""CDISC ADaM-style analysis sheets: ADTTE (time to event) and ADRS (best response).

Both come from the derivations of :mod:`rego_desktop.derive` (the same OS, PFS, TTP
and best overall response the GUI, PDF and analysis show); nothing is re-derived here.

ADTTE: one row per patient and parameter (``OS``, ``PFS``, ``TTP``) that can be
computed. ``AVAL`` is days from day 1 (first dose) counted as in ADaM
(``ADT - STARTDT + 1``), ``CNSR`` 0 = event, 1 = censored; ``EVNTDESC`` / ``CNSDTDSC``
say what the date is. ``ELIGFL`` is the eligibility flag (Y, N, blank when the
criteria are not all answered): the analysis population is the eligible treated
patients.

ADRS: one row per patient with a first dose, ``PARAMCD`` = ``BOR``. ``AVALC`` is the
best overall response (CR, PR, SD, PD, NE), ``AVAL`` its ADaM rank code (1 = CR ...
5 = NE), ``ADT``/``ADY`` the date and study day it was first seen; ``AVALC`` is blank
when there is no assessment after the first dose and ``REASND`` says why (ORR and DCR
then count the patient as a non-responder).
"""

from __future__ import annotations

from typing import Any, Final

from rego_desktop.derive import Computed, NotComputable, PatientData, eligible
from rego_desktop.rules.time_to_event import TimeToEvent
from rego_desktop.workbooks.sheets import Sheet

ADTTE_HEADER: Final = [
    "STUDYID",
    "USUBJID",
    "SITEID",
    "ELIGFL",
    "PARAMCD",
    "PARAM",
    "STARTDT",
    "ADT",
    "AVAL",
    "AVALU",
    "CNSR",
    "EVNTDESC",
    "CNSDTDSC",
]
ADRS_HEADER: Final = [
    "STUDYID",
    "USUBJID",
    "SITEID",
    "ELIGFL",
    "PARAMCD",
    "PARAM",
    "AVALC",
    "AVAL",
    "ADT",
    "ADY",
    "RESPFL",
    "DCRFL",
    "REASND",
]
PARAMS: Final = (
    ("OS", "Overall survival (days)"),
    ("PFS", "Progression-free survival (days)"),
    ("TTP", "Time to progression (days)"),
)
BASIS_TEXT: Final = {
    "death": "Death",
    "progression": "Disease progression",
    "last_follow_up": "Last follow-up",
    "last_assessment": "Last tumour assessment",
}
RESPONSE_CODE: Final = {"CR": 1, "PR": 2, "SD": 3, "PD": 4, "NE": 5}


def site_of(subject_code: str) -> str:
    return subject_code.split("-", 1)[0]


def eligibility_flag(data: PatientData) -> str:
    result = eligible(data)
    if isinstance(result, NotComputable):
        return ""
    return "Y" if result.value else "N"


def adtte_rows(data: PatientData) -> list[list[Any]]:
    first = data.first_dose
    if first is None:
        return []
    endpoints = data.endpoints
    flag = eligibility_flag(data)
    rows = []
    for (code, name), result in zip(
        PARAMS, (endpoints.os, endpoints.pfs, endpoints.ttp), strict=True
    ):
        if not isinstance(result, Computed):
            continue
        event: TimeToEvent = result.value
        text = BASIS_TEXT[event.basis]
        rows.append(
            [
                data.definition.id,
                data.subject,
                site_of(data.subject),
                flag,
                code,
                name,
                first,
                event.on,
                event.days,
                "DAYS",
                0 if event.event else 1,
                text if event.event else "",
                "" if event.event else text,
            ]
        )
    return rows


def adrs_rows(data: PatientData) -> list[list[Any]]:
    if data.first_dose is None:
        return []
    best = data.best_response
    row: list[Any] = [
        data.definition.id,
        data.subject,
        site_of(data.subject),
        eligibility_flag(data),
        "BOR",
        "Best overall response",
    ]
    if isinstance(best, NotComputable):
        return [[*row, "", None, None, None, "N", "N", "no " + ", ".join(best.missing)]]
    value = best.value
    responder = "Y" if value.response in ("CR", "PR") else "N"
    controlled = "Y" if value.response in ("CR", "PR", "SD") else "N"
    code = RESPONSE_CODE[value.response]
    return [[*row, value.response, code, value.first_on, value.days_from_first_dose,
             responder, controlled, ""]]  # fmt: skip


class Analysis:
    """Accumulates ADTTE and ADRS rows over many patients."""

    def __init__(self) -> None:
        self.adtte: list[list[Any]] = []
        self.adrs: list[list[Any]] = []

    def add(self, data: PatientData) -> None:
        self.adtte.extend(adtte_rows(data))
        self.adrs.extend(adrs_rows(data))

    def sheets(self) -> list[Sheet]:
        return [
            Sheet("ADTTE", list(ADTTE_HEADER), self.adtte),
            Sheet("ADRS", list(ADRS_HEADER), self.adrs),
        ]
