"""Values a new entry may propose, so that what is mechanical costs one key.

A new treatment cycle follows the label's 28-day calendar: its number is one more than
the last, it starts 28 days after the previous cycle (the first cycle on the first
dose), and dosing ends on day 21 (start + 20). The wizard shows a proposal selected:
one key accepts it, typing replaces it. Proposals are bookkeeping only: no clinical
value (a dose, a lab, a grade, a response) is ever proposed or carried forward.

Each proposal is declared as data (form, field, rule) in :data:`PROPOSALS`; a rule
sees the saved casebook and what the new entry holds so far, so a changed start date
moves the proposed last dosing day with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from rego_desktop.casebook import Casebook
from rego_desktop.rules.dosing_rules import CYCLE_DAYS, DOSING_DAYS
from rego_desktop.study.values import Value

Rule = Callable[[Casebook, Mapping[str, Value]], Value]


def _cycles(book: Casebook) -> list[Mapping[str, Value]]:
    return [entry.values for entry in book.items("cycles")]


def _next_cycle_number(book: Casebook, _values: Mapping[str, Value]) -> Value:
    numbers = [v.get("cycle_number") for v in _cycles(book)]
    known = [n for n in numbers if isinstance(n, int)]
    return max(known) + 1 if known else len(numbers) + 1


def _next_cycle_start(book: Casebook, values: Mapping[str, Value]) -> Value:
    number = _number(values)
    dates: list[dt.date] = []
    for cycle in _cycles(book):
        start, other = cycle.get("start_date"), _number(cycle)
        # When cycles are entered out of order, only the cycles before this one count.
        later = number is not None and other is not None and other >= number
        if isinstance(start, dt.date) and not later:
            dates.append(start)
    if not dates:
        return book.first_dose if number in (None, 1) else None
    return max(dates) + dt.timedelta(days=CYCLE_DAYS)


def _number(values: Mapping[str, Value]) -> int | None:
    number = values.get("cycle_number")
    return number if isinstance(number, int) else None


def _last_dosing_day(_book: Casebook, values: Mapping[str, Value]) -> Value:
    start = values.get("start_date")
    if isinstance(start, dt.date):
        return start + dt.timedelta(days=DOSING_DAYS - 1)
    return None


@dataclass(frozen=True)
class Proposal:
    form: str
    field: str
    rule: Rule


PROPOSALS: Final = (
    Proposal("cycles", "cycle_number", _next_cycle_number),
    Proposal("cycles", "start_date", _next_cycle_start),
    Proposal("cycles", "dosing_end_date", _last_dosing_day),
)


def proposals(book: Casebook, form_id: str, values: Mapping[str, Value]) -> dict[str, Value]:
    """Field id -> proposed value for a new entry of ``form_id``, given what it holds.

    Rules run in declaration order, each seeing the proposals before it, so the
    proposed start date feeds the proposed last dosing day.
    """
    seen: dict[str, Value] = dict(values)
    out: dict[str, Value] = {}
    for proposal in PROPOSALS:
        if proposal.form != form_id:
            continue
        value = proposal.rule(book, seen)
        if value is None:
            continue
        out[proposal.field] = value
        if seen.get(proposal.field) is None:
            seen[proposal.field] = value
    return out
