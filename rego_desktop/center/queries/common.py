"""The center's queries as rows: reading, values shown, shared constants (see
:mod:`rego_desktop.center.queries`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from sqlalchemy import select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.models import CenterEntry, CenterPatient
from rego_desktop.center.pooled import _definition
from rego_desktop.center.query_models import CenterQuery
from rego_desktop.errors import NotFound, RegoError, ValidationError
from rego_desktop.exchange.query_file import (
    HistoryEvent,
    QueryItem,
)
from rego_desktop.study.schema import FieldType, StudyDefinition

Status = Literal["open", "answered", "closed"]
STATUSES: Final[tuple[Status, ...]] = ("open", "answered", "closed")
MAX_TEXT: Final = 4000
BY_CHECKS: Final = "edit checks"
RESOLVED_BY_DATA: Final = "resolved by data change at the site"
WITHDRAWN_BY_ROLLBACK: Final = "answer withdrawn by rollback"
_BATCH: Final = 2000
_DATE_RE: Final = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


class CenterQueryError(RegoError):
    """A query action the center asked for cannot be done (the message says why)."""


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class CenterQueryRow:
    """One query as the center's lists, command line and window show it."""

    query_id: str
    site: str
    subject: str
    form: str | None
    entry: str | None
    field: str | None
    origin: str
    rule: str | None
    severity: str | None
    status: Status
    revision: int
    acked_revision: int
    text: str
    text_zh: str | None
    center_value: str | None
    """The value when the query was raised."""
    current_value: str | None
    """The value in the pooled data now (the corrected value after a correction)."""
    raised_at: dt.datetime
    raised_by: str
    updated_at: dt.datetime
    answer: str | None
    answered_by: str | None
    answered_at: dt.datetime | None
    corrections: tuple[dict[str, Any], ...]
    history: tuple[HistoryEvent, ...]

    @property
    def acknowledged(self) -> bool:
        """The site has imported the current revision."""
        return self.acked_revision >= self.revision

    def to_json_object(self) -> dict[str, Any]:
        return {
            "id": self.query_id,
            "site": self.site,
            "subject": self.subject,
            "form": self.form,
            "entry": self.entry,
            "field": self.field,
            "origin": self.origin,
            "rule": self.rule,
            "severity": self.severity,
            "status": self.status,
            "revision": self.revision,
            "acknowledged_revision": self.acked_revision,
            "text": self.text,
            "text_zh": self.text_zh,
            "center_value": self.center_value,
            "current_value": self.current_value,
            "raised_at": self.raised_at.isoformat(),
            "raised_by": self.raised_by,
            "updated_at": self.updated_at.isoformat(),
            "answer": self.answer,
            "answered_by": self.answered_by,
            "answered_at": None if self.answered_at is None else self.answered_at.isoformat(),
            "corrections": list(self.corrections),
            "history": [e.to_json_object() for e in self.history],
        }

    def item(self) -> QueryItem:
        """What the query file carries."""
        return QueryItem(
            id=self.query_id,
            revision=self.revision,
            subject=self.subject,
            form=self.form,
            entry=self.entry,
            field=self.field,
            rule=self.rule,
            severity=self.severity,
            status=self.status,
            text=self.text,
            text_zh=self.text_zh,
            center_value=self.center_value,
            history=self.history,
        )


def _history(text: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(text)
    return data


def _event(event: str, by: str, text: str | None, at: dt.datetime) -> dict[str, Any]:
    return {"at": _second(at).isoformat(), "event": event, "by": by, "text": text}


def _second(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _history_events(text: str) -> tuple[HistoryEvent, ...]:
    return tuple(
        HistoryEvent(dt.datetime.fromisoformat(e["at"]), e["event"], e["by"], e["text"])
        for e in _history(text)
    )


def _row(q: CenterQuery, current: str | None) -> CenterQueryRow:
    return CenterQueryRow(
        query_id=q.query_id,
        site=q.site_code,
        subject=q.subject_code,
        form=q.form_id,
        entry=q.entry_id,
        field=q.field_id,
        origin=q.origin,
        rule=q.rule,
        severity=q.severity,
        status=cast(Status, q.status),
        revision=q.revision,
        acked_revision=q.acked_revision,
        text=q.text,
        text_zh=q.text_zh,
        center_value=q.center_value,
        current_value=current,
        raised_at=q.raised_at,
        raised_by=q.raised_by,
        updated_at=q.updated_at,
        answer=q.answer,
        answered_by=q.answered_by,
        answered_at=q.answered_at,
        corrections=tuple(json.loads(q.corrections_json)),
        history=_history_events(q.history_json),
    )


# --------------------------------------------------------------------------- values


def display_value(
    definition: StudyDefinition, form_id: str, field_id: str, data: Any
) -> str | None:
    """A de-identified stored value as text (dates as study days)."""
    if data is None:
        return None
    form = definition.form(form_id) if definition.has_form(form_id) else None
    f = form.field(field_id) if form is not None and form.has_field(field_id) else None
    if f is not None and f.type is FieldType.DATE and type(data) is int:
        return f"study day {data}"
    if isinstance(data, dict) and "value" in data and "unit" in data:
        return f"{data['value']} {data['unit']}"
    if isinstance(data, list):
        return ", ".join(str(v) for v in data)
    return str(data)


def _current_values(
    session: Session, keys: Iterable[tuple[str, str | None, str | None, str | None]]
) -> dict[tuple[str, str | None, str | None, str | None], str | None]:
    """(subject, form, entry, field) -> the pooled value now, as text."""
    wanted = {k for k in keys if k[1] is not None and k[3] is not None}
    subjects = sorted({k[0] for k in wanted})
    out: dict[tuple[str, str | None, str | None, str | None], str | None] = {}
    for start in range(0, len(subjects), _BATCH):
        part = subjects[start : start + _BATCH]
        rows = session.execute(
            select(
                CenterPatient.subject_code,
                CenterPatient.study_id,
                CenterPatient.study_version,
                CenterEntry.form_id,
                CenterEntry.entry_id,
                CenterEntry.values_json,
            )
            .join(CenterEntry, CenterEntry.patient_id == CenterPatient.id)
            .where(CenterPatient.subject_code.in_(part))
        )
        by_place: dict[tuple[str, str, str], tuple[StudyDefinition, dict[str, Any]]] = {}
        for subj, study_id, version, fid, eid, text in rows:
            by_place[(subj, fid, eid)] = (_definition(study_id, version), json.loads(text))
        for key in wanted:
            subject, form_id, entry_id, field_id = key
            if subject not in part or form_id is None or field_id is None:
                continue
            found = by_place.get((subject, form_id, entry_id or ""))
            out[key] = (
                None
                if found is None
                else display_value(found[0], form_id, field_id, found[1].get(field_id))
            )
    return out


def _rows(session: Session, queries: Sequence[CenterQuery]) -> list[CenterQueryRow]:
    keys = [(q.subject_code, q.form_id, q.entry_id, q.field_id) for q in queries]
    current = _current_values(session, keys)
    return [_row(q, current.get(k)) for q, k in zip(queries, keys, strict=True)]


# --------------------------------------------------------------------------- reading


def list_queries(
    db: CenterDatabase,
    *,
    site: str | None = None,
    status: Status | Iterable[Status] | None = None,
    subject: str | None = None,
    subject_part: bool = False,
) -> list[CenterQueryRow]:
    """Queries by site, subject and query id (filtered by site, status, subject: the
    whole code, or with ``subject_part`` any code containing it, ignoring case, as
    a data manager types "0012" or "bj01" into the window's filter)."""
    stmt = select(CenterQuery).order_by(
        CenterQuery.site_code, CenterQuery.subject_code, CenterQuery.id
    )
    if site is not None:
        stmt = stmt.where(CenterQuery.site_code == site)
    if subject is not None and subject_part:
        escaped = subject.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(CenterQuery.subject_code.ilike(f"%{escaped}%", escape="\\"))
    elif subject is not None:
        stmt = stmt.where(CenterQuery.subject_code == subject)
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        for s in wanted:
            _check_status(s)
        stmt = stmt.where(CenterQuery.status.in_(wanted))
    with db.reading() as session:
        return _rows(session, list(session.scalars(stmt)))


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValidationError(
            f"{status!r} is not a query status: use open, answered or closed.",
            zh=f"“{status}”不是质疑状态：请使用 open、answered 或 closed。",
        )


def get_query(db: CenterDatabase, query_id: str) -> CenterQueryRow:
    with db.reading() as session:
        q = _find(session, query_id)
        return _rows(session, [q])[0]


def pending_queries(db: CenterDatabase, site: str) -> list[CenterQueryRow]:
    """The queries the next query file of ``site`` carries (not acknowledged as they are)."""
    with db.reading() as session:
        return _rows(session, _pending(session, site))


def _pending(session: Session, site: str) -> list[CenterQuery]:
    """Not acknowledged at their current revision, about patients the pooled data still
    hold (a patient the site deleted has nobody to answer for it at the site)."""
    return list(
        session.scalars(
            select(CenterQuery)
            .join(CenterPatient, CenterPatient.subject_code == CenterQuery.subject_code)
            .where(
                CenterQuery.site_code == site,
                CenterQuery.acked_revision < CenterQuery.revision,
            )
            .order_by(CenterQuery.id)
        )
    )


def _serialise(session: Session) -> None:
    """On PostgreSQL, raising and exporting queries wait for each other (query numbers
    and file numbers are taken as the highest plus one). SQLite writers are serial."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sql_text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": "rego-center-queries"},
        )


def _find(session: Session, query_id: str, *, lock: bool = False) -> CenterQuery:
    stmt = select(CenterQuery).where(CenterQuery.query_id == query_id.strip().upper())
    if lock:
        stmt = stmt.with_for_update()
    q = session.scalar(stmt)
    if q is None:
        raise NotFound(
            f"There is no query {query_id} at this center. List them with "
            "rego-center queries list.",
            zh=f"本中心没有质疑 {query_id}。可用 rego-center queries list 列出质疑。",
        )
    return q


def _change(
    q: CenterQuery, status: str, event: str, by: str, text: str | None, now: dt.datetime
) -> None:
    history = _history(q.history_json)
    history.append(_event(event, by, text, now))
    q.history_json = json.dumps(history, ensure_ascii=False)
    q.status = status
    q.revision += 1
    q.updated_at = now


def _study_of(session: Session, site: str) -> tuple[str, str] | None:
    row = session.execute(
        select(CenterPatient.study_id, CenterPatient.study_version)
        .where(CenterPatient.site_code == site)
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])
