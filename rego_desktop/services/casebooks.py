"""Reading a patient's saved casebook: decrypting its records.

Split out of :mod:`rego_desktop.services.patients` so that the query service (which
needs casebooks) and the patient service (which refreshes queries after a save) no
longer import each other: both build on this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop.casebook import Casebook, Entry
from rego_desktop.crypto.envelope import Aead, DecryptionFailed
from rego_desktop.models import Patient, Record
from rego_desktop.services.damage import damaged_record
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Form
from rego_desktop.study.values import Value, from_json

__all__ = [
    "decrypt_record",
    "decrypt_values",
    "load_casebook",
    "record_aad",
    "study_forms",
    "values_of",
]


def record_aad(db_uid: str, patient_uid: str, record: Record) -> bytes:
    return (
        f"record|{db_uid}|{patient_uid}|{record.uid}|{record.form_id}|{record.item_uid}|"
        f"{record.revision}"
    ).encode()


def study_forms(study: OpenStudy) -> dict[str, Form]:
    return {form.id: form for form in study.definition.forms}


def values_of(form: Form, raw: Mapping[str, Any]) -> dict[str, Value]:
    """A record's values from its decrypted JSON (fields the form lacks are left out)."""
    return {f.id: from_json(f, raw[f.id]) for f in form.fields if f.id in raw}


def decrypt_values(
    study: OpenStudy, aead: Aead, form: Form, patient_uid: str, record: Record
) -> dict[str, Value]:
    """The record's values; :class:`~rego_desktop.services.damage.DamagedRecord`
    (naming the patient, form, entry and the newest backup) if it does not decrypt."""
    try:
        plain = aead.decrypt(record.payload, record_aad(study.info.db_uid, patient_uid, record))
    except DecryptionFailed:
        raise damaged_record(study, form, patient_uid, record) from None
    return values_of(form, json.loads(plain))


def decrypt_record(study: OpenStudy, patient_uid: str, record: Record) -> dict[str, Value]:
    form = study.definition.form(record.form_id)
    return decrypt_values(study, study.keyring.records, form, patient_uid, record)


def load_casebook(study: OpenStudy, session: Session, patient: Patient) -> Casebook:
    book = Casebook(study.definition, patient.subject_code, patient.uid, patient.locked)
    records = session.scalars(select(Record).where(Record.patient_id == patient.id))
    forms = study_forms(study)
    aead = study.keyring.records  # the subkey, derived once for all the records
    for record in records:
        form = forms.get(record.form_id)
        if form is None:
            continue
        entry = Entry(
            record.item_uid,
            record.revision,
            decrypt_values(study, aead, form, patient.uid, record),
            record.updated_at,
        )
        book.entries.setdefault(record.form_id, []).append(entry)
    return book
