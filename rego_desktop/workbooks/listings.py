"""De-identified data listings: one sheet per form, one row per record.

De-identified here means: no field marked ``identifying``, no ``free_text`` field and
no identification form (design.md section 6). Everything else is listed as stored,
with the derived fields of :mod:`rego_desktop.derive` beside the inputs.

Columns: ``subject_code``; for repeating forms ``entry`` (1, 2, ... in the form's
order, e.g. by date); then one column per field named by its id. A field with several
units has a second column ``<id>_unit`` with the unit the value was entered in, as
people read it ("µmol/L"; the data dictionary gives the stored id beside it; values are
never converted in a listing). Choices are their codes (the data dictionary has
the labels), multi-choices codes joined by ``;``, dates real Excel dates; a derived
value that cannot be computed is left blank.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from rego_desktop.casebook import Casebook
from rego_desktop.derive import Computed, DerivedKey, DerivedResult, PatientData, derived_values
from rego_desktop.study.schema import Field, FieldType, Form, StudyDefinition
from rego_desktop.study.values import Quantity, Value, unit_text
from rego_desktop.workbooks.sheets import Sheet

SUBJECT: Final = "subject_code"
ENTRY: Final = "entry"
UNIT_SUFFIX: Final = "_unit"
MULTI_SEPARATOR: Final = ";"


@dataclass(frozen=True)
class Column:
    """One listing column: a field's value, or the unit it was entered in."""

    key: str
    field: Field
    unit: bool = False


def exported(form: Form, f: Field) -> bool:
    return not form.identifying and not f.identifying and not f.free_text


def exported_forms(definition: StudyDefinition) -> list[Form]:
    return [form for form in definition.forms if not form.identifying]


def field_columns(f: Field) -> list[Column]:
    columns = [Column(f.id, f)]
    if len(f.units) > 1:
        columns.append(Column(f.id + UNIT_SUFFIX, f, unit=True))
    return columns


def listing_columns(form: Form) -> list[Column]:
    return [c for f in form.fields if exported(form, f) for c in field_columns(f)]


def listing_header(form: Form) -> list[str]:
    head = [SUBJECT] + ([ENTRY] if form.repeating else [])
    return head + [c.key for c in listing_columns(form)]


def cell_value(column: Column, value: Value) -> Any:
    """A stored value as one spreadsheet cell (codes, numbers, dates)."""
    if value is None:
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


def derived_cell(column: Column, result: DerivedResult | None) -> Any:
    if column.unit or not isinstance(result, Computed):
        return None
    value = result.value
    if column.field.type is FieldType.INTEGER and isinstance(value, float):
        return round(value)
    return value


def listing_rows(
    form: Form, book: Casebook, derived: dict[DerivedKey, DerivedResult] | None = None
) -> list[list[Any]]:
    """This patient's rows of one form's listing."""
    columns = listing_columns(form)
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
                row.append(derived_cell(column, derived.get(key)))
            else:
                row.append(cell_value(column, entry.get(column.field.id)))
        rows.append(row)
    return rows


class Listings:
    """Accumulates every form's listing over many patients."""

    def __init__(self, definition: StudyDefinition) -> None:
        self.definition = definition
        self.forms = exported_forms(definition)
        self.rows: dict[str, list[list[Any]]] = {form.id: [] for form in self.forms}

    def add(self, book: Casebook, derived: dict[DerivedKey, DerivedResult] | None = None) -> None:
        if derived is None:
            derived = derived_values(PatientData(book))
        for form in self.forms:
            self.rows[form.id].extend(listing_rows(form, book, derived))

    def add_all(self, books: Iterable[Casebook]) -> None:
        for book in books:
            self.add(book)

    def sheets(self) -> list[Sheet]:
        return [Sheet(form.id, listing_header(form), self.rows[form.id]) for form in self.forms]
