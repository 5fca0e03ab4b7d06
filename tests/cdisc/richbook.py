"""One casebook holding every kind of value the CDISC package maps: labs in other than
the canonical unit and recorded as not done or unknown, partial dates in medical
history, treatments and adverse events, prior and subsequent treatments.

Day 1 (first dose) is 2024-01-10 (``tests.analysis.builders``); death on day 100
(2024-04-18); treatment ongoing (no last dose).
"""

from __future__ import annotations

import datetime as dt

from rego_desktop.casebook import Casebook, Entry
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import MissingReason
from rego_desktop.study.values import Missing, Quantity, Value
from tests.analysis.builders import STAMP, Patient, casebook, day

SUBJECT = "BJ01-0100"
ND, UNK = Missing(MissingReason.NOT_DONE), Missing(MissingReason.UNKNOWN)


def _entry(uid: str, values: dict[str, Value]) -> Entry:
    return Entry(uid, 1, values, STAMP)


def rich_casebook(*, locked: bool = False) -> Casebook:
    book = casebook(
        Patient(
            SUBJECT,
            cycles=[(1, 21, 160.0)],
            assessments=[(56, "PR")],
            status="dead",
            death_day=100,
            last_follow_up_day=95,
        )
    )
    book.locked = locked
    first_cycle = book.entries["cycles"][0]
    book.entries["cycles"][0] = _entry(
        first_cycle.item_uid,
        {
            **first_cycle.values,
            "cycle_number": 1,
            "haemoglobin": Quantity(12.5, "g/dL"),
            "platelets": 150.0,
        },
    )
    book.entries["baseline_liver"] = [
        _entry(
            "",
            {
                "liver_date": day(-3),
                "bilirubin": Quantity(2.0, "mg/dL"),
                "albumin": ND,
                "inr": 1.1,
                "alt": 40.0,
                "ast": UNK,
            },
        )
    ]
    book.entries["lab_tests"] = [
        _entry(
            "lab-1",
            {
                "sample_date": day(30),
                "creatinine": Quantity(1.0, "mg/dL"),
                "afp": Quantity(121.0, "IU/mL"),
                "pivka_ii": 40.0,
            },
        )
    ]
    book.entries["primary_tumour"] = [_entry("", {"afp": 400.0})]
    book.entries["medical_history"] = [
        _entry(
            "mh-1",
            {"condition": "diabetes", "start_date": PartialDate(2019, 5), "ongoing": "yes"},
        ),
        _entry(
            "mh-2",
            {
                "condition": "hypertension",
                "start_date": PartialDate(2015),
                "ongoing": "no",
                "end_date": dt.date(2020, 1, 1),
            },
        ),
    ]
    book.entries["hcc_history"] = [
        _entry(
            "",
            {
                "diagnosis_basis": "histology",
                "hcc_diagnosis_date": PartialDate(2023, 3),
                "advanced_diagnosis_date": dt.date(2023, 10, 1),
                "aetiology": ("hbv", "alcohol"),
                "cirrhosis": UNK,
            },
        )
    ]
    book.entries["prior_treatments"] = [
        _entry(
            "pt-1",
            {
                "regimen": "sorafenib",
                "line": 1,
                "start_date": dt.date(2023, 10, 5),
                "end_date": PartialDate(2023, 12),
                "best_response": "PD",
            },
        )
    ]
    book.entries["subsequent_treatments"] = [
        _entry(
            "st-1",
            {"regimen": "lenvatinib", "start_date": day(60), "dose": 8.0, "dose_unit": "mg"},
        )
    ]
    book.entries["adverse_events"] = [
        # Onset in the month of the first dose: imputed to the first dose (D).
        _entry(
            "ae-1",
            {
                "term": "ppes",
                "grade": 1,
                "onset_date": PartialDate(2024, 1),
                "resolution_date": PartialDate(2024, 4),
            },
        ),
        _entry("ae-2", {"term": "ppes", "grade": 3, "onset_date": day(20)}),
        # Only the year: the first of the year, but not before the first dose (M).
        _entry("ae-3", {"term": "hypertension", "grade": 2, "onset_date": PartialDate(2024)}),
        # Before the first dose: not treatment-emergent.
        _entry("ae-4", {"term": "diarrhea", "grade": 2, "onset_date": day(-5)}),
        _entry("ae-5", {"term": "other", "grade": 1, "onset_date": day(40)}),
    ]
    return book
