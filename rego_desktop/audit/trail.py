"""Appending to and verifying the tamper-evident audit trail.

Each entry's MAC covers its content and the previous entry's MAC; the study_meta row
pins the newest entry. Verification names the entry that was altered, the entries
that are missing and the ones out of order. Appends happen inside the caller's
transaction, so data change and audit entry commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop.auth.roles import UserInfo
from rego_desktop.crypto.envelope import DataKeyring, derive_subkey
from rego_desktop.models import AuditEntry, StudyMeta, utcnow

META_ID = 1


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class AuditRecord:
    """One decrypted audit entry."""

    seq: int
    at: dt.datetime
    username: str
    action: str
    subject_code: str | None
    form_id: str | None
    item_uid: str | None
    changes: tuple[FieldChange, ...]
    reason: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    kind: str  # "altered", "missing", "out_of_order", "truncated", "unreadable"
    message: str


def genesis_mac(keyring: DataKeyring, db_uid: str) -> bytes:
    return keyring.mac("audit-genesis", db_uid.encode())


def head_tag(keyring: DataKeyring, seq: int, mac: bytes) -> bytes:
    return keyring.mac("audit-head", seq.to_bytes(8, "big") + mac)


class ChainEntry(Protocol):
    """What the chain check reads of an entry (an ``AuditEntry`` or a plain row)."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def user_uid(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def subject_code(self) -> str | None: ...
    @property
    def form_id(self) -> str | None: ...
    @property
    def item_uid(self) -> str | None: ...
    @property
    def fields(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def prev_mac(self) -> bytes: ...
    @property
    def mac(self) -> bytes: ...


def _content(entry: ChainEntry) -> bytes:
    fields = [
        entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        entry.user_uid,
        entry.username,
        entry.action,
        entry.subject_code or "",
        entry.form_id or "",
        entry.item_uid or "",
        entry.fields,
        hashlib.sha256(entry.payload).hexdigest(),
    ]
    return json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode()


def entry_mac(keyring: DataKeyring, entry: ChainEntry) -> bytes:
    return keyring.mac("audit-entry", entry.prev_mac + _content(entry))


def _entry_mac_with(key: bytes, entry: ChainEntry) -> bytes:
    """:func:`entry_mac` with the MAC key derived once (verifying a long trail)."""
    return hmac.digest(key, bytes(entry.prev_mac) + _content(entry), "sha256")


def _payload_aad(db_uid: str, seq: int) -> bytes:
    return f"audit|{db_uid}|{seq}".encode()


def append(
    session: Session,
    keyring: DataKeyring,
    user: UserInfo,
    action: str,
    *,
    subject_code: str | None = None,
    form_id: str | None = None,
    item_uid: str | None = None,
    changes: Sequence[FieldChange] = (),
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Add one entry in the caller's transaction; returns its sequence number."""
    meta = session.get_one(StudyMeta, META_ID)
    seq = meta.audit_head_seq + 1
    body = {
        "changes": [[c.field, c.old, c.new] for c in changes],
        "reason": reason,
        "details": details or {},
    }
    payload = keyring.records.encrypt(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        _payload_aad(meta.db_uid, seq),
    )
    entry = AuditEntry(
        seq=seq,
        at=utcnow(),
        user_uid=user.uid,
        username=user.username,
        action=action,
        subject_code=subject_code,
        form_id=form_id,
        item_uid=item_uid,
        fields=",".join(c.field for c in changes),
        payload=payload,
        prev_mac=meta.audit_head_mac,
        mac=b"",
    )
    entry.mac = entry_mac(keyring, entry)
    session.add(entry)
    meta.audit_head_seq = seq
    meta.audit_head_mac = entry.mac
    meta.audit_head_tag = head_tag(keyring, seq, entry.mac)
    return seq


def decrypt(keyring: DataKeyring, db_uid: str, entry: AuditEntry) -> AuditRecord:
    body = json.loads(keyring.records.decrypt(entry.payload, _payload_aad(db_uid, entry.seq)))
    return AuditRecord(
        seq=entry.seq,
        at=entry.at,
        username=entry.username,
        action=entry.action,
        subject_code=entry.subject_code,
        form_id=entry.form_id,
        item_uid=entry.item_uid,
        changes=tuple(FieldChange(f, o, n) for f, o, n in body["changes"]),
        reason=body["reason"],
        details=body["details"],
    )


def read(
    session: Session, keyring: DataKeyring, db_uid: str, subject_code: str | None = None
) -> list[AuditRecord]:
    query = select(AuditEntry).order_by(AuditEntry.seq)
    if subject_code is not None:
        query = query.where(AuditEntry.subject_code == subject_code)
    return [decrypt(keyring, db_uid, e) for e in session.scalars(query)]


def verify(session: Session, keyring: DataKeyring) -> tuple[int, list[AuditProblem]]:
    """Check the whole chain; returns (number of entries, problems found)."""
    meta = session.get_one(StudyMeta, META_ID)
    # Plain rows, not ORM objects: a quarter of a million entries verify in seconds.
    columns = AuditEntry.__table__.columns
    entries: list[ChainEntry] = list(
        session.execute(select(*columns).order_by(AuditEntry.seq)).all()
    )
    return len(entries), check_chain(keyring, meta, entries)


def check_chain(
    keyring: DataKeyring, meta: StudyMeta, entries: Iterable[ChainEntry]
) -> list[AuditProblem]:
    problems: list[AuditProblem] = []
    rows = list(entries)
    seq_by_mac = {e.mac: e.seq for e in rows}
    prev_mac = genesis_mac(keyring, meta.db_uid)
    expected = 1
    key = derive_subkey(keyring.data_key, "rego-desktop/v1/mac/audit-entry")
    for entry in rows:
        if _entry_mac_with(key, entry) != entry.mac:
            problems.append(AuditProblem(entry.seq, "altered", f"Entry #{entry.seq} was altered."))
        if entry.seq != expected:
            missing = (
                f"#{expected}" if entry.seq == expected + 1 else f"#{expected}-#{entry.seq - 1}"
            )
            problems.append(
                AuditProblem(expected, "missing", f"Entry {missing} is missing (deleted).")
            )
        elif entry.prev_mac != prev_mac:
            before = seq_by_mac.get(entry.prev_mac)
            if before is not None:
                problems.append(
                    AuditProblem(
                        entry.seq,
                        "out_of_order",
                        f"Entry #{entry.seq} is out of order: it was written after entry "
                        f"#{before}, not after #{entry.seq - 1}.",
                    )
                )
            else:
                problems.append(
                    AuditProblem(
                        entry.seq,
                        "missing",
                        f"The entry written before #{entry.seq} is missing or was replaced.",
                    )
                )
        prev_mac = entry.mac
        expected = entry.seq + 1
    last_seq = rows[-1].seq if rows else 0
    if head_tag(keyring, meta.audit_head_seq, meta.audit_head_mac) != meta.audit_head_tag:
        problems.append(
            AuditProblem(
                meta.audit_head_seq, "altered", "The record of the newest entry was altered."
            )
        )
    elif meta.audit_head_seq > last_seq:
        problems.append(
            AuditProblem(
                last_seq + 1,
                "truncated",
                f"Entries #{last_seq + 1}-#{meta.audit_head_seq} were removed from the end.",
            )
        )
    elif meta.audit_head_seq == last_seq and rows and meta.audit_head_mac != rows[-1].mac:
        problems.append(AuditProblem(last_seq, "altered", f"Entry #{last_seq} was replaced."))
    return problems
