"""Casebooks with just the forms the analysis reads, described in study days.

Day 1 (the first dose) is 2024-01-10 for every patient; ``day(n)`` is study day n.
A patient is described by a :class:`Patient` (dates as study days, doses in mg/day)
and turned into a :class:`~rego_desktop.casebook.Casebook` by :func:`casebook`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rego_desktop.casebook import Casebook, Entry
from rego_desktop.study import CURRENT
from rego_desktop.study.values import Value

FIRST = dt.date(2024, 1, 10)
STAMP = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)

CRITERIA_MET: dict[str, Value] = {
    "inc_age_18": "yes",
    "inc_hcc_diagnosed": "yes",
    "inc_bclc_b_c": "yes",
    "inc_regorafenib_dose": "yes",
    "inc_chart_available": "yes",
    "exc_interventional_trial": "no",
    "exc_other_malignancy": "no",
}


def day(n: int) -> dt.date:
    """Study day ``n`` (day 1 = first dose)."""
    return FIRST + dt.timedelta(days=n - 1)


@dataclass
class Patient:
    """One patient in study days; ``None`` leaves the form (or the value) out."""

    subject: str
    eligibility: dict[str, Value] = field(default_factory=lambda: dict(CRITERIA_MET))
    treated: bool = True
    initial_dose: float | None = 160.0
    # (start day, last dosed day, dose at start or None); cycle numbers follow the order
    cycles: list[tuple[int, int, float | None]] = field(default_factory=list)
    # (day, method, new dose or None)
    changes: list[tuple[int, str, float | None]] = field(default_factory=list)
    assessments: list[tuple[int, str]] = field(default_factory=list)  # (day, response)
    adverse_events: list[tuple[str, int]] = field(default_factory=list)  # (term, grade)
    progression_day: int | None = None
    progression_form: bool = True
    status: str | None = None  # alive, dead, lost; None = no survival form
    death_day: int | None = None
    last_follow_up_day: int | None = None


def _entries(form_id: str, values: list[dict[str, Value]]) -> list[Entry]:
    repeating = CURRENT.form(form_id).repeating
    return [Entry(f"{form_id}-{i}" if repeating else "", 1, v, STAMP) for i, v in enumerate(values)]


def casebook(p: Patient) -> Casebook:
    forms: dict[str, list[dict[str, Value]]] = {"eligibility": [p.eligibility]}
    if p.treated:
        treatment: dict[str, Value] = {"first_dose_date": FIRST, "treatment_status": "ongoing"}
        if p.initial_dose is not None:
            treatment["initial_daily_dose"] = p.initial_dose
        forms["treatment"] = [treatment]
        cycles: list[dict[str, Value]] = []
        for number, (start, last, dose) in enumerate(p.cycles, start=1):
            cycle: dict[str, Value] = {
                "cycle_number": number,
                "start_date": day(start),
                "dosing_end_date": day(last),
            }
            if dose is not None:
                cycle["daily_dose"] = dose
            cycles.append(cycle)
        forms["cycles"] = cycles
        changes: list[dict[str, Value]] = []
        for on, method, new_dose in p.changes:
            change: dict[str, Value] = {
                "change_date": day(on),
                "method": method,
                "reason": "adverse_event",
            }
            if new_dose is not None:
                change["new_daily_dose"] = new_dose
            changes.append(change)
        forms["dose_changes"] = changes
        forms["response_assessments"] = [
            {"assessment_date": day(on), "overall_response": response}
            for on, response in p.assessments
        ]
        forms["adverse_events"] = [
            {"term": term, "grade": grade, "onset_date": day(2 + i)}
            for i, (term, grade) in enumerate(p.adverse_events)
        ]
        if p.progression_form:
            progression: dict[str, Value] = {
                "progressed": "yes" if p.progression_day is not None else "no"
            }
            if p.progression_day is not None:
                progression["progression_date"] = day(p.progression_day)
            forms["progression"] = [progression]
        if p.status is not None:
            survival: dict[str, Value] = {"status": p.status}
            if p.last_follow_up_day is not None:
                survival["last_follow_up_date"] = day(p.last_follow_up_day)
            if p.death_day is not None:
                survival["death_date"] = day(p.death_day)
            forms["survival"] = [survival]
    entries = {form_id: _entries(form_id, values) for form_id, values in forms.items() if values}
    return Casebook(CURRENT, p.subject, f"uid-{p.subject}", False, entries)
