"""Dosing inputs as abstracted from the chart: initial dose, cycle starts, dose changes.

Dates mean (the convention every dosing rule follows):

- ``DosingHistory.first_dose`` is day 1 and the start of cycle 1.
- ``CycleStart.start`` is day 1 of that cycle; ``dosing_end`` its last dosed day
  (inclusive). ``daily_dose_mg`` is the dose the cycle starts at, ``None`` to carry on
  the current dose.
- ``DoseChange.on`` is the first day of the new regimen: a reduction dated day 10 means
  days 1-9 at the old dose and day 10 onwards at the new one; an interruption dated
  day 10 means no drug from day 10 until a re-start.
- ``DosingHistory.discontinued_on`` is the last day on treatment (dosed if it falls in
  a dosing window); nothing is dosed after it. To record that no dose was taken on that
  day, enter an interruption dated that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

ChangeMethod = Literal["reduction", "escalation", "interruption", "restart"]


@dataclass(frozen=True, slots=True)
class CycleStart:
    """Day 1 of a 28-day cycle."""

    number: int
    start: date
    daily_dose_mg: float | None
    dosing_end: date | None  # last day dosed in this cycle


@dataclass(frozen=True, slots=True)
class DoseChange:
    """A dated change of daily dose; ``None`` dose for interruptions and same-dose re-starts."""

    on: date
    method: ChangeMethod
    new_daily_dose_mg: float | None


@dataclass(frozen=True, slots=True)
class DosingHistory:
    """Everything recorded about one patient's regorafenib dosing."""

    subject: str
    first_dose: date
    initial_daily_dose_mg: float | None
    cycles: tuple[CycleStart, ...]
    changes: tuple[DoseChange, ...]
    discontinued_on: date | None
