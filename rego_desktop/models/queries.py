"""Data queries raised by edit checks (open -> answered -> closed).

``fingerprint`` identifies the finding (rule, form, entry, field, detail) so that
re-running the checks updates a query instead of raising it twice. Status is in the
clear so open queries can be counted without decrypting; the message, answers and
reviewer notes are encrypted in ``payload``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rego_desktop.models.base import Base, UTCDateTime


class Query(Base):
    __tablename__ = "queries"
    __table_args__ = (
        UniqueConstraint("patient_id", "fingerprint", name="uq_queries_finding"),
        Index("ix_queries_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    form_id: Mapped[str] = mapped_column(String(40))
    item_uid: Mapped[str] = mapped_column(String(32))
    field_id: Mapped[str | None] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    payload: Mapped[bytes] = mapped_column(LargeBinary)
