"""Partial dates and the one rule set that imputes them (design.md section 8).

Charts abstracted after the fact often give a date without its day ("died in March
2024") or without its month ("diagnosed 2019"). Such a date is kept as it was
written, a :class:`PartialDate`, and every derivation that needs a day uses the
rules below, which also say what was imputed, as ADaM's ``ADTF``/``ASTDTF`` do:

- ``""``: nothing imputed (a complete date);
- ``"D"``: the day was imputed;
- ``"M"``: the month and the day were imputed.

Start-type dates (an adverse event's onset, a treatment's start, a diagnosis) take
the first day of the unknown period, but never earlier than a known date they must
follow when that date falls inside the period: an adverse event that began in the
month of the first dose starts no earlier than the first dose.

End-type dates (a resolution, a treatment's end) take the last day of the period,
but never later than death or the last contact when that falls inside the period.

A death with an unknown day takes the later of the first day of the period and the
day after the last date the patient was known to be alive (when that is inside the
period).

Comparisons between partial dates (:func:`order`) are certain only when the two
periods do not overlap, so an edit check raises an error only when the order is
certainly wrong and a warning when it may be wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from rego_desktop.study.dates import (
    DAY_IMPUTED,
    MONTH_IMPUTED,
    NO_FLAG,
    DatePeriod,
    PartialDate,
    Period,
)

__all__ = [
    "DAY_IMPUTED",
    "MONTH_IMPUTED",
    "NO_FLAG",
    "DatePeriod",
    "Imputed",
    "Order",
    "PartialDate",
    "impute_death",
    "impute_end",
    "impute_start",
    "order",
]


@dataclass(frozen=True)
class Imputed:
    """A date to compute with, and what of it was imputed (``""``, ``"D"``, ``"M"``)."""

    date: dt.date
    flag: str = NO_FLAG

    @property
    def imputed(self) -> bool:
        return self.flag != NO_FLAG


def _as_partial(value: Period | dt.date) -> Period:
    return PartialDate.of(value) if isinstance(value, dt.date) else value


def impute_start(value: Period | dt.date, *, not_before: dt.date | None = None) -> Imputed:
    """A start-type date: the first day of its period, never earlier than ``not_before``
    (a known date it must follow) when that date lies inside the period."""
    date = _as_partial(value)
    if date.complete:
        return Imputed(date.first)
    chosen = date.first
    if not_before is not None and date.contains(not_before) and not_before > chosen:
        chosen = not_before
    return Imputed(chosen, date.flag)


def impute_end(value: Period | dt.date, *, not_after: dt.date | None = None) -> Imputed:
    """An end-type date: the last day of its period, never later than ``not_after``
    (death or the last contact) when that date lies inside the period."""
    date = _as_partial(value)
    if date.complete:
        return Imputed(date.first)
    chosen = date.last
    if not_after is not None and date.contains(not_after) and not_after < chosen:
        chosen = not_after
    return Imputed(chosen, date.flag)


def impute_death(value: Period | dt.date, *, last_alive: dt.date | None = None) -> Imputed:
    """A date of death: the later of the first day of its period and the day after the
    last date the patient was known alive, when that day lies inside the period."""
    date = _as_partial(value)
    if date.complete:
        return Imputed(date.first)
    chosen = date.first
    if last_alive is not None:
        after = last_alive + dt.timedelta(days=1)
        if date.contains(after) and after > chosen:
            chosen = after
    return Imputed(chosen, date.flag)


class Order(StrEnum):
    """How two dates that may be partial compare."""

    BEFORE = "before"  # certainly before
    AFTER = "after"  # certainly after
    SAME = "same"  # the same complete day
    UNCERTAIN = "uncertain"  # the periods overlap: either may be first


def order(a: Period | dt.date, b: Period | dt.date) -> Order:
    """Where ``a`` lies relative to ``b``: certain only when their periods do not overlap."""
    left, right = _as_partial(a), _as_partial(b)
    if left.last < right.first:
        return Order.BEFORE
    if left.first > right.last:
        return Order.AFTER
    if left.complete and right.complete:
        return Order.SAME
    return Order.UNCERTAIN
