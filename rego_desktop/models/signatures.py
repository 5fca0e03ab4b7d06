"""Electronic signatures of casebooks by investigators.

A signature names the signer, the UTC time and its meaning, and pins a hash of the
casebook content at signing; unlocking records who and when in ``revoked_*`` (the
reason goes to the audit trail).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from rego_desktop.models.base import Base, UTCDateTime


class Signature(Base):
    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    user_uid: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(40))
    full_name: Mapped[str] = mapped_column(String(100))
    meaning: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(40))
    casebook_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    """SHA-256 of the casebook's canonical values at signing (None: signed before 0006
    and changed since, so the content it covered is unknown)."""
    transfer_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    """SHA-256 of the de-identified patient as a transfer file carries it, at signing."""
    auth_tag: Mapped[bytes | None] = mapped_column(LargeBinary(32))
