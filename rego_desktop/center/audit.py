"""The coordinating center's audit trail: append-only, hash-chained, verifiable.

What is recorded: every merge (file name and SHA-256, site, sequence, counts, the
operating-system user who ran it), every refused file (SHA-256 when the file could be
read, the site its header names, marked ``site_unverified`` when the file was refused
before its signature was checked, the reason and the message), site key
registrations, rollbacks. Appends of a merge happen in the merge's transaction, so the
data change and its audit entry commit together or not at all; a refusal is recorded
in its own transaction after the refused merge was rolled back.

**Key / MAC choice and threat model.** The site's trail (``rego_desktop.audit.trail``)
MACs each entry with a key unlocked by a user's password. The center has no per-user
password and must be checkable by a data manager without the private key passphrase
(``rego-center audit --verify`` runs without it), so the center's chain is a plain
SHA-256 chain: each entry's hash covers its content and the previous entry's hash,
starting from a fixed genesis value, and ``center_audit_head`` pins the newest entry's
number and hash. This detects an entry altered, deleted, inserted or reordered, and
entries removed from the end, by anyone who edits the database with ordinary tools
(SQL client, a restored old copy of one table, disk corruption). It does **not** stop
someone with write access who recomputes the whole chain: nothing secret goes into a
hash. Against that, the head hash printed by ``rego-center audit`` is an anchor to keep
outside the database (in the study's monthly report or an e-mail to the sponsor);
``--anchor SEQ:HASH`` checks that the chain still holds that entry, so a rewritten
history is found. An HMAC keyed from the center's private key would not add much at
the center: whoever can rewrite the database usually also holds the key folder, and
every check would need the passphrase.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.models import CenterAuditEntry, CenterAuditHead
from rego_desktop.models.base import utcnow

__all__ = [
    "GENESIS",
    "AuditAction",
    "AuditIssue",
    "append",
    "entry_hash",
    "operator",
    "read",
    "record",
    "verify",
]

GENESIS: Final = "0" * 64
HEAD_ID: Final = 1


class AuditAction(StrEnum):
    MERGE = "merge"
    REFUSED = "refused"
    REGISTER_KEY = "register_key"
    ROLLBACK = "rollback"
    # Issue 16: site key replacement and revocation, data queries to the sites.
    REPLACE_KEY = "replace_key"
    REVOKE_KEY = "revoke_key"
    QUERY_RAISE = "query_raise"
    QUERY_AUTO = "query_auto"
    QUERY_CLOSE = "query_close"
    QUERY_REOPEN = "query_reopen"
    QUERY_EXPORT = "query_export"
    QUERY_RESPONSE = "query_response"
    BACKUP = "backup"
    RESTORE = "restore"
    SETTING = "setting"
    # Pooled data leaving the center database (workbook, CDISC package).
    EXPORT = "export"


@dataclass(frozen=True)
class AuditIssue:
    seq: int
    kind: str  # "altered", "missing", "out_of_order", "truncated", "anchor"
    message: str

    def to_json_object(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "message": self.message}


def operator() -> str:
    """The operating-system user running the command ("unknown" if it cannot be told)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def _content(entry: CenterAuditEntry) -> bytes:
    fields = [
        entry.seq,
        entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        entry.operator,
        entry.action,
        entry.site_code or "",
        entry.file_sha256 or "",
        entry.details,
    ]
    return json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode()


def entry_hash(entry: CenterAuditEntry) -> str:
    return hashlib.sha256(entry.prev_hash.encode() + _content(entry)).hexdigest()


def append(
    session: Session,
    action: AuditAction,
    *,
    site_code: str | None = None,
    file_sha256: str | None = None,
    details: dict[str, Any] | None = None,
) -> CenterAuditEntry:
    """Add one entry in the caller's transaction (the head row is locked until commit)."""
    head = session.get(CenterAuditHead, HEAD_ID, with_for_update=True)
    if head is None:  # the migration creates it; a deleted head is itself reported
        head = CenterAuditHead(id=HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
    entry = CenterAuditEntry(
        seq=head.seq + 1,
        at=utcnow(),
        operator=operator(),
        action=action.value,
        site_code=site_code,
        file_sha256=file_sha256,
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
        prev_hash=head.hash,
        hash="",
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    head.seq = entry.seq
    head.hash = entry.hash
    return entry


def record(db: CenterDatabase, action: AuditAction, **kwargs: Any) -> CenterAuditEntry:
    """Append one entry in a transaction of its own."""
    with db.transaction() as session:
        return append(session, action, **kwargs)


def read(db: CenterDatabase) -> tuple[list[CenterAuditEntry], CenterAuditHead | None]:
    with db.reading() as session:
        entries = list(session.scalars(select(CenterAuditEntry).order_by(CenterAuditEntry.seq)))
        head = session.get(CenterAuditHead, HEAD_ID)
    return entries, head


def check_chain(
    entries: Iterable[CenterAuditEntry], head: CenterAuditHead | None
) -> list[AuditIssue]:
    """Every problem of the chain, each naming the entry concerned."""
    rows = list(entries)
    problems: list[AuditIssue] = []
    seq_by_hash = {e.hash: e.seq for e in rows}
    prev = GENESIS
    expected = 1
    for entry in rows:
        if entry_hash(entry) != entry.hash:
            problems.append(
                AuditIssue(
                    entry.seq,
                    "altered",
                    f"Entry #{entry.seq} ({entry.action}) was altered after it was written.",
                )
            )
        if entry.seq != expected:
            gap = f"#{expected}" if entry.seq == expected + 1 else f"#{expected}-#{entry.seq - 1}"
            problems.append(AuditIssue(expected, "missing", f"Entry {gap} is missing (deleted)."))
        elif entry.prev_hash != prev:
            before = seq_by_hash.get(entry.prev_hash)
            problems.append(
                AuditIssue(
                    entry.seq,
                    "out_of_order" if before is not None else "missing",
                    f"Entry #{entry.seq} is out of order: it was written after entry "
                    f"#{before}, not after #{entry.seq - 1}."
                    if before is not None
                    else f"The entry written before #{entry.seq} is missing or was replaced.",
                )
            )
        prev = entry.hash
        expected = entry.seq + 1
    last_seq = rows[-1].seq if rows else 0
    if head is None:
        problems.append(AuditIssue(last_seq, "altered", "The record of the newest entry is gone."))
    elif head.seq > last_seq:
        problems.append(
            AuditIssue(
                last_seq + 1,
                "truncated",
                f"Entries #{last_seq + 1}-#{head.seq} were removed from the end.",
            )
        )
    elif head.seq < last_seq or (rows and head.hash != rows[-1].hash):
        problems.append(
            AuditIssue(
                last_seq,
                "altered",
                f"The record of the newest entry (#{head.seq}) does not match entry #{last_seq}.",
            )
        )
    return problems


def check_anchor(entries: Iterable[CenterAuditEntry], anchor: str) -> list[AuditIssue]:
    """``SEQ:HASH`` (as printed by ``rego-center audit``) must still be in the chain."""
    seq_text, _, expected = anchor.partition(":")
    seq = int(seq_text)
    found = next((e for e in entries if e.seq == seq), None)
    if found is None or found.hash != expected.strip().lower():
        return [
            AuditIssue(
                seq,
                "anchor",
                f"Entry #{seq} no longer has the hash recorded outside the database: the "
                "history up to it was rewritten.",
            )
        ]
    return []


def verify(db: CenterDatabase) -> tuple[int, list[AuditIssue]]:
    entries, head = read(db)
    return len(entries), check_chain(entries, head)
