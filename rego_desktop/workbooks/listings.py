"""Data listings: one sheet per form, one row per record.

Never listed: the identification form, fields marked ``identifying`` and ``free_text``
fields. The **site** listings (``rego-desktop xlsx``) keep every other value as stored,
calendar dates included, so they stay at the site. The **de-identified** listings
(``--deidentified``) list a :class:`~rego_desktop.exchange.deidentified_view.DeidentifiedView`
of each patient, i.e. exactly what the transfer file carries: no text field at all,
dates as study days in ``<id>_day`` columns (day 1 = first dose, no day 0; a partial
date as the study days it may fall on and what is unknown, ``120..150 (D)``, as in the
center's pooled workbook: :func:`rego_desktop.exchange.study_days.date_cell`), the age
at first dose as the transfer file sends it (``"90+"`` from 90 years on). Derived fields of
:mod:`rego_desktop.derive` are listed beside the inputs in both.

A missing-data code (``ND``, ``UNK``, ``NA``) is listed as the code, never as an empty
cell or a zero; a partial date as entered (``2021-05``, ``2019``) in the site listings.

Columns: ``subject_code``; for repeating forms ``entry`` (1, 2, ... in the form's
order, e.g. by date); then one column per field named by its id. A field with several
units has a second column ``<id>_unit`` with the unit the value was entered in, as
people read it ("µmol/L"; the data dictionary gives the stored id beside it; values are
never converted in a listing). Choices are their codes (the data dictionary has
the labels), multi-choices codes joined by ``;``, dates real Excel dates (site) or
study days (de-identified); a derived value that cannot be computed is left blank.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from rego_desktop.casebook import Casebook
from rego_desktop.derive import Computed, DerivedKey, DerivedResult, PatientData, derived_values
from rego_desktop.exchange.deidentified_view import DeidentifiedView
from rego_desktop.exchange.study_days import date_cell
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import Field, FieldType, Form, StudyDefinition
from rego_desktop.study.values import Missing, Quantity, Value, unit_text
from rego_desktop.workbooks.sheets import Sheet

SUBJECT: Final = "subject_code"
ENTRY: Final = "entry"
UNIT_SUFFIX: Final = "_unit"
DAY_SUFFIX: Final = "_day"
AGE_DERIVATION: Final = "age_at_first_dose"
MULTI_SEPARATOR: Final = ";"


@dataclass(frozen=True)
class Column:
    """One listing column: a field's value, or the unit it was entered in."""

    key: str
    field: Field
    unit: bool = False
    day: bool = False
    """A date shown as its study day (de-identified listings)."""


def exported(form: Form, f: Field, *, deidentified: bool = False) -> bool:
    """Whether ``f`` has a listing column (de-identified: what the transfer file keeps,
    and the derived fields computed from it)."""
    if form.identifying or f.identifying or f.free_text:
        return False
    return not (deidentified and f.type is FieldType.TEXT)


def exported_forms(definition: StudyDefinition) -> list[Form]:
    return [form for form in definition.forms if not form.identifying]


def field_columns(f: Field, *, deidentified: bool = False) -> list[Column]:
    if deidentified and f.type is FieldType.DATE:
        return [Column(f.id + DAY_SUFFIX, f, day=True)]
    columns = [Column(f.id, f)]
    if len(f.units) > 1:
        columns.append(Column(f.id + UNIT_SUFFIX, f, unit=True))
    return columns


def listing_columns(form: Form, *, deidentified: bool = False) -> list[Column]:
    return [
        c
        for f in form.fields
        if exported(form, f, deidentified=deidentified)
        for c in field_columns(f, deidentified=deidentified)
    ]


def listing_header(form: Form, *, deidentified: bool = False) -> list[str]:
    head = [SUBJECT] + ([ENTRY] if form.repeating else [])
    return head + [c.key for c in listing_columns(form, deidentified=deidentified)]


def cell_value(column: Column, value: Value, view: DeidentifiedView | None = None) -> Any:
    """A stored value as one spreadsheet cell (codes, numbers, dates or study days)."""
    if value is None:
        return None
    if isinstance(value, Missing):
        return None if column.unit else value.code
    if isinstance(value, PartialDate):
        return value.isoformat()  # as entered
    if view is not None and isinstance(value, dt.date):
        return view.day(value)
    if column.day:
        return None
    if isinstance(value, Quantity):
        return unit_text(column.field, value.unit) if column.unit else value.value
    if column.unit:
        return None if len(column.field.units) > 1 else unit_text(column.field)
    if isinstance(value, tuple):
        return MULTI_SEPARATOR.join(value)
    if isinstance(value, dt.date):
        return value
    return value


def derived_cell(
    column: Column, result: DerivedResult | None, view: DeidentifiedView | None = None
) -> Any:
    if view is not None and column.field.derived == AGE_DERIVATION:
        return view.age  # as the transfer file sends it: "90+" from 90 years on
    if column.unit or not isinstance(result, Computed):
        return None
    value = result.value
    if column.field.type is FieldType.INTEGER and isinstance(value, float):
        return round(value)
    return value


def listing_rows(
    form: Form,
    book: Casebook,
    derived: dict[DerivedKey, DerivedResult] | None = None,
    view: DeidentifiedView | None = None,
) -> list[list[Any]]:
    """This patient's rows of one form's listing; with ``view``, the de-identified rows
    of ``view.book`` (which must then be ``book``)."""
    columns = listing_columns(form, deidentified=view is not None)
    data = None
    rows: list[list[Any]] = []
    for number, entry in enumerate(book.items(form.id), start=1):
        row: list[Any] = [book.subject_code] + ([number] if form.repeating else [])
        for column in columns:
            if column.field.derived is not None:
                if derived is None:
                    data = data or PatientData(book)
                    derived = derived_values(data)
                key = (form.id, entry.item_uid, column.field.id)
                row.append(derived_cell(column, derived.get(key), view))
            elif view is not None and column.day:
                # As the transfer file sends it: day, code or partial date's period.
                row.append(date_cell(view.sent(form.id, entry.item_uid, column.field.id)))
            else:
                row.append(cell_value(column, entry.get(column.field.id), view))
        rows.append(row)
    return rows


class Listings:
    """Accumulates every form's listing over many patients (site or de-identified)."""

    def __init__(self, definition: StudyDefinition, *, deidentified: bool = False) -> None:
        self.definition = definition
        self.deidentified = deidentified
        self.forms = exported_forms(definition)
        self.rows: dict[str, list[list[Any]]] = {form.id: [] for form in self.forms}

    def add(
        self,
        book: Casebook,
        derived: dict[DerivedKey, DerivedResult] | None = None,
        view: DeidentifiedView | None = None,
    ) -> None:
        """One patient: the site's ``book``, or (de-identified listings) its ``view``,
        whose rebuilt casebook is listed (``book`` must be ``view.book``)."""
        if self.deidentified != (view is not None):
            raise ValueError("de-identified listings list de-identified views only")
        if view is not None and book is not view.book:
            raise ValueError("list the de-identified view's casebook")
        if derived is None:
            derived = derived_values(PatientData(book))
        for form in self.forms:
            self.rows[form.id].extend(listing_rows(form, book, derived, view))

    def add_all(self, books: Iterable[Casebook]) -> None:
        for book in books:
            self.add(book)

    def sheets(self) -> list[Sheet]:
        return [
            Sheet(form.id, listing_header(form, deidentified=self.deidentified), self.rows[form.id])
            for form in self.forms
        ]
