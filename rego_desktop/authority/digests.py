"""What a signature covers: digests of the casebook it signed.

``casebook_digest`` is SHA-256 over canonical JSON (keys sorted, no spaces, UTF-8) of
every record of the casebook, ordered by form id then entry uid::

    {"v": 1, "subject": "BJ01-0003",
     "records": [[form_id, entry_uid, {field_id: value as stored, ...}], ...]}

where a value is the JSON form the database stores (encrypted) and transfer files carry
(:func:`rego_desktop.study.values.to_json`); fields without a value are left out. Any
later change of a value, or an added or deleted entry, however it was made, changes it.

The transfer digest (the de-identified patient as a transfer file carries it) is
:func:`rego_desktop.exchange.payload.signed_content_digest`, so the coordinating center
can recompute it from the patient it merged.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop.casebook import Casebook
from rego_desktop.exchange.deidentify import deidentify_casebook, export_policy
from rego_desktop.exchange.payload import signed_content_digest
from rego_desktop.models import Patient, Signature
from rego_desktop.study.values import to_json

DIGEST_VERSION = 1


def casebook_digest(book: Casebook) -> bytes:
    records: list[list[Any]] = []
    for form_id in sorted(book.entries):
        form = book.definition.form(form_id) if book.definition.has_form(form_id) else None
        for entry in sorted(book.entries[form_id], key=lambda e: e.item_uid):
            values: dict[str, Any] = {}
            for field_id, value in entry.values.items():
                if value is None:
                    continue
                if form is not None and form.has_field(field_id):
                    values[field_id] = to_json(form.field(field_id), value)
                else:
                    values[field_id] = repr(value)
            records.append([form_id, entry.item_uid, values])
    body = {"v": DIGEST_VERSION, "subject": book.subject_code, "records": records}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).digest()


def transfer_digest(book: Casebook) -> bytes:
    """The digest the center recomputes from the de-identified patient."""
    return signed_content_digest(deidentify_casebook(book, export_policy(book.definition)))


def signed_transfer_digests(session: Session) -> dict[str, bytes]:
    """Subject code -> transfer digest of each locked casebook's current signature (what a
    transfer file sends so the center can check the casebook is still what was signed)."""
    rows = session.execute(
        select(Patient.subject_code, Signature.transfer_digest)
        .join(Signature, Signature.patient_id == Patient.id)
        .where(Patient.locked, Signature.revoked_at.is_(None))
        .order_by(Signature.signed_at)
    )
    return {code: bytes(digest) for code, digest in rows if digest is not None}
