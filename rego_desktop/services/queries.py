"""Queries: edit-check findings someone has to act on, and their answers.

Life of a query (every status change writes an audit entry in the same transaction):

- ``open`` - a finding appeared (``query.open``); data entry corrects the data or
  gives a reason;
- ``answered`` - a reason was given (``query.answer``, the reason in the audit);
- ``closed`` - a reviewer (investigator or monitor) accepted it (``query.close``), or
  the finding disappeared because the data were corrected (``query.close`` with
  "resolved by data change");
- a query closed by a data change whose finding comes back is re-opened
  (``query.reopen``); a reviewer may also re-open an answered or closed query.

Impossible data (hard rules) cannot be accepted: such a query closes only when the
data are corrected.

:meth:`QueryService.sync` turns the current findings of a casebook into queries; it
is idempotent. The rule, place and status of a query are in the clear (to count open
queries without decrypting); its message, answer and notes are encrypted, with
associated data naming the row and its status, so a status changed behind the
application's back makes the row unreadable instead of silently different.

Queries of the coordinating center (``origin`` "center", issue 16) are imported from
its query files (:mod:`rego_desktop.services.center_queries`) and listed and answered
here with the site's own; the edit checks' synchronisation leaves them alone, and only
the center closes or re-opens them (the next query file brings that).
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Permission
from rego_desktop.casebook import Casebook
from rego_desktop.checks import HARD_RULES, Finding, run_checks
from rego_desktop.checks.places import finding_place
from rego_desktop.crypto.envelope import DecryptionFailed
from rego_desktop.errors import NotFound, ValidationError
from rego_desktop.models import Patient, Query, new_uid, utcnow
from rego_desktop.rules.findings import Severity
from rego_desktop.services.casebooks import load_casebook
from rego_desktop.services.damage import DamagedRecord, altered_query
from rego_desktop.services.damage import skip as skip_damaged
from rego_desktop.store.study import OpenStudy

QueryStatus = Literal["open", "answered", "closed"]
STATUSES: Final[tuple[QueryStatus, ...]] = ("open", "answered", "closed")
_STATUS: Final[dict[str, QueryStatus]] = {s: s for s in STATUSES}
_SEVERITY: Final[dict[str, Severity]] = {
    "error": "error",
    "deviation": "deviation",
    "warning": "warning",
}
RESOLVED_BY_DATA: Final = "resolved by data change"
BY_CHECKS: Final = "edit checks"
SYNC_BATCH: Final = 100

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class QueryRow:
    """One query as lists, the CLI and the GUI show it."""

    uid: str
    subject: str
    form: str
    item_uid: str
    field: str | None
    rule: str
    severity: Severity
    status: QueryStatus
    message: str
    message_zh: str
    where: str
    where_zh: str
    cycle: int | None
    dates: tuple[dt.date, ...]
    answer: str | None
    answered_by: str | None
    note: str | None
    closed_by: str | None
    resolved_by_data: bool
    present: bool  # the finding is still there in the data
    created_at: dt.datetime
    updated_at: dt.datetime
    origin: str = "site"
    """``site`` (the site's edit checks) or ``center`` (the coordinating center asked)."""
    center_id: str | None = None
    center_history: tuple[dict[str, Any], ...] = ()
    """A center query's history as the center sent it (raised, closed, re-opened...)."""
    center_value: str | None = None
    corrections: tuple[dict[str, Any], ...] = ()

    @property
    def from_center(self) -> bool:
        return self.origin == "center"

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.uid,
            "subject": self.subject,
            "form": self.form,
            "item": self.item_uid or None,
            "field": self.field,
            "rule": self.rule,
            "severity": self.severity,
            "status": self.status,
            "message": self.message,
            "message_zh": self.message_zh,
            "where": self.where,
            "cycle": self.cycle,
            "dates": [d.isoformat() for d in self.dates],
            "answer": self.answer,
            "answered_by": self.answered_by,
            "note": self.note,
            "closed_by": self.closed_by,
            "resolved_by_data": self.resolved_by_data,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "origin": self.origin,
            "center_query": self.center_id,
            "center_history": list(self.center_history),
            "center_value": self.center_value,
            "corrections": list(self.corrections),
        }


@dataclass(slots=True)
class SyncResult:
    """What one synchronisation changed."""

    patients: int = 0
    opened: int = 0
    reopened: int = 0
    closed: int = 0
    updated: int = 0
    open_now: int = 0
    by_subject: dict[str, int] = field(default_factory=dict)  # open queries per subject

    def merge(self, other: SyncResult) -> None:
        self.patients += other.patients
        self.opened += other.opened
        self.reopened += other.reopened
        self.closed += other.closed
        self.updated += other.updated
        self.open_now += other.open_now
        self.by_subject.update(other.by_subject)


def query_aad(db_uid: str, patient_uid: str, q: Query) -> bytes:
    return (
        f"query|{db_uid}|{patient_uid}|{q.uid}|{q.fingerprint}|{q.form_id}|{q.item_uid}|"
        f"{q.field_id or ''}|{q.rule}|{q.severity}|{q.status}"
    ).encode()


def _finding_payload(book: Casebook, finding: Finding, position: int) -> dict[str, Any]:
    place = finding_place(book, finding.form, finding.item_uid, finding.field)
    return {
        "message": finding.message,
        "message_zh": finding.message_zh,
        "where": place[0],
        "where_zh": place[1],
        "cycle": finding.cycle,
        "dates": [d.isoformat() for d in finding.dates],
        "position": position,
    }


class _Rows:
    """Encrypting and decrypting query rows of one study."""

    def __init__(self, study: OpenStudy) -> None:
        self.study = study
        self.db_uid = study.info.db_uid

    def read(self, patient_uid: str, q: Query) -> dict[str, Any]:
        try:
            plain = self.study.keyring.records.decrypt(
                q.payload, query_aad(self.db_uid, patient_uid, q)
            )
        except DecryptionFailed:
            session = object_session(q)
            patient = session.get(Patient, q.patient_id) if session is not None else None
            subject = patient.subject_code if patient is not None else f"patient {patient_uid}"
            raise altered_query(self.study, subject, q.uid, q.form_id, q.status) from None
        data: dict[str, Any] = json.loads(plain)
        return data

    def write(self, patient_uid: str, q: Query, payload: Mapping[str, Any]) -> None:
        plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        q.payload = self.study.keyring.records.encrypt(
            plain, query_aad(self.db_uid, patient_uid, q)
        )

    def save(
        self,
        patient_uid: str,
        q: Query,
        payload: Mapping[str, Any],
        status: str,
        now: dt.datetime,
    ) -> None:
        """Write ``payload`` with the query in ``status`` (changed now)."""
        q.status = status
        q.updated_at = now
        self.write(patient_uid, q, payload)

    def answered(
        self, patient_uid: str, q: Query, payload: dict[str, Any], answer: str, now: dt.datetime
    ) -> None:
        """The query answered by the user, with ``answer``: a text, or the data corrected.

        A center query counts its answers, so the center applies each answer once."""
        payload.update(
            answer=answer,
            answered_by=self.study.user.username,
            answered_at=now.isoformat(),
        )
        if q.origin == "center":
            payload["events"] = int(payload.get("events", 0)) + 1
        self.save(patient_uid, q, payload, "answered", now)

    def row(self, subject: str, patient_uid: str, q: Query) -> QueryRow:
        return self.row_and_position(subject, patient_uid, q)[0]

    def row_and_position(self, subject: str, patient_uid: str, q: Query) -> tuple[QueryRow, int]:
        p = self.read(patient_uid, q)
        row = QueryRow(
            uid=q.uid,
            subject=subject,
            form=q.form_id,
            item_uid=q.item_uid,
            field=q.field_id,
            rule=q.rule,
            severity=_SEVERITY.get(q.severity, "error"),
            status=_STATUS.get(q.status, "open"),
            message=p["message"],
            message_zh=p["message_zh"],
            where=p.get("where", q.form_id),
            where_zh=p.get("where_zh", q.form_id),
            cycle=p.get("cycle"),
            dates=tuple(dt.date.fromisoformat(d) for d in p.get("dates", [])),
            answer=p.get("answer"),
            answered_by=p.get("answered_by"),
            note=p.get("note"),
            closed_by=p.get("closed_by"),
            resolved_by_data=p.get("resolution") == "data_change",
            present=p.get("present", True),
            created_at=q.created_at,
            updated_at=q.updated_at,
            origin=q.origin or "site",
            center_id=q.center_id,
            center_history=tuple(p.get("center", {}).get("history", ())),
            center_value=p.get("center", {}).get("center_value"),
            corrections=tuple(p.get("corrections", ())),
        )
        return row, int(p.get("position", 0))


AuditStyle = Literal["site", "center"]


def audit_query(
    study: OpenStudy,
    session: Session,
    action: str,
    subject: str,
    q: Query,
    *,
    reason: str | None = None,
    style: AuditStyle = "site",
    **details: Any,
) -> None:
    """The audit entry of a change of query ``q`` (in the caller's transaction).

    Two kinds of entry, kept as they have always been written (the trail is read back,
    compared and sent as it stands):

    - ``site``, by this service (for any query, one of the center's included): the form
      id as stored, the query's rule and severity;
    - ``center``, by the import of the center's query files and the correction of the
      field a center query is about (:mod:`rego_desktop.services.center_queries`): no
      form id for a query about the whole patient, the center's query id and the origin.
    """
    which: dict[str, Any]
    if style == "center":
        form_id, which = q.form_id or None, {"center_query": q.center_id}
    else:
        form_id, which = q.form_id, {"rule": q.rule, "severity": q.severity}
    head = {"query": q.uid, **which, "field": q.field_id, "status": q.status}
    if style == "center":
        head["origin"] = "center"
    trail.append(
        session,
        study.keyring,
        study.user,
        action,
        subject_code=subject,
        form_id=form_id,
        item_uid=q.item_uid or None,
        reason=reason,
        details={**head, **details},
    )


def find_query(session: Session, query_uid: str) -> tuple[Query, Patient]:
    """The query ``query_uid`` and its patient; NotFound when there is no such query."""
    found = session.execute(
        select(Query, Patient)
        .join(Patient, Patient.id == Query.patient_id)
        .where(Query.uid == query_uid)
    ).first()
    if found is None:
        raise NotFound(f"There is no query {query_uid}.", zh=f"没有质疑 {query_uid}。")
    q, patient = found
    return q, patient


def sync_casebook(
    study: OpenStudy,
    session: Session,
    patient: Patient,
    book: Casebook,
    *,
    today: dt.date | None = None,
) -> SyncResult:
    """Bring one patient's queries in line with the findings of ``book``.

    Runs in the caller's transaction (the patient service may call it before commit,
    so queries always match the saved data). New findings open queries; queries whose
    finding disappeared are closed as resolved by the data change; a query closed that
    way whose finding is back is re-opened; messages follow the current wording.
    """
    rows = _Rows(study)
    subject = patient.subject_code
    result = SyncResult(patients=1)
    current: dict[str, tuple[Finding, int]] = {}
    for position, finding in enumerate(run_checks(book, today=today)):
        current.setdefault(finding.fingerprint, (finding, position))
    existing = session.scalars(
        select(Query).where(Query.patient_id == patient.id, Query.origin == "site")
    )
    now = utcnow()
    for q in existing:
        payload = rows.read(patient.uid, q)
        match = current.pop(q.fingerprint, None)
        if match is None:
            if q.status in ("open", "answered"):
                payload.update(
                    present=False,
                    resolution="data_change",
                    note=RESOLVED_BY_DATA,
                    closed_by=BY_CHECKS,
                    closed_at=now.isoformat(),
                )
                rows.save(patient.uid, q, payload, "closed", now)
                audit_query(
                    study,
                    session,
                    "query.close",
                    subject,
                    q,
                    reason=RESOLVED_BY_DATA,
                    automatic=True,
                )
                result.closed += 1
            elif payload.get("present", True):
                payload["present"] = False
                rows.write(patient.uid, q, payload)
            continue
        finding, position = match
        fresh = _finding_payload(book, finding, position)
        changed = any(payload.get(k) != v for k, v in fresh.items())
        reopen = q.status == "closed" and (
            payload.get("resolution") == "data_change" or not payload.get("present", True)
        )
        if q.severity != finding.severity:
            q.severity = finding.severity
            changed = True
        if reopen:
            payload.update(fresh, present=True)
            for key in ("resolution", "note", "closed_by", "closed_at", "answer", "answered_by"):
                payload[key] = None
            rows.save(patient.uid, q, payload, "open", now)
            audit_query(
                study,
                session,
                "query.reopen",
                subject,
                q,
                reason="finding is back",
                automatic=True,
                message=finding.message,
            )
            result.reopened += 1
        elif changed or not payload.get("present", True):
            if any(payload.get(k) != fresh[k] for k in ("message", "message_zh")):
                q.updated_at = now
                result.updated += 1
            payload.update(fresh, present=True)
            rows.write(patient.uid, q, payload)
        if q.status == "open":
            result.open_now += 1
    for finding, position in current.values():
        q = Query(
            uid=new_uid(),
            patient_id=patient.id,
            fingerprint=finding.fingerprint,
            form_id=finding.form,
            item_uid=finding.item_uid,
            field_id=finding.field,
            rule=finding.rule,
            severity=finding.severity,
            status="open",
            created_at=now,
            updated_at=now,
            payload=b"",
        )
        payload = {**_finding_payload(book, finding, position), "present": True}
        rows.write(patient.uid, q, payload)
        session.add(q)
        audit_query(
            study,
            session,
            "query.open",
            subject,
            q,
            automatic=True,
            message=finding.message,
            message_zh=finding.message_zh,
        )
        result.opened += 1
        result.open_now += 1
    result.by_subject[subject] = result.open_now
    return result


class QueryService:
    def __init__(self, study: OpenStudy) -> None:
        self.study = study
        self._rows = _Rows(study)

    # ------------------------------------------------------------ synchronising

    def sync(self, subject_code: str, *, today: dt.date | None = None) -> SyncResult:
        """Raise, update and auto-close one patient's queries from the current data."""
        self.study.user.require(Permission.VIEW_DATA)
        with self.study.transaction() as session:
            patient = self._patient(session, subject_code)
            book = load_casebook(self.study, session, patient)
            return sync_casebook(self.study, session, patient, book, today=today)

    def sync_all(
        self, progress: Progress | None = None, *, today: dt.date | None = None
    ) -> SyncResult:
        """:meth:`sync` for every patient, :data:`SYNC_BATCH` patients per transaction."""
        self.study.user.require(Permission.VIEW_DATA)
        with self.study.reading() as session:
            ids = list(session.scalars(select(Patient.id).order_by(Patient.id)))
        total = SyncResult()
        if progress is not None:
            progress(0, len(ids))
        for start in range(0, len(ids), SYNC_BATCH):
            batch = ids[start : start + SYNC_BATCH]
            with self.study.transaction() as session:
                patients = session.scalars(
                    select(Patient).where(Patient.id.in_(batch)).order_by(Patient.id)
                )
                for patient in patients:
                    try:
                        book = load_casebook(self.study, session, patient)
                    except DamagedRecord as exc:
                        if not skip_damaged(exc):
                            raise
                        continue
                    total.merge(sync_casebook(self.study, session, patient, book, today=today))
            if progress is not None:
                progress(start + len(batch), len(ids))
        return total

    # ------------------------------------------------------------ reading

    def list(
        self,
        subject: str | None = None,
        status: QueryStatus | Iterable[QueryStatus] | None = None,
        *,
        severity: Severity | None = None,
    ) -> builtins.list[QueryRow]:
        """Queries of one patient, or of the whole site, in subject and CRF order."""
        self.study.user.require(Permission.VIEW_DATA)
        statuses: tuple[str, ...] | None
        if status is None:
            statuses = None
        elif isinstance(status, str):
            statuses = (status,)
        else:
            statuses = tuple(status)
        stmt = (
            select(Query, Patient.uid, Patient.subject_code)
            .join(Patient, Patient.id == Query.patient_id)
            .order_by(Patient.id, Query.id)
        )
        if subject is not None:
            stmt = stmt.where(Patient.subject_code == subject)
        if statuses is not None:
            stmt = stmt.where(Query.status.in_(statuses))
        if severity is not None:
            stmt = stmt.where(Query.severity == severity)
        with self.study.reading() as session:
            if subject is not None:
                self._patient(session, subject)
            found = [
                self._rows.row_and_position(code, puid, q)
                for q, puid, code in session.execute(stmt)
            ]
        order = {
            code: index for index, code in enumerate(dict.fromkeys(r.subject for r, _ in found))
        }
        found.sort(key=lambda item: (order[item[0].subject], item[1]))
        return [row for row, _ in found]

    def get(self, query_uid: str) -> QueryRow:
        self.study.user.require(Permission.VIEW_DATA)
        with self.study.reading() as session:
            q, patient = find_query(session, query_uid)
            return self._rows.row(patient.subject_code, patient.uid, q)

    def counts(self, subject: str | None = None) -> dict[str, int]:
        """Number of queries per status (for a patient or the site)."""
        rows = self.list(subject)
        return {s: sum(1 for r in rows if r.status == s) for s in STATUSES}

    def history(self, query_uid: str) -> builtins.list[trail.AuditRecord]:
        """Every audit entry of one query, oldest first."""
        self.study.user.require(Permission.VIEW_AUDIT)
        with self.study.reading() as session:
            _, patient = find_query(session, query_uid)
            records = trail.read(
                session, self.study.keyring, self.study.info.db_uid, patient.subject_code
            )
        return [r for r in records if r.details.get("query") == query_uid]

    # ------------------------------------------------------------ acting

    def answer(self, query_uid: str, reason: str) -> QueryRow:
        """Data entry or investigator gives the reason the data stand (or will change)."""
        self.study.user.require(Permission.ANSWER_QUERIES)
        text = reason.strip()
        if not text:
            raise ValidationError(
                "Give the reason for the finding; it goes to the audit trail.",
                zh="请填写该发现的原因；该原因将记入稽查轨迹。",
            )
        with self.study.transaction() as session:
            q, patient = find_query(session, query_uid)
            if q.status == "closed":
                raise ValidationError(
                    "This query is closed; a reviewer can re-open it.",
                    zh="该质疑已关闭；审核人员可以重新开启。",
                )
            payload = self._rows.read(patient.uid, q)
            self._rows.answered(patient.uid, q, payload, text, utcnow())
            return self._audited(session, patient, q, "query.answer", text)

    def close(self, query_uid: str, note: str = "") -> QueryRow:
        """A reviewer (investigator or monitor) accepts the answer and closes the query."""
        self._refuse_center(query_uid)
        self.study.user.require(Permission.CLOSE_QUERIES)
        text = note.strip()
        with self.study.transaction() as session:
            q, patient, payload = self._reviewed(
                session, query_uid, "closed", "This query is already closed.", "该质疑已关闭。"
            )
            if q.rule in HARD_RULES and payload.get("present", True):
                raise ValidationError(
                    "This finding is impossible data and cannot be accepted; once the data "
                    "are corrected the query closes by itself.",
                    zh="该发现属于不可能的数据，不能接受；数据更正后质疑将自动关闭。",
                )
            if q.status == "open" and not text:
                raise ValidationError(
                    "This query has no answer yet; give a note saying why it is closed.",
                    zh="该质疑尚未回复；请填写关闭原因的说明。",
                )
            now = utcnow()
            payload.update(
                note=text or None,
                closed_by=self.study.user.username,
                closed_at=now.isoformat(),
                resolution="accepted",
            )
            self._rows.save(patient.uid, q, payload, "closed", now)
            return self._audited(session, patient, q, "query.close", text or None)

    def reopen(self, query_uid: str, note: str) -> QueryRow:
        """A reviewer does not accept the answer (or the closing): open again."""
        self._refuse_center(query_uid)
        self.study.user.require(Permission.CLOSE_QUERIES)
        text = note.strip()
        if not text:
            raise ValidationError(
                "Say why the query is re-opened; it goes to the audit trail.",
                zh="请说明重新开启质疑的原因；该原因将记入稽查轨迹。",
            )
        with self.study.transaction() as session:
            q, patient, payload = self._reviewed(
                session, query_uid, "open", "This query is already open.", "该质疑已处于开启状态。"
            )
            if not payload.get("present", True):
                raise ValidationError(
                    "The data no longer show this finding; there is nothing to re-open.",
                    zh="数据中已不再存在该发现；无需重新开启。",
                )
            payload.update(
                note=text,
                reopened_by=self.study.user.username,
                resolution=None,
                closed_by=None,
                closed_at=None,
            )
            self._rows.save(patient.uid, q, payload, "open", utcnow())
            return self._audited(session, patient, q, "query.reopen", text)

    # ------------------------------------------------------------ helpers

    def _reviewed(
        self, session: Session, query_uid: str, already: QueryStatus, message: str, zh: str
    ) -> tuple[Query, Patient, dict[str, Any]]:
        """A site query a reviewer closes or re-opens, with its payload; refused (with
        ``message``) when it is ``already`` in the status asked for."""
        q, patient = find_query(session, query_uid)
        self._not_center(q)
        if q.status == already:
            raise ValidationError(message, zh=zh)
        return q, patient, self._rows.read(patient.uid, q)

    def _audited(
        self, session: Session, patient: Patient, q: Query, action: str, reason: str | None
    ) -> QueryRow:
        """Audit the change of ``q`` the user made; the query as it is now."""
        audit_query(self.study, session, action, patient.subject_code, q, reason=reason)
        return self._rows.row(patient.subject_code, patient.uid, q)

    def _refuse_center(self, query_uid: str) -> None:
        """Say first that a center query is closed by the center (whoever asks)."""
        with self.study.reading() as session:
            origin = session.scalar(select(Query.origin).where(Query.uid == query_uid))
        if origin == "center":
            self._not_center(Query(origin="center"))

    @staticmethod
    def _not_center(q: Query) -> None:
        if q.origin == "center":
            raise ValidationError(
                "This query was raised by the coordinating center: answer it (or correct the "
                "data); only the center closes or re-opens it.",
                zh="该质疑由协调中心提出：请回复（或修改数据）；只有协调中心可以关闭或重新开启。",
            )

    def _patient(self, session: Session, subject_code: str) -> Patient:
        patient = session.scalar(select(Patient).where(Patient.subject_code == subject_code))
        if patient is None:
            raise NotFound(
                f"There is no subject {subject_code} in this study.",
                zh=f"本研究中没有受试者 {subject_code}。",
            )
        return patient
