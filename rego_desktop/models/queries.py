"""Data queries raised by edit checks (open -> answered -> closed).

``fingerprint`` identifies the finding (rule, form, entry, field, detail) so that
re-running the checks updates a query instead of raising it twice. Status is in the
clear so open queries can be counted without decrypting; the message, answers and
reviewer notes are encrypted in ``payload``.

Queries of the coordinating center (issue 16) live in the same table, so they show with
the site's own on the patient, form and field: ``origin`` is ``center``, ``center_id``
the center's query id and ``center_revision`` the center's revision last imported; their
text, history, answer and corrections are in the encrypted payload too.
``center_query_imports`` records each query file imported (its sequence number, so an
older file or a replay is refused).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
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
    origin: Mapped[str] = mapped_column(String(8), default="site", server_default="site")
    """``site`` (the site's edit checks) or ``center`` (a query of the coordinating center)."""
    center_id: Mapped[str | None] = mapped_column(String(16), unique=True, default=None)
    center_revision: Mapped[int | None] = mapped_column(BigInteger, default=None)


class CenterQueryImport(Base):
    """One query file of the coordinating center imported at this site."""

    __tablename__ = "center_query_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    file_id: Mapped[str] = mapped_column(String(36), unique=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    center_fingerprint: Mapped[str] = mapped_column(String(47))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    """When the center made the file."""
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    username: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    """JSON: query ids added, updated, closed and re-opened by the import."""
