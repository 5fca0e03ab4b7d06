"""Dates in de-identified data: study days, partial dates as periods of study days.

The transfer file carries no calendar date (design.md section 6). A complete date is
its study day (day 1 = the first dose; no day 0). A partial date ("2021-05", "2019")
becomes the study days it may lie in with what was unknown, ``{"days": [first, last],
"flag": "D"}`` ("D": the day, "M": the month and the day), so the center imputes it
with the same rules and flags as the site (:mod:`rego_desktop.rules.imputation`)
without learning the month. A recorded reason for a missing date stays its code,
``{"missing": "UNK"}``; it needs no first dose.

Payload version 2 introduced the two object forms; version 1 files hold integers only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

from rego_desktop.rules.dates import study_day
from rego_desktop.study.dates import DAY_IMPUTED, MONTH_IMPUTED, DatePeriod, PartialDate
from rego_desktop.study.schema import Field, MissingReason
from rego_desktop.study.values import Missing, Value

MAX_STUDY_DAY: Final = 100_000
"""Study days beyond +-100,000 (about 274 years) cannot come from a real record."""
_FLAGS: Final = frozenset({DAY_IMPUTED, MONTH_IMPUTED})
_LONGEST: Final = {DAY_IMPUTED: 31, MONTH_IMPUTED: 366}


def date_json(value: Value, first_dose: dt.date | None) -> Any:
    """The de-identified JSON form of a date field's value, or None when it cannot be
    given (a calendar value of a patient without a first dose date)."""
    if isinstance(value, Missing):
        return {"missing": value.code}
    if first_dose is None:
        return None
    if isinstance(value, PartialDate):
        return {
            "days": [study_day(value.first, first_dose), study_day(value.last, first_dose)],
            "flag": value.flag,
        }
    if isinstance(value, dt.date):
        return study_day(value, first_dose)
    return None


def needs_first_dose(data: Any) -> bool:
    """Whether a de-identified date value is given in study days."""
    return not (isinstance(data, dict) and "missing" in data)


def date_problem(f: Field, data: Any) -> str | None:
    """Why ``data`` is no valid de-identified value of the date field ``f`` (None: it
    is valid). Strict: exact keys, JSON integers, no day 0, a real period."""
    if type(data) is int:
        return None if _day_ok(data) else "an impossible study day"
    if not isinstance(data, dict):
        return "a date that is not a study day"
    if data.keys() == {"missing"}:
        code = data["missing"]
        if not isinstance(code, str) or code not in {r.value for r in f.missing_reasons}:
            return "a missing-data code the field does not allow"
        return None
    if data.keys() != {"days", "flag"}:
        return "a date that is not a study day"
    days, flag = data["days"], data["flag"]
    if not f.partial_date:
        return "a partial date in a field that takes complete dates only"
    if (
        not isinstance(days, list)
        or len(days) != 2
        or not all(type(d) is int and _day_ok(d) for d in days)
        or flag not in _FLAGS
    ):
        return "an impossible partial date"
    first, last = days
    length = _length(first, last)
    if length < 1 or length > _LONGEST[flag]:
        return "an impossible partial date"
    return None


def date_from_json(data: Any, to_date: Callable[[int], dt.date]) -> Value:
    """The value :func:`date_json` wrote, with study days turned into dates by
    ``to_date`` (the center's anchored calendar); ``data`` is valid (see
    :func:`date_problem`)."""
    if isinstance(data, dict) and "missing" in data:
        return Missing(MissingReason(data["missing"]))
    if isinstance(data, dict):
        first, last = data["days"]
        return DatePeriod(to_date(first), to_date(last), data["flag"])
    return to_date(int(data))


def _day_ok(day: int) -> bool:
    return day != 0 and abs(day) <= MAX_STUDY_DAY


def _length(first: int, last: int) -> int:
    """Days from ``first`` to ``last`` inclusive (there is no study day 0)."""
    gap = last - first
    if first < 0 < last:
        gap -= 1
    return gap + 1


def date_cell(data: Any) -> int | str | None:
    """A de-identified date value as a spreadsheet cell: the study day, the missing-data
    code ("UNK"), or a partial date's period ("120..150 (D)": study days 120 to 150, the
    day unknown)."""
    if isinstance(data, dict) and "missing" in data:
        return str(data["missing"])
    if isinstance(data, dict):
        first, last = data["days"]
        return f"{first}..{last} ({data['flag']})"
    return data if data is None else int(data)
