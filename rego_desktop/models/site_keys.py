"""The site's transfer-file signing key and the log of its exports.

The site signs every transfer file with an Ed25519 key kept in its own database. The
raw 32-byte private key is encrypted like the data (``keyring.records``, associated
data naming the row); the public key and its fingerprint are public and stored in the
clear so the key can be shown without unlocking anything else.

``transfer_exports`` records each transfer file made: its package id and the sequence
number, which increases with every export so the coordinating center can refuse a file
older than one it has already merged. Only counts and fingerprints are kept here; what
was exported is in the audit trail.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from rego_desktop.models.base import Base, UTCDateTime


class SiteKey(Base):
    """A signing key of this site; the newest row without ``retired_at`` is in use."""

    __tablename__ = "site_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    site_code: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    fingerprint: Mapped[str] = mapped_column(String(47))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class TransferExport(Base):
    """One transfer file written by this site (sequence numbers never repeat)."""

    __tablename__ = "transfer_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[str] = mapped_column(String(36), unique=True)
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    user_uid: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(40))
    site_key_fingerprint: Mapped[str] = mapped_column(String(47))
    recipient_fingerprint: Mapped[str] = mapped_column(String(47))
    patients: Mapped[int] = mapped_column(default=0)
    entries: Mapped[int] = mapped_column(default=0)
    file_sha256: Mapped[str] = mapped_column(String(64))
