"""The audit trail (21 CFR Part 11): append-only and tamper-evident.

Each entry's ``mac`` is a keyed hash over its own content and the previous entry's
mac, so editing, deleting or reordering entries breaks the chain at a named place.
Old and new values and the reason are encrypted in ``payload`` like the data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rego_desktop.models.base import Base, UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject", "subject_code"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    user_uid: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(24))
    subject_code: Mapped[str | None] = mapped_column(String(24))
    form_id: Mapped[str | None] = mapped_column(String(40))
    item_uid: Mapped[str | None] = mapped_column(String(32))
    fields: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    prev_mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    mac: Mapped[bytes] = mapped_column(LargeBinary(32))
