"""A complete, label-conformant casebook to start test cases from, and edits to it.

Day 1 (first dose) is 2024-01-10. Four 28-day cycles on the label schedule (days 1-21
dosed at 160 mg), progression on 2024-04-10 (treatment stopped that day), death on
2024-09-15. Every check finds nothing in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rego_desktop.casebook import Casebook, Entry
from rego_desktop.study import CURRENT
from rego_desktop.study.values import Quantity, Value

D = dt.date
FIRST = D(2024, 1, 10)
TODAY = D(2025, 1, 1)
STAMP = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)


def day(n: int) -> dt.date:
    """Study day ``n`` (day 1 = first dose)."""
    return FIRST + dt.timedelta(days=n - 1)


def liver(on: dt.date, **overrides: Value) -> dict[str, Value]:
    values: dict[str, Value] = {
        "liver_date": on,
        "bilirubin": Quantity(1.0, "mg/dL"),
        "albumin": Quantity(38.0, "g/L"),
        "inr": 1.1,
        "alt": 40.0,
        "ast": 45.0,
        "ascites": "none",
        "encephalopathy": "none",
    }
    values.update(overrides)
    return values


def cycle(
    number: int, start_day: int, last_day: int, dose: float | None = 160.0
) -> dict[str, Value]:
    values: dict[str, Value] = {
        "cycle_number": number,
        "start_date": day(start_day),
        "dosing_end_date": day(last_day),
        "ecog": 1,
        **liver(day(start_day) - dt.timedelta(days=2)),
    }
    if dose is not None:
        values["daily_dose"] = dose
    return values


def label_cycles(count: int) -> list[dict[str, Value]]:
    return [cycle(k, 28 * (k - 1) + 1, 28 * (k - 1) + 21) for k in range(1, count + 1)]


def change(
    on_day: int, method: str, dose: float | None = None, reason: str = "adverse_event"
) -> dict[str, Value]:
    values: dict[str, Value] = {"change_date": day(on_day), "method": method, "reason": reason}
    if dose is not None:
        values["new_daily_dose"] = dose
    return values


def clean_forms() -> dict[str, list[dict[str, Value]]]:
    cycles = label_cycles(4)
    cycles[3]["dosing_end_date"] = D(2024, 4, 10)  # cycle 4 starts 2024-04-03
    return {
        "eligibility": [
            {
                "inc_age_18": "yes",
                "inc_hcc_diagnosed": "yes",
                "inc_bclc_b_c": "yes",
                "inc_regorafenib_dose": "yes",
                "inc_chart_available": "yes",
                "exc_interventional_trial": "no",
                "exc_other_malignancy": "no",
            }
        ],
        "identification": [
            {
                "full_name": "王伟",
                "hospital_record_number": "ZY123456",
                "date_of_birth": D(1960, 5, 1),
            }
        ],
        "demographics": [{"sex": "male", "height": 170.0, "weight": 65.0, "ecog": 1}],
        "hcc_history": [
            {
                "diagnosis_basis": "clinical",
                "hcc_diagnosis_date": D(2022, 3, 1),
                "advanced_diagnosis_date": D(2023, 1, 15),
                "aetiology": ("hbv",),
                "cirrhosis": "yes",
            }
        ],
        "medical_history": [
            {"condition": "hypertension", "start_date": D(2015, 1, 1), "ongoing": "yes"}
        ],
        "primary_tumour": [
            {
                "tumour_site": "right_lobe",
                "lesion_count": "2",
                "largest_diameter": Quantity(45.0, "mm"),
                "macrovascular_invasion": "no",
                "extrahepatic_spread": "yes",
                "bclc_stage": "C",
                "afp": Quantity(350.0, "ng/mL"),
            }
        ],
        "prior_treatments": [
            {
                "regimen": "sorafenib",
                "line": 1,
                "start_date": D(2023, 2, 1),
                "end_date": D(2023, 12, 20),
                "best_response": "PD",
                "reason_stopped": "progression",
            }
        ],
        "baseline_liver": [liver(D(2024, 1, 5))],
        "lab_tests": [
            {
                "sample_date": D(2024, 1, 5),
                "haemoglobin": Quantity(125.0, "g/L"),
                "platelets": 150.0,
                "creatinine": Quantity(80.0, "umol/L"),
            }
        ],
        "baseline_imaging": [
            {
                "scan_date": D(2024, 1, 3),
                "modality": ("ct",),
                "measurable_lesion": "yes",
                "metastases": "yes",
                "metastatic_sites": ("lung",),
            }
        ],
        "treatment": [
            {
                "first_dose_date": FIRST,
                "initial_daily_dose": 160.0,
                "treatment_status": "discontinued",
                "last_dose_date": D(2024, 4, 10),
                "discontinuation_reason": "progression",
            }
        ],
        "cycles": cycles,
        "dose_changes": [],
        "response_assessments": [
            {
                "assessment_date": D(2024, 2, 28),
                "imaging_date": D(2024, 2, 26),
                "modality": "ct",
                "criteria": "recist_1_1",
                "overall_response": "SD",
                "new_lesions": "no",
            },
            {
                "assessment_date": D(2024, 4, 10),
                "imaging_date": D(2024, 4, 8),
                "modality": "ct",
                "criteria": "recist_1_1",
                "overall_response": "PD",
                "new_lesions": "yes",
            },
        ],
        "adverse_events": [
            {
                "term": "ppes",
                "grade": 2,
                "onset_date": D(2024, 1, 25),
                "resolution_date": D(2024, 2, 10),
                "serious": "no",
                "relation": "probable",
                "action": "none",
                "outcome": "recovered",
            }
        ],
        "progression": [
            {
                "progressed": "yes",
                "progression_date": D(2024, 4, 10),
                "pattern": ("intrahepatic_growth",),
            }
        ],
        "subsequent_treatments": [
            {"regimen": "lenvatinib", "start_date": D(2024, 4, 20), "best_response": "SD"}
        ],
        "survival": [
            {
                "status": "dead",
                "last_follow_up_date": D(2024, 8, 1),
                "death_date": D(2024, 9, 15),
                "death_cause": "progression",
            }
        ],
    }


Edit = Callable[[dict[str, list[dict[str, Value]]]], None]


def put(form: str, index: int = 0, **values: Any) -> Edit:
    """Set (or with ``None`` clear) values of one record."""

    def edit(forms: dict[str, list[dict[str, Value]]]) -> None:
        record = forms[form][index]
        for key, value in values.items():
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value

    return edit


def add(form: str, values: dict[str, Value]) -> Edit:
    def edit(forms: dict[str, list[dict[str, Value]]]) -> None:
        forms.setdefault(form, []).append(dict(values))

    return edit


def drop(form: str, index: int | None = None) -> Edit:
    """Remove one entry, or with ``index=None`` the whole form."""

    def edit(forms: dict[str, list[dict[str, Value]]]) -> None:
        if index is None:
            forms.pop(form, None)
        else:
            del forms[form][index]

    return edit


def replace(form: str, records: list[dict[str, Value]]) -> Edit:
    def edit(forms: dict[str, list[dict[str, Value]]]) -> None:
        forms[form] = [dict(r) for r in records]

    return edit


@dataclass
class Built:
    book: Casebook
    uids: dict[str, list[str]] = field(default_factory=dict)


def build(*edits: Edit, subject: str = "BJ01-0007") -> Casebook:
    forms = clean_forms()
    for edit in edits:
        edit(forms)
    return casebook(forms, subject=subject)


def casebook(forms: dict[str, list[dict[str, Value]]], subject: str = "BJ01-0007") -> Casebook:
    book = Casebook(CURRENT, subject, "p" * 32, False)
    for form_id, records in forms.items():
        repeating = CURRENT.form(form_id).repeating
        book.entries[form_id] = [
            Entry(f"{form_id[:6]}{index:02d}" if repeating else "", 1, dict(values), STAMP)
            for index, values in enumerate(records)
        ]
    return book


def uid(form_id: str, index: int) -> str:
    """The item uid :func:`casebook` gives the ``index``-th entry of a repeating form."""
    return f"{form_id[:6]}{index:02d}"
