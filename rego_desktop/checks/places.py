"""How a finding names the record it is about, in words a nurse recognises.

A single form is named by its title ("Survival status"); an entry of a repeating form
by what it is and when ("Adverse event Hypertension (2024-03-20)", "Cycle 3 (from
2024-03-05)", "Dose reduction on 2024-04-02").
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from rego_desktop.casebook import Casebook, Entry
from rego_desktop.derive.context import CHANGE_METHODS, as_date, as_int, as_str
from rego_desktop.rules import dosing_messages
from rego_desktop.rules.findings import Text
from rego_desktop.study.schema import Form, StudyDefinition
from rego_desktop.study.values import Value, display

# The field that names an entry, beside its date.
NAME_FIELD: Final = {
    "adverse_events": "term",
    "medical_history": "condition",
    "prior_treatments": "regimen",
    "subsequent_treatments": "regimen",
    "genetic_tests": "test",
}


def shown(study: StudyDefinition, form: Form, field_id: str, value: Value) -> Text:
    """A value as people read it (code labels, units), in both languages."""
    f = form.field(field_id)
    return Text(display(study, f, value, "en"), display(study, f, value, "zh"))


def field_label(form: Form, field_id: str) -> Text:
    label = form.field(field_id).label
    return Text(label.en, label.zh)


def where(study: StudyDefinition, form: Form, entry: Entry) -> Text:
    """The record: a single form's title or a repeating form's entry."""
    if not form.repeating:
        return Text(form.label.en, form.label.zh)
    if form.id == "cycles":
        number, start = as_int(entry.get("cycle_number")), as_date(entry.get("start_date"))
        if number is not None and start is not None:
            return dosing_messages.where_cycle(number, start)
    if form.id == "dose_changes":
        method = CHANGE_METHODS.get(as_str(entry.get("method")) or "")
        on = as_date(entry.get("change_date"))
        if method is not None and on is not None:
            return dosing_messages.where_change(method, on)
    assert form.item_label is not None
    en, zh = form.item_label.en, form.item_label.zh
    name_field = NAME_FIELD.get(form.id)
    if name_field is not None and entry.get(name_field) is not None:
        name = shown(study, form, name_field, entry.get(name_field))
        en, zh = f"{en} {name.en}", f"{zh} {name.zh}"
    when = entry.get(form.order_by) if form.order_by else None
    if isinstance(when, dt.date):
        return Text(f"{en} ({when.isoformat()})", f"{zh}（{when.isoformat()}）")
    return Text(en, zh)


def finding_place(book: Casebook, form_id: str, item_uid: str, field_id: str | None) -> Text:
    """Where a finding is, e.g. "Adverse event Hypertension (2024-03-20) / Grade"."""
    definition = book.definition
    if not definition.has_form(form_id):
        return Text(form_id, form_id)
    form = definition.form(form_id)
    entry = next((e for e in book.entries.get(form.id, []) if e.item_uid == item_uid), None)
    if entry is not None:
        en, zh = where(definition, form, entry)
    else:
        en, zh = form.label.en, form.label.zh
    if field_id is not None and form.has_field(field_id):
        label = form.field(field_id).label
        en, zh = f"{en} / {label.en}", f"{zh} / {label.zh}"
    return Text(en, zh)
