"""Closing and re-opening queries, the sites' answers applied at merge, answers
withdrawn by a rollback (see :mod:`rego_desktop.center.queries`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop.center import audit
from rego_desktop.center.audit import AuditAction
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.queries.common import (
    _BATCH,
    WITHDRAWN_BY_ROLLBACK,
    CenterQueryError,
    CenterQueryRow,
    _change,
    _event,
    _find,
    _history,
    _rows,
)
from rego_desktop.center.queries.raising import (
    _check_text,
)
from rego_desktop.center.query_models import CenterQuery
from rego_desktop.errors import ValidationError
from rego_desktop.exchange.query_responses import QueryResponse
from rego_desktop.models.base import utcnow

# --------------------------------------------------------------------------- acting


def close_query(db: CenterDatabase, query_id: str, text: str | None = None) -> CenterQueryRow:
    """Close a query (the answer is accepted, or it is no longer needed)."""
    note = _check_text(text, "the closing note") if text is not None and text.strip() else None
    with db.transaction() as session:
        q = _find(session, query_id, lock=True)
        if q.status == "closed":
            raise CenterQueryError(
                f"Query {q.query_id} is already closed; re-open it first if it needs more work.",
                zh=f"质疑 {q.query_id} 已关闭；如需继续处理请先重新开启。",
            )
        if q.status == "open" and note is None:
            raise ValidationError(
                f"Query {q.query_id} has no answer from the site yet; give --text saying why "
                "it is closed.",
                zh=f"质疑 {q.query_id} 尚未收到站点的回复；请用 --text 说明关闭原因。",
            )
        before = q.status
        _change(q, "closed", "closed", audit.operator(), note, utcnow())
        audit.append(
            session,
            AuditAction.QUERY_CLOSE,
            site_code=q.site_code,
            details={"query": q.query_id, "from": before, "text": note, "revision": q.revision},
        )
        return _rows(session, [q])[0]


def reopen_query(db: CenterDatabase, query_id: str, text: str) -> CenterQueryRow:
    """Re-open an answered or closed query, saying why (the text goes to the site)."""
    note = _check_text(text, "the reason for re-opening")
    with db.transaction() as session:
        q = _find(session, query_id, lock=True)
        if q.status == "open":
            raise CenterQueryError(
                f"Query {q.query_id} is already open.",
                zh=f"质疑 {q.query_id} 已处于开启状态。",
            )
        before = q.status
        _change(q, "open", "reopened", audit.operator(), note, utcnow())
        audit.append(
            session,
            AuditAction.QUERY_REOPEN,
            site_code=q.site_code,
            details={"query": q.query_id, "from": before, "text": note, "revision": q.revision},
        )
        return _rows(session, [q])[0]


# --------------------------------------------------------------------------- answers


@dataclass
class ResponseResult:
    acknowledged: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.acknowledged or self.answered or self.corrected or self.unknown)

    def to_json_object(self) -> dict[str, Any]:
        return {
            "acknowledged": self.acknowledged,
            "answered": self.answered,
            "corrected": self.corrected,
            "unknown": self.unknown,
        }


def apply_responses(
    session: Session,
    site_code: str,
    responses: Sequence[QueryResponse],
    *,
    package_sequence: int | None = None,
) -> ResponseResult:
    """Apply a transfer file's answers to center queries, in the merge's transaction.

    Acknowledgements raise ``acked_revision`` (never lower it); the site's answers and
    corrections are applied when the site's event count is higher than what was merged
    before, so a file merged twice or an older file changes nothing. An answer to the
    current revision makes an open query ``answered``; an answer to a revision the center
    has since changed (closed, re-opened) is kept in the history only.
    """
    result = ResponseResult()
    if not responses:
        return result
    now = utcnow()
    ids = [r.query for r in responses]
    found: dict[str, CenterQuery] = {}
    for start in range(0, len(ids), _BATCH):
        for row in session.scalars(
            select(CenterQuery).where(CenterQuery.query_id.in_(ids[start : start + _BATCH]))
        ):
            found[row.query_id] = row
    for response in responses:
        q = found.get(response.query)
        if q is None or q.site_code != site_code or q.subject_code != response.subject:
            result.unknown.append(response.query)
            continue
        seen = min(response.revision, q.revision)
        if seen > q.acked_revision:
            q.acked_revision = seen
            result.acknowledged.append(q.query_id)
        if response.events <= q.site_events:
            continue
        history = _history(q.history_json)
        known = json.loads(q.corrections_json)
        new_corrections = [c for c in response.corrections if c.to_json_object() not in known]
        for c in new_corrections:
            history.append(_event("corrected", c.by, f"{c.form}.{c.field}: {c.reason}", c.at))
        if new_corrections:
            result.corrected.append(q.query_id)
        if response.answer is not None and (
            response.answer != q.answer or response.answered_at != q.answered_at
        ):
            assert response.answered_at is not None
            assert response.answered_by is not None
            history.append(
                _event("answered", response.answered_by, response.answer, response.answered_at)
            )
            q.answer = response.answer
            q.answered_by = response.answered_by
            q.answered_at = response.answered_at
            result.answered.append(q.query_id)
        if response.status == "answered" and q.status == "open" and response.revision >= q.revision:
            q.status = "answered"
        q.corrections_json = json.dumps(
            [c.to_json_object() for c in response.corrections], ensure_ascii=False
        )
        q.history_json = json.dumps(history, ensure_ascii=False)
        q.site_events = response.events
        q.updated_at = now
    if result.changed:
        audit.append(
            session,
            AuditAction.QUERY_RESPONSE,
            site_code=site_code,
            details={"package_sequence": package_sequence, **result.to_json_object()},
        )
    return result


def withdraw_rolled_back_answers(
    session: Session, site_code: str, sequences: Sequence[int], to_sequence: int
) -> list[str]:
    """Re-open the queries a rolled-back package answered, in the rollback's transaction.

    The rule: a query still ``answered`` whose answer came in one of the packages undone
    (``sequences``; found in the audit trail's query-response entries of those packages)
    no longer has an answer the center's data support. It is re-opened with the event
    ``answer withdrawn by rollback`` (the answer stays in its history, the current answer
    is cleared), its revision rises so the next query file sends it to the site again,
    and the re-opening is audited. Closed queries stay closed (the center decided on
    them); open ones have nothing to withdraw. Returns the query ids re-opened.
    """
    from rego_desktop.center.models import CenterAuditEntry

    undone = set(sequences)
    if not undone:
        return []
    answered: set[str] = set()
    for details in session.scalars(
        select(CenterAuditEntry.details).where(
            CenterAuditEntry.action == AuditAction.QUERY_RESPONSE.value,
            CenterAuditEntry.site_code == site_code,
        )
    ):
        data = json.loads(details)
        if data.get("package_sequence") in undone:
            answered.update(str(q) for q in data.get("answered", []))
    if not answered:
        return []
    ids = sorted(answered)
    now = utcnow()
    reopened: list[str] = []
    for start in range(0, len(ids), _BATCH):
        for q in session.scalars(
            select(CenterQuery)
            .where(
                CenterQuery.query_id.in_(ids[start : start + _BATCH]),
                CenterQuery.site_code == site_code,
                CenterQuery.status == "answered",
            )
            .order_by(CenterQuery.id)
        ):
            note = (
                f"{WITHDRAWN_BY_ROLLBACK}: the center returned site {site_code} to its "
                f"package {to_sequence}, so the data this answer refers to are gone; "
                "please answer again from the data sent next."
            )
            _change(q, "open", "reopened", audit.operator(), note, now)
            q.answer = None
            q.answered_by = None
            q.answered_at = None
            reopened.append(q.query_id)
            audit.append(
                session,
                AuditAction.QUERY_REOPEN,
                site_code=site_code,
                details={
                    "query": q.query_id,
                    "from": "answered",
                    "text": note,
                    "revision": q.revision,
                    "rollback_to": to_sequence,
                    "undone": sorted(undone),
                },
            )
    return reopened
