"""The service layer for patients and their CRF records.

Every change goes through an :class:`Editor` bound to one transaction: it checks
permissions and hard rules, encrypts, writes the audit entry and, before the
transaction commits, refreshes the patient's queries, the encrypted summary the patient
list shows and the encrypted analysis row the endpoint summary reads. Public
one-shot methods open their own transaction; bulk work (demo data, imports) opens
one editor and makes many changes in it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.audit.trail import FieldChange
from rego_desktop.auth.roles import Permission
from rego_desktop.bulk import JsonObjects, gc_paused
from rego_desktop.casebook import Casebook, Entry, PatientStatus, applies
from rego_desktop.checks import hard_problems
from rego_desktop.crypto.envelope import NONCE_BYTES, Aead
from rego_desktop.errors import CasebookLocked, DamagedDatabase, NotFound, ValidationError
from rego_desktop.logs import log_bug
from rego_desktop.models import Patient, Query, Record, StudyMeta, new_uid, utcnow
from rego_desktop.services.casebooks import decrypt_record as decrypt_record
from rego_desktop.services.casebooks import decrypt_values as _decrypt_values
from rego_desktop.services.casebooks import load_casebook as load_casebook
from rego_desktop.services.casebooks import record_aad as record_aad
from rego_desktop.services.casebooks import study_forms as _forms
from rego_desktop.services.casebooks import values_of as _values_of
from rego_desktop.services.queries import sync_casebook
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Form, Label
from rego_desktop.study.values import FieldProblem, Value, check, to_json

if TYPE_CHECKING:
    from rego_desktop.analysis.stored import RowCodec

SINGLE = ""
SUBJECT_RE = re.compile(r"^[A-Z0-9]{2,8}-[0-9]{3,6}$")


class PatientRow(NamedTuple):
    """What the patient list shows, from the decrypted summary.

    A named tuple: the list builds 10,000 of them at a time, three times faster than
    frozen dataclasses.
    """

    uid: str
    subject_code: str
    status: PatientStatus
    name: str
    record_number: str
    forms_complete: int
    forms_total: int
    open_queries: int
    updated_at: dt.datetime
    locked: bool


def summary_aad(db_uid: str, patient_uid: str) -> bytes:
    return f"summary|{db_uid}|{patient_uid}".encode()


class Editor:
    """Changes to patients inside one open transaction.

    The editor remembers what it has read and written in its transaction, so that no
    record is decrypted twice: the patients by subject code, each patient's records and
    casebook once loaded, and the decrypted values of every record it has loaded or
    written, with the ciphertext they belong to (a record whose payload is not that
    exact ciphertext any more is decrypted again).
    """

    def __init__(self, study: OpenStudy, session: Session) -> None:
        self.study = study
        self.session = session
        self._touched: dict[int, Patient] = {}
        # Casebooks as this transaction has changed them (autoflush may be off in bulk).
        self._books: dict[int, Casebook] = {}
        self._aead = study.keyring.records  # the record subkey, derived once
        self._patients: dict[str, Patient] = {}
        # Patient id -> (form id, item uid) -> record, for the patients of _books.
        self._records: dict[int, dict[tuple[str, str], Record]] = {}
        # Record uid -> (payload, its decrypted values).
        self._plain: dict[str, tuple[bytes, dict[str, Value]]] = {}

    def create_patient(self, subject_code: str | None = None) -> str:
        self.study.user.require(Permission.EDIT_DATA)
        meta = self.session.get_one(StudyMeta, trail.META_ID)
        if subject_code is None:
            while True:
                code = f"{meta.site_code}-{meta.next_subject_number:04d}"
                meta.next_subject_number += 1
                if not self._exists(code):
                    break
        else:
            code = subject_code.strip().upper()
            if not SUBJECT_RE.match(code) or not code.startswith(meta.site_code + "-"):
                raise ValidationError(
                    f"Subject code {subject_code!r} is not valid: use {meta.site_code}-NNNN, "
                    f"e.g. {meta.site_code}-0012.",
                    zh=f"受试者编号 {subject_code!r} 无效：请使用 {meta.site_code}-NNNN 格式，"
                    f"例如 {meta.site_code}-0012。",
                )
            if self._exists(code):
                raise ValidationError(
                    f"Subject {code} already exists.", zh=f"受试者 {code} 已存在。"
                )
        now = utcnow()
        patient = Patient(
            uid=new_uid(), subject_code=code, created_at=now, updated_at=now, revision=0
        )
        self.session.add(patient)
        self.session.flush()
        self._touched[patient.id] = patient
        self._patients[code] = patient
        # A new patient has no records: its casebook is empty, nothing to load.
        self._books[patient.id] = Casebook(
            self.study.definition, patient.subject_code, patient.uid, patient.locked
        )
        self._records[patient.id] = {}
        trail.append(
            self.session, self.study.keyring, self.study.user, "patient.create", subject_code=code
        )
        return code

    def _exists(self, code: str) -> bool:
        return (
            self.session.scalar(select(Patient.id).where(Patient.subject_code == code)) is not None
        )

    def patient(self, subject_code: str) -> Patient:
        # Within the transaction a subject's row is one object of the session's identity
        # map: selecting it again would give the same object.
        patient = self._patients.get(subject_code)
        if patient is None:
            patient = self.session.scalar(
                select(Patient).where(Patient.subject_code == subject_code)
            )
            if patient is None:
                raise NotFound(
                    f"There is no subject {subject_code} in this study.",
                    zh=f"本研究中没有受试者 {subject_code}。",
                )
            self._patients[subject_code] = patient
        return patient

    def save(
        self,
        subject_code: str,
        form_id: str,
        values: Mapping[str, Value],
        *,
        item_uid: str | None = None,
        reason: str | None = None,
    ) -> str:
        """Store a form's values (all input fields; absent ones are empty).

        Returns the entry's item uid. A change to a value already saved needs a
        reason, which goes to the audit trail with old and new value.
        """
        self.study.user.require(Permission.EDIT_DATA)
        form = self._form(form_id)
        clean = self._validated(form, values)
        patient = self.patient(subject_code)
        if patient.locked:
            raise CasebookLocked(
                f"The casebook of {subject_code} is signed and locked; unlock it to make changes.",
                zh=f"{subject_code} 的病例报告已签署并锁定；如需修改，请先解锁。",
            )
        book = self._book(patient)
        problems = hard_problems(book, form_id, item_uid if form.repeating else None, clean)
        if problems:
            raise ValidationError(
                " ".join(p.message for p in problems),
                zh="".join(p.message_zh for p in problems),
            )
        if not form.repeating:
            item_uid = SINGLE
        elif item_uid is None:
            item_uid = new_uid()
        record = self._record(patient, form_id, item_uid)
        old: Mapping[str, Value] = {}
        if record is not None:
            old = self._values(patient, record, form)
        changes = [
            FieldChange(f.id, to_json(f, old.get(f.id)), to_json(f, clean.get(f.id)))
            for f in form.fields
            if f.is_input and old.get(f.id) != clean.get(f.id)
        ]
        if record is not None and not changes:
            return item_uid
        changed_saved = [c for c in changes if c.old is not None]
        if changed_saved and not (reason and reason.strip()):
            names = ", ".join(form.field(c.field).label.en for c in changed_saved)
            names_zh = "、".join(form.field(c.field).label.zh for c in changed_saved)
            raise ValidationError(
                f"Give a reason for changing saved data ({names}); it is kept in the audit trail.",
                zh=f"请填写修改已保存数据（{names_zh}）的原因；该原因将记入稽查轨迹。",
            )
        now = utcnow()
        if record is None:
            record = Record(
                uid=new_uid(),
                patient_id=patient.id,
                form_id=form_id,
                item_uid=item_uid,
                revision=1,
                payload=b"",
                created_at=now,
                updated_at=now,
            )
            self.session.add(record)
            self._records[patient.id][(form_id, item_uid)] = record
            action = "record.create"
        else:
            record.revision += 1
            record.updated_at = now
            action = "record.update"
        record.payload = self._encrypt(patient, record, form, clean)
        self._touch(patient, now)
        trail.append(
            self.session,
            self.study.keyring,
            self.study.user,
            action,
            subject_code=subject_code,
            form_id=form_id,
            item_uid=item_uid or None,
            changes=changes,
            reason=reason.strip() if reason else None,
        )
        entries = book.entries.setdefault(form_id, [])
        entries[:] = [e for e in entries if e.item_uid != item_uid]
        entries.append(Entry(item_uid, record.revision, dict(clean), now))
        return item_uid

    def _book(self, patient: Patient) -> Casebook:
        book = self._books.get(patient.id)
        if book is None:
            book = self._load(patient)
            self._books[patient.id] = book
        return book

    def _load(self, patient: Patient) -> Casebook:
        """What :func:`load_casebook` gives, decrypting only records not known already;
        also remembers the patient's records."""
        forms = _forms(self.study)
        book = Casebook(self.study.definition, patient.subject_code, patient.uid, patient.locked)
        records: dict[tuple[str, str], Record] = {}
        for record in self.session.scalars(select(Record).where(Record.patient_id == patient.id)):
            records[(record.form_id, record.item_uid)] = record
            form = forms.get(record.form_id)
            if form is None:
                continue
            values = self._values(patient, record, form)
            entry = Entry(record.item_uid, record.revision, values, record.updated_at)
            book.entries.setdefault(record.form_id, []).append(entry)
        self._records[patient.id] = records
        return book

    def _record(self, patient: Patient, form_id: str, item_uid: str) -> Record | None:
        """The record of an entry, as a query for it would find it now.

        The patient's records were all read with its casebook, and this editor adds or
        removes every one since. Like the query, a new record not yet flushed is not
        found while the session's autoflush is off (bulk writing).
        """
        record = self._records[patient.id].get((form_id, item_uid))
        if record is not None and not self.session.autoflush and inspect(record).pending:
            return None
        return record

    def _values(self, patient: Patient, record: Record, form: Form) -> dict[str, Value]:
        """The record's decrypted values (decrypted once per ciphertext)."""
        known = self._plain.get(record.uid)
        if known is not None and known[0] is record.payload:
            return dict(known[1])
        values = _decrypt_values(self.study, self._aead, form, patient.uid, record)
        self._plain[record.uid] = (record.payload, values)
        return dict(values)

    def delete(self, subject_code: str, form_id: str, item_uid: str, reason: str) -> None:
        """Remove one entry (or a single form's data); the audit keeps the old values."""
        self.study.user.require(Permission.EDIT_DATA)
        form = self._form(form_id)
        if not reason.strip():
            raise ValidationError(
                "Give a reason for deleting saved data.", zh="请填写删除已保存数据的原因。"
            )
        patient = self.patient(subject_code)
        if patient.locked:
            raise CasebookLocked(
                f"The casebook of {subject_code} is signed and locked.",
                zh=f"{subject_code} 的病例报告已签署并锁定。",
            )
        record = self.session.scalar(
            select(Record).where(
                Record.patient_id == patient.id,
                Record.form_id == form_id,
                Record.item_uid == (item_uid if form.repeating else SINGLE),
            )
        )
        if record is None:
            raise NotFound(
                f"{subject_code} has no such {form.label.en} entry.",
                zh=f"{subject_code} 没有该条{form.label.zh}记录。",
            )
        old = self._values(patient, record, form)
        changes = [
            FieldChange(f.id, to_json(f, old.get(f.id)), None)
            for f in form.fields
            if old.get(f.id) is not None
        ]
        self.session.delete(record)
        self._books.pop(patient.id, None)
        self._records.pop(patient.id, None)
        self._plain.pop(record.uid, None)
        self._touch(patient, utcnow())
        trail.append(
            self.session,
            self.study.keyring,
            self.study.user,
            "record.delete",
            subject_code=subject_code,
            form_id=form_id,
            item_uid=record.item_uid or None,
            changes=changes,
            reason=reason.strip(),
        )

    def _form(self, form_id: str) -> Form:
        if not self.study.definition.has_form(form_id):
            raise ValidationError(
                f"There is no form {form_id!r} in this study.",
                zh=f"本研究中没有表单 {form_id!r}。",
            )
        return self.study.definition.form(form_id)

    def _validated(self, form: Form, values: Mapping[str, Value]) -> dict[str, Value]:
        problems: list[Label] = []
        known = {f.id: f for f in form.fields}
        for key in values:
            if key not in known:
                problems.append(
                    Label(
                        f"{form.label.en} has no field {key!r}.",
                        f"{form.label.zh}没有字段 {key!r}。",
                    )
                )
            elif not known[key].is_input and values[key] is not None:
                label = known[key].label
                problems.append(
                    Label(
                        f"{label.en} is computed and cannot be typed.",
                        f"{label.zh}由系统计算，不能手工输入。",
                    )
                )
        clean: dict[str, Value] = {}
        for f in form.fields:
            if not f.is_input or values.get(f.id) is None:
                continue
            value = values[f.id]
            try:
                check(self.study.definition, f, value)
            except FieldProblem as exc:
                problems.append(exc.label)
                continue
            clean[f.id] = value
        for f in form.fields:
            if f.id in clean and not applies(form, f, clean):
                assert f.enabled_by is not None
                source = form.field(f.enabled_by[0])
                choices = f.enabled_by[1]
                problems.append(
                    Label(
                        f"{f.label.en} applies only when {source.label.en} is "
                        f"{' or '.join(choices)}; leave it empty.",
                        f"仅当{source.label.zh}为 {' 或 '.join(choices)} 时才填写{f.label.zh}；"
                        "请留空。",
                    )
                )
        if problems:
            raise ValidationError(
                " ".join(p.en for p in problems), zh="".join(p.zh for p in problems)
            )
        return clean

    def _encrypt(
        self, patient: Patient, record: Record, form: Form, values: Mapping[str, Value]
    ) -> bytes:
        data = {f.id: to_json(f, values[f.id]) for f in form.fields if f.id in values}
        plain = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        payload = self._aead.encrypt(plain, record_aad(self.study.info.db_uid, patient.uid, record))
        # What decrypting the payload will give, read from the same plaintext.
        self._plain[record.uid] = (payload, _values_of(form, json.loads(plain)))
        return payload

    def _touch(self, patient: Patient, now: dt.datetime) -> None:
        patient.updated_at = now
        patient.revision += 1
        self._touched[patient.id] = patient

    def finish(self) -> None:
        """Refresh the queries, list summary and analysis row of every patient changed
        in this transaction."""
        self.session.flush()
        # Imported here: the analysis package is needed only by saves.
        from rego_desktop.analysis.stored import RowCodec

        codec = RowCodec(self.study)
        for patient in self._touched.values():
            # The casebook as saved (load_casebook's), without decrypting again what
            # this editor has read or written.
            book = self._load(patient)
            sync_casebook(self.study, self.session, patient, book)
            write_summary(self.study, patient, book, self._aead)
            _store_analysis_row(self.session, codec, patient, book)
        self._touched.clear()
        self._books.clear()
        self._records.clear()
        self._plain.clear()


def _store_analysis_row(
    session: Session, codec: RowCodec, patient: Patient, book: Casebook
) -> None:
    """Store the patient's analysis row with the save, so summaries need not derive it.

    A row that cannot be derived is a bug, logged; the save itself goes ahead (the row
    is only a stored copy of derived values) and the summary derives the row again.
    """
    from rego_desktop.analysis.dataset import analysis_row
    from rego_desktop.analysis.stored import store_row

    try:
        row = analysis_row(book)
    except Exception:  # a derivation bug must not lose a save
        log_bug(f"analysis row of {patient.subject_code} could not be derived")
        return
    store_row(session, codec, patient, row)


# Version of the list summary. Version 1 (no "v") had no "deceased" status: its
# "follow_up" may stand for a patient who died, so the list works that status out
# again from the records and rewrites the summary (:func:`_refresh_summaries`).
SUMMARY_VERSION = 2


def write_summary(
    study: OpenStudy, patient: Patient, book: Casebook, aead: Aead | None = None
) -> None:
    done, total = book.forms_complete()
    ident = book.single("identification")
    summary = {
        "v": SUMMARY_VERSION,
        "status": book.status().value,
        "name": ident.get("full_name") or "",
        "record_number": ident.get("hospital_record_number") or "",
        "forms_complete": done,
        "forms_total": total,
    }
    patient.summary = (aead or study.keyring.records).encrypt(
        json.dumps(summary, ensure_ascii=False).encode(),
        summary_aad(study.info.db_uid, patient.uid),
    )


class PatientService:
    def __init__(self, study: OpenStudy) -> None:
        self.study = study

    @contextmanager
    def editing(self) -> Iterator[Editor]:
        """One transaction for many changes; commits when the block ends without error."""
        with self.study.transaction() as session:
            editor = Editor(self.study, session)
            yield editor
            editor.finish()

    def create_patient(self, subject_code: str | None = None) -> str:
        with self.editing() as editor:
            return editor.create_patient(subject_code)

    def save(
        self,
        subject_code: str,
        form_id: str,
        values: Mapping[str, Value],
        *,
        item_uid: str | None = None,
        reason: str | None = None,
    ) -> str:
        with self.editing() as editor:
            return editor.save(subject_code, form_id, values, item_uid=item_uid, reason=reason)

    def delete(self, subject_code: str, form_id: str, item_uid: str, reason: str) -> None:
        with self.editing() as editor:
            editor.delete(subject_code, form_id, item_uid, reason)

    def casebook(self, subject_code: str) -> Casebook:
        self.study.user.require(Permission.VIEW_DATA)
        with self.study.reading() as session:
            patient = session.scalar(select(Patient).where(Patient.subject_code == subject_code))
            if patient is None:
                raise NotFound(
                    f"There is no subject {subject_code} in this study.",
                    zh=f"本研究中没有受试者 {subject_code}。",
                )
            return load_casebook(self.study, session, patient)

    def subject_codes(self) -> list[str]:
        self.study.user.require(Permission.VIEW_DATA)
        with self.study.reading() as session:
            return list(session.scalars(select(Patient.subject_code).order_by(Patient.id)))

    def list_patients(self) -> list[PatientRow]:
        """Every patient's summary row, decrypting one small blob per patient."""
        self.study.user.require(Permission.VIEW_DATA)
        with self.study.reading() as session, gc_paused():
            counts = session.execute(
                select(Query.patient_id, func.count())
                .where(Query.status == "open")
                .group_by(Query.patient_id)
            )
            open_counts: dict[int, int] = {pid: n for pid, n in counts}  # noqa: C416
            rows = session.execute(
                select(
                    Patient.id,
                    Patient.uid,
                    Patient.subject_code,
                    Patient.summary,
                    Patient.updated_at,
                    Patient.locked,
                ).order_by(Patient.id)
            )
            # One AES-GCM context and a lean JSON decoder for the 10,000 small blobs.
            decrypt = AESGCM(self.study.keyring.records.key).decrypt
            json_object = JsonObjects()
            db_uid = self.study.info.db_uid
            out: list[PatientRow] = []
            stale: dict[int, int] = {}  # patient id -> index in out
            for pid, uid, code, blob, updated, locked in rows:
                data: dict[str, Any] = {}
                if blob is not None:
                    try:
                        plain = decrypt(
                            blob[:NONCE_BYTES], blob[NONCE_BYTES:], summary_aad(db_uid, uid)
                        )
                    except (InvalidTag, ValueError):
                        raise DamagedDatabase(
                            f"The list entry of {code} cannot be decrypted: the database was "
                            "altered or damaged. Restore it from a backup.",
                            zh=f"无法解密 {code} 的列表条目：数据库已被改动或损坏。请从备份恢复。",
                        ) from None
                    data = json_object(plain)
                    if data.get("v") != SUMMARY_VERSION and data.get("status") == "follow_up":
                        stale[pid] = len(out)
                out.append(
                    PatientRow(
                        uid=uid,
                        subject_code=code,
                        status=PatientStatus(data.get("status", PatientStatus.SCREENING)),
                        name=data.get("name", ""),
                        record_number=data.get("record_number", ""),
                        forms_complete=int(data.get("forms_complete", 0)),
                        forms_total=int(data.get("forms_total", 0)),
                        open_queries=open_counts.get(pid, 0),
                        updated_at=updated,
                        locked=locked,
                    )
                )
            if stale:
                out = self._refresh_summaries(session, out, stale)
            return out

    def _refresh_summaries(
        self, session: Session, rows: list[PatientRow], stale: Mapping[int, int]
    ) -> list[PatientRow]:
        """Work out again the status of patients whose list entry an older version
        wrote, and store their summaries so this happens once. A database that cannot
        be written now (read-only copy, busy) keeps the old entries for next time."""
        from rego_desktop.errors import StudyFileError

        patients = list(session.scalars(select(Patient).where(Patient.id.in_(list(stale)))))
        read = {
            p.id: (p.revision, p.locked, load_casebook(self.study, session, p)) for p in patients
        }
        for pid, (_, _, book) in read.items():
            index = stale[pid]
            rows[index] = rows[index]._replace(status=book.status())
        try:
            with self.study.transaction() as writing:
                for patient in writing.scalars(select(Patient).where(Patient.id.in_(list(read)))):
                    revision, locked, book = read[patient.id]
                    if (patient.revision, patient.locked) == (revision, locked):
                        write_summary(self.study, patient, book)
        except StudyFileError:
            pass  # stays as it is; worked out again next time
        return rows
