"""The EPOCH of a date: screening before day 1, treatment to the last dose, follow-up after."""

from __future__ import annotations

import datetime as dt

from rego_desktop.cdisc.source import Subject


def epoch(subject: Subject, on: object) -> str:
    first = subject.data.first_dose
    if not isinstance(on, dt.date):
        return ""
    if first is None or on < first:
        return "SCREENING"
    last = subject.data.date("treatment", "last_dose_date")
    if last is not None and on > last:
        return "FOLLOW-UP"
    return "TREATMENT"
