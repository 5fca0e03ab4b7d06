"""CDISC ADaM-style analysis sheets: ADTTE (time to event) and ADRS (best response).

Both come from the derivations of :mod:`rego_desktop.derive` (the same OS, PFS, TTP
and best overall response the GUI, PDF and analysis show); nothing is re-derived here.

ADTTE: one row per patient and parameter (``OS``, ``PFS``, ``TTP``) that can be
computed. ``AVAL`` is days from day 1 (first dose) counted as in ADaM
(``ADT - STARTDT + 1``), ``CNSR`` 0 = event, 1 = censored; ``EVNTDESC`` / ``CNSDTDSC``
say what the date is. ``ADTF`` says what of ``ADT`` was imputed from a partial date
(``D`` the day, ``M`` the month and day; blank when the date is complete), by the
rules of :mod:`rego_desktop.rules.imputation`. ``ELIGFL`` is the eligibility flag (Y,
N, blank when the criteria are not all answered): the analysis population is the eligible treated
patients.

ADRS: one row per patient with a first dose, ``PARAMCD`` = ``BOR``. ``AVALC`` is the
best overall response (CR, PR, SD, PD, NE), ``AVAL`` its ADaM rank code (1 = CR ...
5 = NE), ``ADT``/``ADY`` the date and study day it was first seen; ``AVALC`` is blank
when there is no assessment after the first dose and ``REASND`` says why (ORR and DCR
then count the patient as a non-responder).

De-identified sheets (``days=True``, built from a de-identified view whose dates are
anchored and mean nothing) have no date columns: ``STARTDT`` and ``ADT`` are left out
and the study day ``ADY`` of ``ADT`` is given instead (in ADTTE it equals ``AVAL``).
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
    "ADTF",
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
AVAL_AT: Final = ADTTE_HEADER.index("AVAL")
DATE_COLUMNS: Final = ("STARTDT", "ADT")
"""Calendar-date columns, left out of de-identified sheets."""


def adtte_header(*, days: bool = False) -> list[str]:
    if not days:
        return list(ADTTE_HEADER)
    out = [c for c in ADTTE_HEADER if c not in DATE_COLUMNS]
    out.insert(out.index("AVAL"), "ADY")
    return out


def adrs_header(*, days: bool = False) -> list[str]:
    return [c for c in ADRS_HEADER if not (days and c in DATE_COLUMNS)]


def _without_dates(header: list[str], row: list[Any]) -> list[Any]:
    return [v for c, v in zip(header, row, strict=True) if c not in DATE_COLUMNS]


def _pick(header: list[str], values: dict[str, Any]) -> list[Any]:
    return [values[c] for c in header]


def site_of(subject_code: str) -> str:
    return subject_code.split("-", 1)[0]


def eligibility_flag(data: PatientData) -> str:
    result = eligible(data)
    if isinstance(result, NotComputable):
        return ""
    return "Y" if result.value else "N"


def adtte_rows(data: PatientData, *, days: bool = False) -> list[list[Any]]:
    """OS, PFS and TTP rows; ``days``: no calendar dates (de-identified sheets)."""
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
                event.flag,
                event.days,
                "DAYS",
                0 if event.event else 1,
                text if event.event else "",
                "" if event.event else text,
            ]
        )
    if days:  # ADY of ADT is AVAL (ADT - STARTDT + 1, and STARTDT is day 1)
        wanted = adtte_header(days=True)
        return [
            _pick(wanted, {**dict(zip(ADTTE_HEADER, r, strict=True)), "ADY": r[AVAL_AT]})
            for r in rows
        ]
    return rows


def adrs_rows(data: PatientData, *, days: bool = False) -> list[list[Any]]:
    """The best overall response row; ``days``: without the calendar date ``ADT``."""
    rows = _adrs_rows(data)
    return [_without_dates(ADRS_HEADER, r) for r in rows] if days else rows


def _adrs_rows(data: PatientData) -> list[list[Any]]:
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
    """Accumulates ADTTE and ADRS rows over many patients (``days``: de-identified)."""

    def __init__(self, *, days: bool = False) -> None:
        self.days = days
        self.adtte: list[list[Any]] = []
        self.adrs: list[list[Any]] = []

    def add(self, data: PatientData) -> None:
        self.adtte.extend(adtte_rows(data, days=self.days))
        self.adrs.extend(adrs_rows(data, days=self.days))

    def sheets(self) -> list[Sheet]:
        return [
            Sheet("ADTTE", adtte_header(days=self.days), self.adtte),
            Sheet("ADRS", adrs_header(days=self.days), self.adrs),
        ]
