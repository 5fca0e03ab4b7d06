"""Tables of the center's data queries (issue 16); see :mod:`rego_desktop.center.queries`.

* ``center_queries``: one row per query the center raised (automatically by the edit
  checks or by hand), its place (site, subject, form, entry, field), its text, status
  and history, the center's ``revision`` (raised by every change the center makes) and
  the revision the site has acknowledged, and the site's answer and corrections;
* ``center_query_files``: the query files exported, one sequence number per site;
* ``center_query_checks``: each pooled patient's edit-check findings, kept with the
  patient content and the code they were computed from, so that a new run of the
  automatic queries checks only the patients merged (or changed) since.

Like the rest of the center database these hold de-identified data only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rego_desktop.center.models import CenterBase
from rego_desktop.models.base import UTCDateTime

__all__ = ["CenterQuery", "CenterQueryCheck", "CenterQueryFile"]


class CenterQuery(CenterBase):
    __tablename__ = "center_queries"
    __table_args__ = (
        UniqueConstraint("subject_code", "fingerprint", name="uq_center_queries_finding"),
        Index("ix_center_queries_site_status", "site_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[str] = mapped_column(String(16), unique=True)
    """``Q`` and the row number, 6 digits or more: what both ends call the query."""
    site_code: Mapped[str] = mapped_column(String(64))
    subject_code: Mapped[str] = mapped_column(String(24), index=True)
    form_id: Mapped[str | None] = mapped_column(String(40))
    entry_id: Mapped[str | None] = mapped_column(String(64))
    field_id: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(8))
    """``auto`` (raised by the edit checks) or ``manual``."""
    rule: Mapped[str | None] = mapped_column(String(40))
    severity: Mapped[str | None] = mapped_column(String(12))
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    """The finding's fingerprint (automatic queries), so a re-run does not raise it twice."""
    status: Mapped[str] = mapped_column(String(12))
    revision: Mapped[int] = mapped_column(BigInteger)
    acked_revision: Mapped[int] = mapped_column(BigInteger, default=0)
    text: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str | None] = mapped_column(Text)
    center_value: Mapped[str | None] = mapped_column(Text)
    """The value the center saw when it raised the query (de-identified)."""
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    raised_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    site_events: Mapped[int] = mapped_column(BigInteger, default=0)
    """How many of the site's answers and corrections have been merged."""
    corrections_json: Mapped[str] = mapped_column(Text, default="[]")
    history_json: Mapped[str] = mapped_column(Text)
    """JSON list of events ``{"at", "event", "by", "text"}``, oldest first."""


class CenterQueryFile(CenterBase):
    __tablename__ = "center_query_files"
    __table_args__ = (UniqueConstraint("site_code", "sequence", name="uq_center_query_files_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_code: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(BigInteger)
    file_id: Mapped[str] = mapped_column(String(36), unique=True)
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    exported_by: Mapped[str] = mapped_column(String(128))
    queries: Mapped[int]
    query_ids: Mapped[str] = mapped_column(Text)
    """JSON list of ``[query id, revision]`` the file carried."""


class CenterQueryCheck(CenterBase):
    """A pooled patient's findings (JSON list), valid for its content and the check code."""

    __tablename__ = "center_query_checks"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("center_patients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    content_sha256: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    findings_json: Mapped[str] = mapped_column(Text)
