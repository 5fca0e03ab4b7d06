"""Study-wide rows: the one metadata row, the key slots wrapping the data key, and the
study's settings (facts about the study at this site, such as its usual units)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rego_desktop.models.base import Base, UTCDateTime


class StudyMeta(Base):
    """Exactly one row (id 1). ``audit_head_*`` pins the newest audit entry so that
    removing entries from the end of the trail is detected."""

    __tablename__ = "study_meta"

    id: Mapped[int] = mapped_column(primary_key=True)
    db_uid: Mapped[str] = mapped_column(String(32), unique=True)
    site_code: Mapped[str] = mapped_column(String(16))
    study_id: Mapped[str] = mapped_column(String(40))
    study_version: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_version: Mapped[str] = mapped_column(String(20))
    next_subject_number: Mapped[int] = mapped_column(default=1)
    audit_head_seq: Mapped[int] = mapped_column(default=0)
    audit_head_mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    audit_head_tag: Mapped[bytes] = mapped_column(LargeBinary(32))
    authority_sets: Mapped[str | None] = mapped_column(Text)
    """Per kind of authority row: count and XOR of the rows' tags (JSON)."""
    auth_tag: Mapped[bytes | None] = mapped_column(LargeBinary(32))


class KeySlot(Base):
    """A copy of the data key wrapped by a user's password or by the recovery key."""

    __tablename__ = "key_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    kdf: Mapped[str] = mapped_column(Text)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    auth_tag: Mapped[bytes | None] = mapped_column(LargeBinary(32))


class StudySetting(Base):
    """One study-wide setting kept in the study database (not on one computer).

    ``payload`` is JSON encrypted like a record, with associated data naming the study,
    the key and the revision, so it cannot be read, altered or moved to another key
    without the tag failing. Every change is in the audit trail with old and new value.
    """

    __tablename__ = "study_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    auth_tag: Mapped[bytes | None] = mapped_column(LargeBinary(32))
