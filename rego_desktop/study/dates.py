"""Dates as charts give them: complete, or known only to the month or the year.

A :class:`PartialDate` is kept exactly as it was written ("2019", "2021-05"); what a
derivation does with it is decided once, in :mod:`rego_desktop.rules.imputation`.
This module holds only the value, so the study definition's value layer
(:mod:`rego_desktop.study.values`) can parse, check, store and show it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

# What imputing a day for a date imputes (ADaM ``*DTF``).
NO_FLAG: Final = ""
DAY_IMPUTED: Final = "D"
MONTH_IMPUTED: Final = "M"

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day (``month``/``day`` None when
    unknown; a day is only known with its month)."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day without a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is not 1-12")
        if self.day is not None:
            dt.date(self.year, self.month or 1, self.day)  # raises for 2023-02-30

    @classmethod
    def of(cls, date: dt.date) -> PartialDate:
        return cls(date.year, date.month, date.day)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """``YYYY``, ``YYYY-MM`` (or ``YYYY-M``) or a full ISO date."""
        raw = text.strip()
        match = _PARTIAL.match(raw)
        if match is not None:
            month = int(match.group(2)) if match.group(2) else None
            return cls(int(match.group(1)), month)
        return cls.of(dt.date.fromisoformat(raw))

    @property
    def complete(self) -> bool:
        return self.day is not None

    @property
    def first(self) -> dt.date:
        """The first day of the period the date may be in."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last(self) -> dt.date:
        """The last day of the period the date may be in."""
        if self.day is not None and self.month is not None:
            return dt.date(self.year, self.month, self.day)
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def flag(self) -> str:
        """What imputing a day for this date imputes (ADaM ``*DTF``)."""
        if self.day is not None:
            return NO_FLAG
        return DAY_IMPUTED if self.month is not None else MONTH_IMPUTED

    def isoformat(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return self.first.isoformat()

    def contains(self, date: dt.date) -> bool:
        return self.first <= date <= self.last


@dataclass(frozen=True)
class DatePeriod:
    """A partial date known only as the days it may lie in: what a :class:`PartialDate`
    becomes when dates are shifted to study days (the transfer file, the center), where
    calendar months no longer exist. ``flag`` keeps what was unknown ("D" day, "M"
    month), so imputing it gives the same date and flag as at the site."""

    first: dt.date
    last: dt.date
    flag: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period that ends before it starts")
        if self.flag not in (DAY_IMPUTED, MONTH_IMPUTED):
            raise ValueError(f"unknown imputation flag {self.flag!r}")
        longest = 31 if self.flag == DAY_IMPUTED else 366
        if (self.last - self.first).days + 1 > longest:
            raise ValueError(f"a period of {(self.last - self.first).days + 1} days")

    @property
    def complete(self) -> bool:
        return False

    def contains(self, date: dt.date) -> bool:
        return self.first <= date <= self.last

    def isoformat(self) -> str:
        """An ISO 8601 interval: ``2000-03-01/2000-03-31``."""
        return f"{self.first.isoformat()}/{self.last.isoformat()}"


def period_of(value: PartialDate) -> DatePeriod:
    """The days a partial date may lie in."""
    return DatePeriod(value.first, value.last, value.flag)


Period = PartialDate | DatePeriod
"""A date known only to a period: as written (site) or as study days (center)."""
