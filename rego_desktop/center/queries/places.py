"""Where a query is, in words the center's data manager reads (see
:mod:`rego_desktop.center.queries`): the form's and field's labels from the patient's
study definition, and an entry of a repeating form as its number among the patient's
entries of that form ("Adverse event 3"), counted in the order the pooled workbook's
listings show them (by the form's ordering field, a study day, then entry id).

The ids stay in :attr:`QueryPlace.ids`, for talking to the site. An id the definition
does not know (a form or field of another definition version) is shown as the id; an
entry no longer in the pooled data has no number (the window then shows the form's
word for one entry and a short id).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop import study
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.models import CenterEntry, CenterPatient
from rego_desktop.center.pooled_listings import listing_key
from rego_desktop.center.queries.common import _BATCH, CenterQueryRow
from rego_desktop.study.schema import Form, Label, StudyDefinition

__all__ = [
    "SHORT_ID",
    "QueryPlace",
    "describe",
    "entry_order",
    "listing_order",
    "query_places",
    "short_id",
]

SHORT_ID: Final = 8
"""Characters of an entry id shown for reading (the full id stays available)."""


def short_id(entry_id: str) -> str:
    """An entry id shortened for reading: its first :data:`SHORT_ID` characters."""
    return entry_id if len(entry_id) <= SHORT_ID else entry_id[:SHORT_ID] + "…"


@dataclass(frozen=True)
class QueryPlace:
    """The place of one query: ids as stored, labels where the definition knows them."""

    form_id: str | None
    entry_id: str | None
    field_id: str | None
    form: Label | None
    """The form's label; ``None`` for a query on the whole patient or an unknown form."""
    item: Label | None
    """What one entry of the (repeating) form is called, e.g. "Adverse event"."""
    field: Label | None
    """The field's label; ``None`` without a field or for an unknown field."""
    entry_number: int | None = None
    """1, 2, ... among the patient's entries of the form; ``None`` when not known."""

    @property
    def ids(self) -> str:
        """The place as ids ("adverse_events / 3f2a... / grade"), as the sites' files
        and the command line name it; empty for the whole patient."""
        return " / ".join(p for p in (self.form_id, self.entry_id, self.field_id) if p)

    @property
    def short_entry(self) -> str:
        """The entry id shortened for reading (the full id is in :attr:`ids`)."""
        return short_id(self.entry_id or "")

    def text(self, language: str) -> str:
        """The place in ``language``, parts joined by " / "; the entry as "<item> <n>",
        or "<item> <short id>" without a number. Empty for the whole patient."""
        if self.form_id is None:
            return ""
        parts = [self.form.text(language) if self.form is not None else self.form_id]
        if self.entry_id:
            item = self.item.text(language) if self.item is not None else self.entry_id
            if self.item is None:
                parts.append(self.entry_id)
            elif self.entry_number is not None:
                parts.append(f"{item} {self.entry_number}")
            else:
                parts.append(f"{item} {self.short_entry}")
        if self.field_id:
            parts.append(self.field.text(language) if self.field is not None else self.field_id)
        return " / ".join(parts)


def describe(
    row: CenterQueryRow,
    definition: StudyDefinition,
    number: int | None = None,
) -> QueryPlace:
    """The place of ``row`` with the labels ``definition`` has for its ids."""
    form: Form | None = None
    if row.form is not None and definition.has_form(row.form):
        form = definition.form(row.form)
    field = None
    if form is not None and row.field is not None and form.has_field(row.field):
        field = form.field(row.field).label
    return QueryPlace(
        form_id=row.form,
        entry_id=row.entry,
        field_id=row.field,
        form=form.label if form is not None else None,
        item=(form.item_label or form.label) if form is not None else None,
        field=field,
        entry_number=number if row.entry else None,
    )


def _definitions(
    session: Session, subjects: Sequence[str]
) -> dict[str, tuple[int, StudyDefinition]]:
    """Subject code -> (patient id, the definition its data were sent with); the current
    definition when this build does not know the patient's version."""
    out: dict[str, tuple[int, StudyDefinition]] = {}
    for start in range(0, len(subjects), _BATCH):
        part = subjects[start : start + _BATCH]
        rows = session.execute(
            select(
                CenterPatient.subject_code,
                CenterPatient.id,
                CenterPatient.study_id,
                CenterPatient.study_version,
            ).where(CenterPatient.subject_code.in_(part))
        )
        for subject, patient_id, study_id, version in rows:
            out[subject] = (patient_id, study.definition(study_id, version) or study.CURRENT)
    return out


def listing_order(form: Form, found: Iterable[tuple[str, str]]) -> list[str]:
    """Entry ids of (entry id, values JSON) in the order of the pooled listings."""
    if form.order_by is None:
        return sorted(entry_id for entry_id, _text in found)
    keyed = [
        (listing_key(form.order_by, json.loads(text), entry_id), entry_id)
        for entry_id, text in found
    ]
    return [entry_id for _key, entry_id in sorted(keyed)]


def _orders(
    session: Session, wanted: dict[int, dict[str, Form]]
) -> dict[tuple[int, str], list[str]]:
    """(patient id, form id) -> the patient's entry ids of that form, in listing order."""
    found: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    ids = sorted(wanted)
    forms = sorted({f for by_form in wanted.values() for f in by_form})
    for start in range(0, len(ids), _BATCH):
        rows = session.execute(
            select(
                CenterEntry.patient_id,
                CenterEntry.form_id,
                CenterEntry.entry_id,
                CenterEntry.values_json,
            ).where(
                CenterEntry.patient_id.in_(ids[start : start + _BATCH]),
                CenterEntry.form_id.in_(forms),
            )
        )
        for patient_id, form_id, entry_id, text in rows:
            if form_id in wanted[patient_id]:
                found[(patient_id, form_id)].append((entry_id, text))
    return {
        (patient_id, form_id): listing_order(wanted[patient_id][form_id], items)
        for (patient_id, form_id), items in found.items()
    }


def query_places(db: CenterDatabase, rows: Sequence[CenterQueryRow]) -> dict[str, QueryPlace]:
    """Query id -> its place, for the queries listed (two reads of the database, the
    entries read only of the forms whose entries the queries name)."""
    subjects = sorted({r.subject for r in rows})
    with db.reading() as session:
        patients = _definitions(session, subjects)
        wanted: dict[int, dict[str, Form]] = defaultdict(dict)
        for r in rows:
            known = patients.get(r.subject)
            if known is None or r.form is None or not r.entry:
                continue
            patient_id, definition = known
            if definition.has_form(r.form) and definition.form(r.form).repeating:
                wanted[patient_id][r.form] = definition.form(r.form)
        orders = _orders(session, wanted) if wanted else {}
    out: dict[str, QueryPlace] = {}
    for r in rows:
        known = patients.get(r.subject)
        definition = known[1] if known is not None else study.CURRENT
        number: int | None = None
        if known is not None and r.form is not None and r.entry:
            order = orders.get((known[0], r.form), [])
            if r.entry in order:
                number = order.index(r.entry) + 1
        out[r.query_id] = describe(r, definition, number)
    return out


def entry_order(db: CenterDatabase, subject: str, form_id: str) -> tuple[str, ...]:
    """The entry ids of ``subject``'s entries of ``form_id`` in the pooled data, in the
    order :func:`query_places` numbers them (empty when there are none)."""
    with db.reading() as session:
        patients = _definitions(session, [subject])
        known = patients.get(subject)
        if known is None:
            return ()
        patient_id, definition = known
        if not definition.has_form(form_id):
            return ()
        form = definition.form(form_id)
        order = _orders(session, {patient_id: {form_id: form}})
    return tuple(order.get((patient_id, form_id), ()))
