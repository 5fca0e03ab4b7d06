"""PatientData reads a casebook exactly as the casebook itself does, only faster."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from rego_desktop.casebook import Casebook, Entry
from rego_desktop.derive import PatientData
from rego_desktop.study import CURRENT
from rego_desktop.study.values import Value

EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ORDERED_FORMS = [form.id for form in CURRENT.forms if form.repeating and form.order_by]


def _random_value(rng: random.Random, dates_only: bool) -> Value:
    pick = rng.random()
    if pick < 0.15:
        return None
    if dates_only or pick < 0.85:
        # Few distinct dates, so equal dates (ordered by item uid) are common; years
        # below 1000 check that the ISO text and the date sort alike.
        return dt.date(rng.choice([999, 2023, 2024]), rng.randint(1, 2), rng.randint(1, 3))
    return rng.choice(["2024-01-01", 7, 3.5])


@pytest.mark.parametrize("dates_only", [True, False])
def test_items_are_in_the_casebook_order(dates_only: bool) -> None:
    rng = random.Random(4 if dates_only else 5)
    for _ in range(400):
        entries: dict[str, list[Entry]] = {}
        for form_id in ORDERED_FORMS:
            key = CURRENT.form(form_id).order_by
            assert key is not None
            uids = rng.sample(range(100), rng.randint(0, 8))
            entries[form_id] = [
                Entry(f"{u:02d}", 1, {key: _random_value(rng, dates_only)}, EPOCH) for u in uids
            ]
        book = Casebook(CURRENT, "BJ01-0001", "uid", False, entries)
        data = PatientData(book)
        for form_id in ORDERED_FORMS:
            assert data.items(form_id) == book.items(form_id)
        assert data.items("treatment") == book.items("treatment") == []


def test_unknown_form_fails_as_in_the_casebook() -> None:
    book = Casebook(CURRENT, "BJ01-0001", "uid", False, {})
    with pytest.raises(KeyError):
        book.items("no_such_form")
    with pytest.raises(KeyError):
        PatientData(book).items("no_such_form")


def test_value_is_the_single_forms_value() -> None:
    entry = Entry("", 1, {"first_dose_date": dt.date(2024, 1, 2)}, EPOCH)
    book = Casebook(CURRENT, "BJ01-0001", "uid", False, {"treatment": [entry]})
    data = PatientData(book)
    assert data.value("treatment", "first_dose_date") == book.value("treatment", "first_dose_date")
    assert data.value("treatment", "last_dose_date") is None
    assert data.value("survival", "status") is None
