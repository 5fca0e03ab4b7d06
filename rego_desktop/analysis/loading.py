"""Loading a site's casebooks for the analysis, fast enough for 10,000 patients.

:meth:`PatientService.casebook <rego_desktop.services.patients.PatientService.casebook>`
opens one session per patient and decrypts every form. The summary needs only the
forms the endpoints are computed from (:data:`ANALYSIS_FORMS`), so here all of their
records are read in **one query** (SQLAlchemy Core, patient by patient) and decrypted
with one AES-GCM context (the record subkey is derived once, not per record). The result
is ordinary :class:`~rego_desktop.casebook.Casebook` objects holding just those forms,
which the analysis dataset turns into rows exactly as it does for complete casebooks.
Values are converted from JSON only when read (:class:`LazyValues`, which skips the
conversion where it would return the JSON value itself): a cycle's laboratory values are
never needed here.

:func:`study_dataset` reads the rows every save stores (:mod:`rego_desktop.analysis.stored`)
and derives only patients without a current one, in chunks of :data:`_CHUNK_PATIENTS`
patients per query; when every patient is to be computed (``--no-cache``, or rows of an
older program version), one query streams them all, one casebook at a time. Either way
the memory used stays bounded.

Nothing decrypted is written in the clear; the casebooks live in memory only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rego_desktop.analysis.dataset import AnalysisRow, analysis_row
from rego_desktop.analysis.stored import Recomputed, RowCodec, store_recomputed
from rego_desktop.auth.roles import Permission
from rego_desktop.bulk import JsonObjects, gc_paused
from rego_desktop.casebook import Casebook, Entry
from rego_desktop.crypto.envelope import NONCE_BYTES
from rego_desktop.errors import DamagedDatabase
from rego_desktop.models import Patient, Record, StoredAnalysisRow
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Field, FieldType, StudyDefinition
from rego_desktop.study.values import Value, from_json

Progress = Callable[[int, int], None]

ANALYSIS_FORMS: tuple[str, ...] = (
    "eligibility",
    "treatment",
    "cycles",
    "dose_changes",
    "response_assessments",
    "adverse_events",
    "progression",
    "survival",
)
"""Every form the analysis dataset reads (eligibility, dosing, response, AEs, endpoints)."""

# Patients computed between two progress reports.
_PROGRESS_STEP = 250
# Patients whose records are read and derived together: one query per chunk keeps the
# memory bounded (all 10,000 casebooks at once would take about 0.5 GB).
_CHUNK_PATIENTS = 1_000


@dataclass(frozen=True, slots=True)
class DataVersion:
    """A cheap fingerprint of the patient data: changes whenever any record is saved."""

    patients: int
    revisions: int
    last_change: dt.datetime | None


def data_version(study: OpenStudy) -> DataVersion:
    """Fingerprint of the study's patient data (one aggregate query, nothing decrypted).

    Every save, deletion, signature or unlock raises a patient's revision and sets its
    ``updated_at``, so a summary computed at one version is current while it is unchanged.
    """
    study.user.require(Permission.VIEW_DATA)
    with study.reading() as session:
        count, revisions, last = session.execute(
            select(func.count(Patient.id), func.sum(Patient.revision), func.max(Patient.updated_at))
        ).one()
    return DataVersion(int(count), int(revisions or 0), last)


_ABSENT = object()

# The JSON type that :func:`from_json` returns unchanged for a field of each type (a
# text stays the same text, a float the same float); dates, multi-choices and values
# with a unit are always converted. tests/analysis/test_loading.py holds it to that.
_KEPT_AS_IS: dict[FieldType, type] = {
    FieldType.TEXT: str,
    FieldType.CHOICE: str,
    FieldType.YES_NO: str,
    FieldType.INTEGER: int,
    FieldType.DECIMAL: float,
}


class FieldReader:
    """How one field's stored JSON value becomes its value: :func:`from_json`, skipped
    where it would return the JSON value itself."""

    __slots__ = ("field", "kept")

    def __init__(self, field: Field) -> None:
        self.field = field
        self.kept: type | None = _KEPT_AS_IS.get(field.type)

    def __call__(self, data: Any) -> Value:
        if type(data) is self.kept:
            return cast(Value, data)
        return from_json(self.field, data)


class LazyValues(Mapping[str, Value]):
    """A record's values, each converted from its JSON form when first read.

    The analysis reads a handful of fields of each record (a cycle's start and dose,
    not its twenty laboratory values); converting only those halves the loading time.
    Reads give exactly what :func:`~rego_desktop.services.patients.decrypt_record`
    gives: fields the form does not define are left out.
    """

    __slots__ = ("_decoded", "_fields", "_raw")

    def __init__(self, fields: Mapping[str, FieldReader], raw: dict[str, Any]) -> None:
        self._fields = fields
        self._raw = raw
        self._decoded: dict[str, Value] = {}

    def __getitem__(self, key: str) -> Value:
        value = self.get(key, _ABSENT)
        if value is _ABSENT:
            raise KeyError(key)
        return cast(Value, value)

    def get(self, key: str, default: Any = None) -> Any:
        data = self._raw.get(key, _ABSENT)
        if data is _ABSENT:
            return default
        reader = self._fields.get(key)
        if reader is None:
            return default
        if type(data) is reader.kept:
            return data  # from_json would return it as it is: nothing to remember
        decoded = self._decoded
        if key in decoded:
            return decoded[key]
        value = decoded[key] = reader(data)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._fields and key in self._raw

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._raw if key in self._fields)

    def __len__(self) -> int:
        return sum(1 for key in self._raw if key in self._fields)


def _decoders(
    definition: StudyDefinition, forms: tuple[str, ...]
) -> dict[str, dict[str, FieldReader]]:
    return {
        form_id: {f.id: FieldReader(f) for f in definition.form(form_id).fields}
        for form_id in forms
        if definition.has_form(form_id)
    }


@dataclass(frozen=True, slots=True)
class _PatientRow:
    id: int
    uid: str
    subject_code: str
    locked: bool
    revision: int
    # The stored analysis row, if any: the revision and code it was computed at.
    stored_revision: int | None
    stored_code: str | None
    stored_payload: bytes | None


class _Reader:
    """Decrypts the analysis forms of a set of patients inside one read transaction."""

    def __init__(self, study: OpenStudy, session: Session, forms: tuple[str, ...]) -> None:
        self.study = study
        self.session = session
        self.decoders = _decoders(study.definition, forms)
        self.cipher = AESGCM(study.keyring.records.key)
        self.json_object = JsonObjects()

    def patients(self) -> list[_PatientRow]:
        rows = self.session.execute(
            select(
                Patient.id,
                Patient.uid,
                Patient.subject_code,
                Patient.locked,
                Patient.revision,
                StoredAnalysisRow.revision,
                StoredAnalysisRow.code,
                StoredAnalysisRow.payload,
            )
            .outerjoin(StoredAnalysisRow, StoredAnalysisRow.patient_id == Patient.id)
            .order_by(Patient.id)
        )
        return [_PatientRow(*row) for row in rows]

    def _records(self, patients: Sequence[_PatientRow] | None) -> Any:
        """The analysis records of ``patients`` (``None``: of every patient), one Core
        query (no ORM rows), ordered by patient and then ``id``, each patient's order."""
        query = select(
            Record.patient_id,
            Record.uid,
            Record.form_id,
            Record.item_uid,
            Record.revision,
            Record.payload,
            Record.updated_at,
        ).where(Record.form_id.in_(self.decoders))
        if patients is not None:
            query = query.where(Record.patient_id.in_([p.id for p in patients]))
        return self.session.connection().execute(query.order_by(Record.patient_id, Record.id))

    def _fill(self, book: Casebook, rows: Iterator[Any], first: Any) -> Any:
        """Put ``first`` and the rows after it that belong to the same patient into
        ``book``; returns the first row of the next patient (``None`` at the end).

        Every record is decrypted with the one AES-GCM context of the reader.
        """
        decoders, decrypt, json_object = self.decoders, self.cipher.decrypt, self.json_object
        # The associated data up to the record's own fields. Same as
        # rego_desktop.services.patients.record_aad (tests compare the casebooks loaded
        # both ways, so a change there cannot go unnoticed).
        prefix = f"record|{self.study.info.db_uid}|{book.patient_uid}|"
        entries = book.entries
        pid = first[0]
        row = first
        while row is not None and row[0] == pid:
            _pid, row_uid, form_id, item_uid, revision, payload, updated_at = row
            aad = f"{prefix}{row_uid}|{form_id}|{item_uid}|{revision}".encode()
            try:
                plain = decrypt(payload[:NONCE_BYTES], payload[NONCE_BYTES:], aad)
            except (InvalidTag, ValueError):
                raise DamagedDatabase(
                    f"A {form_id} record of {book.subject_code} cannot be decrypted: the "
                    "database was altered or damaged. Restore it from a backup.",
                    zh=f"无法解密 {book.subject_code} 的一条 {form_id} 记录：数据库已被改动或损坏。"
                    "请从备份恢复。",
                ) from None
            entry = Entry(
                item_uid, revision, LazyValues(decoders[form_id], json_object(plain)), updated_at
            )
            if form_id in entries:
                entries[form_id].append(entry)
            else:
                entries[form_id] = [entry]
            row = next(rows, None)
        return row

    def stream(
        self, patients: Sequence[_PatientRow], *, everyone: bool
    ) -> Iterator[tuple[_PatientRow, Casebook]]:
        """Each patient with its casebook, one at a time, in the order given (which must
        be ``id`` order; ``everyone``: they are all the study's patients).

        One query for all their records, read as it goes: only one casebook is held at
        a time.
        """
        definition = self.study.definition
        rows = iter(self._records(None if everyone else patients))
        row = next(rows, None)
        for p in patients:
            book = Casebook(definition, p.subject_code, p.uid, p.locked)
            while row is not None and row[0] < p.id:  # a patient not asked for
                row = next(rows, None)
            if row is not None and row[0] == p.id:
                row = self._fill(book, rows, row)
            yield p, book

    def casebooks(self, patients: Sequence[_PatientRow], *, everyone: bool) -> list[Casebook]:
        """Casebooks of ``patients`` (``everyone``: they are all the study's patients)."""
        return [book for _p, book in self.stream(patients, everyone=everyone)]


def _chunks(items: Sequence[_PatientRow], size: int) -> Iterator[Sequence[_PatientRow]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_analysis_casebooks(
    study: OpenStudy,
    progress: Progress | None = None,
    forms: tuple[str, ...] = ANALYSIS_FORMS,
) -> list[Casebook]:
    """Every patient's casebook restricted to ``forms``, in enrolment order.

    One query for all records; needs the "view data" permission.
    ``progress(done, total)`` counts patients.
    """
    study.user.require(Permission.VIEW_DATA)
    with study.reading() as session, gc_paused():
        reader = _Reader(study, session, forms)
        patients = reader.patients()
        if progress is not None:
            progress(0, len(patients))
        books = reader.casebooks(patients, everyone=True)
        if progress is not None:
            progress(len(patients), len(patients))
    return books


def study_dataset(
    study: OpenStudy, progress: Progress | None = None, *, use_cache: bool = True
) -> list[AnalysisRow]:
    """The analysis dataset of a site study, one row per patient in enrolment order.

    With ``use_cache`` the rows stored by the saves are read and only patients without
    a current one are decrypted and derived (and their rows stored, where the file can
    be written); without, every patient is derived from the records and nothing is
    written. The rows are the same either way. ``progress(done, total)`` counts the
    patients being derived. Needs "view data".
    """
    study.user.require(Permission.VIEW_DATA)
    codec = RowCodec(study)
    with gc_paused():
        rows, recomputed = _study_dataset(study, codec, progress, use_cache=use_cache)
    if use_cache:
        store_recomputed(study, codec, recomputed)
    return rows


def _stored_row(codec: RowCodec, p: _PatientRow) -> AnalysisRow | None:
    if p.stored_payload is None or p.stored_revision != p.revision or p.stored_code != codec.code:
        return None
    return codec.decrypt(p.uid, p.revision, p.stored_payload)


def _study_dataset(
    study: OpenStudy, codec: RowCodec, progress: Progress | None, *, use_cache: bool
) -> tuple[list[AnalysisRow], list[Recomputed]]:
    recomputed: list[Recomputed] = []
    with study.reading() as session:
        reader = _Reader(study, session, ANALYSIS_FORMS)
        patients = reader.patients()
        rows: dict[str, AnalysisRow] = {}
        stale: list[_PatientRow] = []
        for p in patients:
            row = _stored_row(codec, p) if use_cache else None
            if row is None:
                stale.append(p)
            else:
                rows[p.uid] = row
        if progress is not None:
            progress(0, len(stale))
        done = 0
        # Everyone to compute: one pass over all the records; else the patients without
        # a current row chunk by chunk. Either way few casebooks are held at a time.
        if len(stale) == len(patients):
            batches: Iterator[Sequence[_PatientRow]] = iter([stale] if stale else [])
        else:
            batches = _chunks(stale, _CHUNK_PATIENTS)
        for batch in batches:
            everyone = len(batch) == len(patients)
            for p, book in reader.stream(batch, everyone=everyone):
                row = rows[p.uid] = analysis_row(book)
                if use_cache:
                    recomputed.append(Recomputed(p.id, p.uid, p.revision, row))
                done += 1
                if progress is not None and done % _PROGRESS_STEP == 0:
                    progress(done, len(stale))
        if progress is not None and stale:
            progress(len(stale), len(stale))
    return [rows[p.uid] for p in patients], recomputed
