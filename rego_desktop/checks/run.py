"""The state one check run shares between rule families."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from rego_desktop.casebook import Entry
from rego_desktop.checks.finding import Findings
from rego_desktop.checks.layout import Layout, layout
from rego_desktop.checks.places import where
from rego_desktop.derive.context import PatientData
from rego_desktop.rules.findings import Text
from rego_desktop.study.schema import Form


@dataclass(slots=True)
class Run:
    """One check run; with ``only`` (form id, item uid) the record rules see one record.

    Rules about a single record (values, its dates against day 1, death and birth, its
    end after its start, its CTCAE grade) iterate :meth:`records` / :meth:`items`, so a
    run restricted to the record being saved checks just that record.
    """

    data: PatientData
    out: Findings
    today: dt.date
    only: tuple[str, str] | None = None
    layout: Layout = field(init=False)
    _places: dict[tuple[str, str], Text] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.layout = layout(self.data.definition)

    def records(self) -> Iterator[tuple[Form, Entry]]:
        """Every record in definition order (or only the one of ``only``)."""
        if self.only is not None:
            form = self.data.definition.form(self.only[0])
            for entry in self.items(form.id):
                yield form, entry
            return
        for form in self.data.definition.forms:
            for entry in self.data.items(form.id):
                yield form, entry

    def items(self, form_id: str) -> list[Entry]:
        """A form's entries to check (with ``only``: that entry, if of this form)."""
        entries = self.data.items(form_id)
        if self.only is None:
            return entries
        wanted_form, wanted_item = self.only
        if form_id != wanted_form:
            return []
        return [e for e in entries if e.item_uid == wanted_item]

    def where(self, form: Form, entry: Entry) -> Text:
        """The record's name for messages (computed once per record)."""
        key = (form.id, entry.item_uid)
        place = self._places.get(key)
        if place is None:
            place = where(self.data.definition, form, entry)
            self._places[key] = place
        return place
