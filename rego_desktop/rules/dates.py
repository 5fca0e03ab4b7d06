"""Day counting shared by the CRF, the dose calendar and the endpoints.

Conventions (those of CDISC ADaM and the R/SAS oncology analyses built on it):

- **Study day**: the first dose is day 1, the day after it day 2; the day before it is
  day -1. There is no day 0 (ADaM ``ADY``).
- **Durations are inclusive**: a treatment from 2024-03-01 to 2024-03-01 lasted 1 day,
  so ``duration = end - start + 1`` (ADaM ``AVAL = ADT - STARTDT + 1``). The endpoints
  use the same count, measured from the first dose.
- **Age** is completed years. Someone born on 29 February turns a year older on
  1 March in non-leap years (the day after 28 February), the usual legal convention.
"""

from __future__ import annotations

from datetime import date


def age_at(birth: date, on: date) -> int:
    """Completed years of age on ``on``."""
    if on < birth:
        raise ValueError(f"date {on.isoformat()} is before the date of birth")
    had_birthday = (on.month, on.day) >= (birth.month, birth.day)
    return on.year - birth.year - (0 if had_birthday else 1)


def duration_days(start: date, end: date) -> int:
    """Inclusive length in days: both the start and the end day count."""
    if end < start:
        raise ValueError(
            f"end {end.isoformat()} is before start {start.isoformat()}; "
            "the end must be on or after the start"
        )
    return (end - start).days + 1


def study_day(on: date, first_dose: date) -> int:
    """Study day of ``on`` relative to day 1 = ``first_dose``; no day 0."""
    offset = (on - first_dose).days
    return offset + 1 if offset >= 0 else offset
