"""Per-patient results kept for later reads: analysis rows (``analysis_rows``), workbook
sheet rows (``sheet_rows``) and status facts (``status``).

Each is computed from a patient's content by some code, and is valid only for that
content (``content_sha256``) and that code (a fingerprint of its source), which every
read checks. The merge stores them for the patients it writes, in its transaction. A
read that had to compute some (patients merged by an older program, restored by a
rollback) keeps them with :func:`keep`, so only the first read after an upgrade pays.
Keeping is best effort: a patient changed or removed meanwhile is skipped, and a busy
or read-only database (or a PostgreSQL role without write privileges) leaves the
results uncached (logged), never failing the read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import Table, select
from sqlalchemy import delete as sa_delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import CenterDatabaseError
from rego_desktop.center.models import CenterPatient

__all__ = ["delete", "keep", "upsert"]

KEY: Final = "patient_id"
_BATCH: Final = 2000

log = logging.getLogger(__name__)


def upsert(session: Session, table: Table, values: Sequence[Mapping[str, Any]]) -> None:
    """Insert or replace rows keyed by patient id (every row with the same columns)."""
    if not values:
        return
    dialect = session.get_bind().dialect.name
    statement: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[KEY]],
        set_={name: statement.excluded[name] for name in values[0] if name != KEY},
    )
    session.execute(statement, list(values))


def delete(session: Session, table: Table, patient_ids: Sequence[int]) -> None:
    """Delete these patients' rows (the merge, when it replaces or removes them)."""
    ids = list(patient_ids)
    for start in range(0, len(ids), _BATCH):
        session.execute(sa_delete(table).where(table.c[KEY].in_(ids[start : start + _BATCH])))


def keep(db: CenterDatabase, table: Table, values: Sequence[Mapping[str, Any]]) -> int:
    """Store results a read computed (each with ``patient_id`` and the
    ``content_sha256`` it was computed from), a batch per short write transaction, for
    patients whose content is still that; returns how many were stored."""
    stored = 0
    for start in range(0, len(values), _BATCH):
        batch = values[start : start + _BATCH]
        try:
            with db.transaction() as session:
                query = select(CenterPatient.id, CenterPatient.content_sha256).where(
                    CenterPatient.id.in_([v[KEY] for v in batch])
                )
                current: dict[int, str] = {}
                for pid, content in session.execute(query):
                    current[pid] = content
                fresh = [v for v in batch if current.get(v[KEY]) == v["content_sha256"]]
                upsert(session, table, fresh)
        except (CenterDatabaseError, DBAPIError) as exc:  # busy, read-only, no privilege
            log.warning("%s not kept for later reads: %s", table.name, exc)
            return stored
        stored += len(fresh)
    return stored
