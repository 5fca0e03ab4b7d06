"""Turning a study made by this build into what an older build wrote.

Downgrading the schema with Alembic drops the tags, but the audit trail still says the
study was tagged from its creation (and that must stay tamper-evident). A real older
file's first entry lacks that mark, so the helper rewrites the first entry without it
and re-chains the trail with the study's key, as the older build would have written it.
"""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.authority.check import CREATE_DETAIL
from rego_desktop.crypto.envelope import DataKeyring
from rego_desktop.models import AuditEntry, StudyMeta
from rego_desktop.store import migrate


def make_legacy(db_path: Path, keyring: DataKeyring, revision: str = "0005") -> None:
    """Downgrade to ``revision`` and write the trail as a build without tags did."""
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), revision)
    with Session(engine) as session, session.begin():
        db_uid = session.execute(select(StudyMeta.db_uid)).scalar_one()
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        first = entries[0]
        body = json.loads(
            keyring.records.decrypt(first.payload, f"audit|{db_uid}|{first.seq}".encode())
        )
        body["details"].pop(CREATE_DETAIL, None)
        first.payload = keyring.records.encrypt(
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
            f"audit|{db_uid}|{first.seq}".encode(),
        )
        prev = trail.genesis_mac(keyring, db_uid)
        for entry in entries:
            entry.prev_mac = prev
            entry.mac = trail.entry_mac(keyring, entry)
            prev = entry.mac
        session.flush()
        session.execute(
            StudyMeta.__table__.update().values(  # type: ignore[attr-defined]
                audit_head_mac=prev,
                audit_head_tag=trail.head_tag(keyring, entries[-1].seq, prev),
            )
        )
    engine.dispose()
