"""Queries of the coordinating center at the site: import, answer, correct, send back.

* :func:`import_query_file` verifies a query file (``docs/query-file.md``) with the
  center key the site registered at set-up and this site's key, refuses an older file
  or a replay, and adds, updates, closes and re-opens the center's queries. Every check
  runs before anything is written: a refused file leaves the database untouched.
* Center queries are rows of ``queries`` (``origin`` "center"), so they show with the
  site's own on the patient, form and field; :class:`~rego_desktop.services.queries.
  QueryService` lists and answers them (only the center closes or re-opens them).
* :func:`correct_from_query` corrects the field a center query is about, with a reason
  for change (the usual audited save), and records the correction on the query.
* :func:`center_query_responses` is what the next transfer file carries back (payload
  version 2): per center query, the revision imported, the site's answer and
  corrections, and how many of those the site has made (so the center applies each once).

Every step is audited in the site's trail (``query.import``, ``query.open``,
``query.close``, ``query.reopen``, ``query.answer``, and the data change itself).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Permission
from rego_desktop.errors import NotFound, ValidationError
from rego_desktop.exchange.keys import CenterPublicKey
from rego_desktop.exchange.query_file import (
    OpenedQueryFile,
    QueryFileError,
    QueryFileProblem,
    QueryItem,
    chinese,
    open_query_file,
)
from rego_desktop.exchange.query_responses import Correction, QueryResponse
from rego_desktop.exchange.site_keys import stored_site_key
from rego_desktop.models import Patient, Query, new_uid, utcnow
from rego_desktop.models.queries import CenterQueryImport
from rego_desktop.services.casebooks import load_casebook
from rego_desktop.services.queries import (
    _STATUS,
    QueryRow,
    QueryService,
    _Rows,
    audit_query,
    find_query,
)
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.values import FieldProblem, parse_text

__all__ = [
    "ImportResult",
    "center_query_responses",
    "correct_from_query",
    "import_query_file",
    "last_import",
]

CENTER: Final = "center"
CENTER_RULE: Final = "center.manual"
POSITION_BASE: Final = 1_000_000  # center queries after the site's own on a patient


@dataclass
class ImportResult:
    """What one query file changed at the site."""

    path: str
    sequence: int
    created: dt.datetime
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    unchanged: int = 0

    def to_json_object(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "sequence": self.sequence,
            "created": self.created.isoformat(),
            "added": self.added,
            "updated": self.updated,
            "closed": self.closed,
            "reopened": self.reopened,
            "unchanged": self.unchanged,
        }

    def lines(self, language: str = "en") -> list[str]:
        zh = language.startswith("zh")
        head = (
            f"已导入协调中心的质疑文件（第 {self.sequence} 号）："
            if zh
            else f"Imported query file number {self.sequence} of the coordinating center:"
        )
        parts = [
            (self.added, "new", "新增"),
            (self.closed, "closed by the center", "被中心关闭"),
            (self.reopened, "re-opened by the center", "被中心重新开启"),
            (self.updated, "updated", "已更新"),
        ]
        out = [head]
        for ids, en, cn in parts:
            if ids:
                out.append(f"  {cn if zh else en}: {len(ids)} ({', '.join(ids)})")
        if self.unchanged:
            out.append(f"  未变：{self.unchanged}" if zh else f"  unchanged: {self.unchanged}")
        if len(out) == 1:
            out.append("  没有新内容。" if zh else "  nothing new.")
        return out


def _refuse(reason: QueryFileProblem, message: str, path: str) -> QueryFileError:
    return QueryFileError(message, reason, path, zh=chinese(reason))


def last_import(study: OpenStudy) -> CenterQueryImport | None:
    """The newest query file imported (None before the first)."""
    with study.reading() as session:
        return session.scalar(
            select(CenterQueryImport).order_by(CenterQueryImport.sequence.desc()).limit(1)
        )


def _verify(study: OpenStudy, path: Path, center: CenterPublicKey) -> OpenedQueryFile:
    """Every check that needs no write: the file, this site's key, sequence, subjects."""
    name = str(path)
    with study.reading() as session:
        key = stored_site_key(study, session)
        if key is None:
            raise _refuse(
                QueryFileProblem.WRONG_SITE,
                f"This site has no key yet, so the query file {name} cannot have been made for "
                "it. Write the site's public key file (rego-desktop site-key), send it to the "
                "coordinating center, and ask for the queries again.",
                name,
            )
        opened = open_query_file(
            path,
            center,
            key,
            study_id=study.definition.id,
            study_version=study.definition.version,
        )
        header = opened.header
        same = session.scalar(
            select(CenterQueryImport).where(
                (CenterQueryImport.file_id == str(header.file_id))
                | (CenterQueryImport.file_sha256 == opened.file_sha256)
            )
        )
        if same is not None:
            raise _refuse(
                QueryFileProblem.REPLAY,
                f"The query file {name} (number {header.sequence}) was already imported on "
                f"{same.imported_at:%Y-%m-%d %H:%M} UTC by {same.username}. Nothing was changed.",
                name,
            )
        last = session.scalar(select(func.max(CenterQueryImport.sequence)))
        if last is not None and header.sequence <= last:
            raise _refuse(
                QueryFileProblem.OLDER_SEQUENCE,
                f"The query file {name} is number {header.sequence}, but number {last} was "
                "already imported; an older file carries nothing the newer one lacks. Nothing "
                "was changed; import the newest query file of the center.",
                name,
            )
        subjects = {q.subject for q in opened.content.queries}
        known = (
            set(
                session.scalars(
                    select(Patient.subject_code).where(Patient.subject_code.in_(subjects))
                )
            )
            if subjects
            else set()
        )
        missing = sorted(subjects - known)
        if missing:
            raise _refuse(
                QueryFileProblem.MALFORMED_CONTENT,
                f"The query file {name} asks about subject(s) {', '.join(missing[:5])}, which "
                "this study database does not have (a patient deleted, or another database of "
                "the site?). Nothing was imported; call the coordinating center.",
                name,
            )
        definition = study.definition
        for q in opened.content.queries:
            if q.form is None:
                continue
            if not definition.has_form(q.form) or (
                q.field is not None and not definition.form(q.form).has_field(q.field)
            ):
                raise _refuse(
                    QueryFileProblem.MALFORMED_CONTENT,
                    f"The query file {name} names a form or field ({q.form}.{q.field}) this "
                    "study definition does not have. Nothing was imported; call the center.",
                    name,
                )
    return opened


def _where(study: OpenStudy, q: QueryItem) -> tuple[str, str]:
    definition = study.definition
    if q.form is None or not definition.has_form(q.form):
        return ("Whole patient", "整个患者")
    form = definition.form(q.form)
    en, zh = form.label.en, form.label.zh
    if q.entry is not None and form.item_label is not None:
        en, zh = form.item_label.en, form.item_label.zh
    if q.field is not None and form.has_field(q.field):
        label = form.field(q.field).label
        en, zh = f"{en} / {label.en}", f"{zh} / {label.zh}"
    return en, zh


def _center_part(q: QueryItem) -> dict[str, Any]:
    return {
        "status": q.status,
        "revision": q.revision,
        "rule": q.rule,
        "center_value": q.center_value,
        "history": [e.to_json_object() for e in q.history],
    }


def _last_text(q: QueryItem, event: str) -> str | None:
    for e in reversed(q.history):
        if e.event == event:
            return e.text
    return None


def import_query_file(study: OpenStudy, path: Path, center: CenterPublicKey) -> ImportResult:
    """Import one query file of the coordinating center (see the module docstring)."""
    study.user.require(Permission.ANSWER_QUERIES)
    opened = _verify(study, path, center)
    header, content = opened.header, opened.content
    name = str(path)
    result = ImportResult(name, header.sequence, header.created)
    rows = _Rows(study)
    now = utcnow()
    with study.transaction() as session:
        last = session.scalar(select(func.max(CenterQueryImport.sequence)))
        if last is not None and header.sequence <= last:  # imported meanwhile elsewhere
            raise _refuse(
                QueryFileProblem.OLDER_SEQUENCE,
                f"The query file {name} was imported by someone else meanwhile; nothing changed.",
                name,
            )
        subjects = sorted({q.subject for q in content.queries})
        patients = {
            p.subject_code: p
            for p in session.scalars(select(Patient).where(Patient.subject_code.in_(subjects)))
        }
        existing = {
            q.center_id: q
            for q in session.scalars(
                select(Query).where(Query.center_id.in_([q.id for q in content.queries]))
            )
        }
        for position, item in enumerate(content.queries):
            patient = patients[item.subject]
            q = existing.get(item.id)
            if q is None:
                _add(study, session, rows, patient, item, position, now)
                result.added.append(item.id)
                continue
            if q.center_revision is not None and item.revision <= q.center_revision:
                result.unchanged += 1
                continue
            change = _update(study, session, rows, patient, q, item, now)
            {"closed": result.closed, "reopened": result.reopened}.get(
                change, result.updated
            ).append(item.id)
        session.add(
            CenterQueryImport(
                sequence=header.sequence,
                file_id=str(header.file_id),
                file_sha256=opened.file_sha256,
                center_fingerprint=header.center_fingerprint,
                created_at=header.created,
                imported_at=now,
                username=study.user.username,
                summary=json.dumps(result.to_json_object(), ensure_ascii=False),
            )
        )
        trail.append(
            session,
            study.keyring,
            study.user,
            "query.import",
            details={
                "file": Path(name).name,
                "sha256": opened.file_sha256,
                "sequence": header.sequence,
                "center_key": header.center_fingerprint,
                "added": result.added,
                "closed": result.closed,
                "reopened": result.reopened,
                "updated": result.updated,
            },
        )
    return result


def _add(
    study: OpenStudy,
    session: Session,
    rows: _Rows,
    patient: Patient,
    item: QueryItem,
    position: int,
    now: dt.datetime,
) -> None:
    where, where_zh = _where(study, item)
    q = Query(
        uid=new_uid(),
        patient_id=patient.id,
        fingerprint=hashlib.sha256(f"center|{item.id}".encode()).hexdigest(),
        form_id=item.form or "",
        item_uid=item.entry or "",
        field_id=item.field,
        rule=CENTER_RULE if item.rule is None else item.rule,
        severity=item.severity or "warning",
        status=_STATUS[item.status],
        created_at=now,
        updated_at=now,
        payload=b"",
        origin=CENTER,
        center_id=item.id,
        center_revision=item.revision,
    )
    payload: dict[str, Any] = {
        "message": item.text,
        "message_zh": item.text_zh or item.text,
        "where": where,
        "where_zh": where_zh,
        "cycle": None,
        "dates": [],
        "position": POSITION_BASE + position,
        "present": True,
        "center": _center_part(item),
        "events": 0,
        "corrections": [],
    }
    if item.status == "closed":
        payload.update(closed_by=CENTER, note=_last_text(item, "closed"))
    rows.write(patient.uid, q, payload)
    session.add(q)
    session.flush()
    audit_query(
        study,
        session,
        "query.open",
        patient.subject_code,
        q,
        style="center",
        message=item.text,
        center_revision=item.revision,
        raised_by=item.history[0].by,
    )


def _update(
    study: OpenStudy,
    session: Session,
    rows: _Rows,
    patient: Patient,
    q: Query,
    item: QueryItem,
    now: dt.datetime,
) -> str:
    """Apply a newer revision; returns "closed", "reopened" or "updated"."""
    payload = rows.read(patient.uid, q)
    payload["center"] = _center_part(item)
    payload["message"] = item.text
    payload["message_zh"] = item.text_zh or item.text
    status, change = q.status, "updated"
    audit: tuple[str, str] | None = None  # the action, and its reason when the center gave none
    if item.status == "closed" and status != "closed":
        status = change = "closed"
        note = _last_text(item, "closed")
        payload.update(closed_by=CENTER, note=note, closed_at=now.isoformat())
        audit = ("query.close", "closed by the coordinating center")
    elif item.status == "open" and status != "open":
        status, change = "open", "reopened"
        note = _last_text(item, "reopened")
        payload.update(closed_by=None, note=note, reopened_by=CENTER)
        audit = ("query.reopen", "re-opened by the coordinating center")
    q.center_revision = item.revision
    rows.save(patient.uid, q, payload, status, now)
    if audit is not None:
        action, default_reason = audit
        audit_query(
            study,
            session,
            action,
            patient.subject_code,
            q,
            reason=payload.get("note") or default_reason,
            style="center",
            center_revision=item.revision,
        )
    return change


# --------------------------------------------------------------------------- corrections


def correct_from_query(
    study: OpenStudy, query_uid: str, new_value: str, reason: str, *, unit: str | None = None
) -> QueryRow:
    """Correct the field a center query is about (typed as a person would type it), with
    a reason for change; the correction is recorded on the query, which becomes answered.

    The data change and the query change are one transaction, both audited.
    """
    from rego_desktop.services.patients import PatientService

    study.user.require(Permission.EDIT_DATA)
    study.user.require(Permission.ANSWER_QUERIES)
    why = reason.strip()
    if not why:
        raise ValidationError(
            "Give the reason for the change; it goes to the audit trail and to the center.",
            zh="请填写修改原因；该原因将记入稽查轨迹并发送给协调中心。",
        )
    rows = _Rows(study)
    with PatientService(study).editing() as editor:
        session = editor.session
        q, patient = find_query(session, query_uid)
        if q.origin != CENTER or not q.form_id or q.field_id is None:
            raise ValidationError(
                "Only a query of the coordinating center about one field can be answered by "
                "correcting that field here; correct other data in the form itself.",
                zh="只有协调中心针对某个字段的质疑才能在此通过修改该字段来回复；其他数据请在表单中修改。",
            )
        if q.status == "closed":
            raise ValidationError(
                "This query is closed by the coordinating center; correct the data in the form.",
                zh="该质疑已被协调中心关闭；请在表单中修改数据。",
            )
        definition = study.definition
        form = definition.form(q.form_id)
        f = form.field(q.field_id)
        try:
            value = parse_text(definition, f, new_value, unit)
        except FieldProblem as exc:
            raise ValidationError(exc.label.en, zh=exc.label.zh) from None
        book = load_casebook(study, session, patient)
        entries = book.entries.get(q.form_id, [])
        entry = next((e for e in entries if e.item_uid == q.item_uid), None)
        if entry is None:
            raise NotFound(
                f"Subject {patient.subject_code} has no such {form.label.en} entry any more; "
                "answer the query with a text instead.",
                zh=f"受试者 {patient.subject_code} 已没有该{form.label.zh}条目；请改为文字回复。",
            )
        values = dict(entry.values)
        old = values.get(q.field_id)
        values[q.field_id] = value
        editor.save(
            patient.subject_code,
            q.form_id,
            values,
            item_uid=q.item_uid or None,
            reason=why,
        )
        payload = rows.read(patient.uid, q)
        now = utcnow()
        correction = Correction(
            form=q.form_id,
            entry=q.item_uid or None,
            field=q.field_id,
            reason=why,
            by=study.user.username,
            at=now.replace(microsecond=0),
        )
        payload["corrections"] = [*payload.get("corrections", []), correction.to_json_object()]
        rows.answered(patient.uid, q, payload, f"Data corrected: {why}", now)
        audit_query(
            study,
            session,
            "query.answer",
            patient.subject_code,
            q,
            reason=why,
            style="center",
            correction={"field": q.field_id, "old": _text(old), "new": _text(value)},
        )
    return QueryService(study).get(query_uid)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


# --------------------------------------------------------------------------- sending back


def center_query_responses(study: OpenStudy, session: Session) -> list[QueryResponse]:
    """What the next transfer file carries about each center query (see the module doc)."""
    rows = _Rows(study)
    out: list[QueryResponse] = []
    found = session.execute(
        select(Query, Patient.uid, Patient.subject_code)
        .join(Patient, Patient.id == Query.patient_id)
        .where(Query.origin == CENTER)
        .order_by(Query.center_id)
    )
    for q, patient_uid, subject in found:
        payload = rows.read(patient_uid, q)
        answered_at = payload.get("answered_at")
        answer = payload.get("answer")
        out.append(
            QueryResponse(
                query=str(q.center_id),
                subject=subject,
                revision=int(q.center_revision or 1),
                status=q.status,
                events=int(payload.get("events", 0)),
                answer=answer if answer else None,
                answered_by=payload.get("answered_by") if answer else None,
                answered_at=(
                    dt.datetime.fromisoformat(answered_at).replace(microsecond=0)
                    if answer and answered_at
                    else None
                ),
                corrections=tuple(
                    Correction(
                        form=c["form"],
                        entry=c["entry"],
                        field=c["field"],
                        reason=c["reason"],
                        by=c["by"],
                        at=dt.datetime.fromisoformat(c["at"].replace("Z", "+00:00")),
                    )
                    for c in payload.get("corrections", [])
                ),
            )
        )
    return out
