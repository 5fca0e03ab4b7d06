"""SQLAlchemy models of the coordinating center's pooled database.

The center database holds only de-identified data, exactly as the transfer files carry
it: subject codes (site-prefixed), study days instead of dates, grouped ages. It works
on SQLite (a file) and PostgreSQL with the same code, so it uses portable types only:
values are stored per entry as JSON text, sequence numbers as 64-bit integers.

* ``center_sites``: per site, the newest package merged (its sequence number), which
  makes older packages refusable;
* ``center_packages``: the merge log, one row per merged transfer file (file name,
  SHA-256, site, time, counts added / updated / unchanged / removed);
* ``center_patients`` and ``center_entries``: the pooled data; the newest package from
  a site replaces that site's data patient by patient;
* ``center_patient_versions``: every patient version a merge replaced or removed (with
  its entries), so that a package can be undone (``rego-center rollback``);
* ``center_analysis_rows``: each patient's analysis dataset row, computed at merge
  time (see :mod:`rego_desktop.center.analysis_rows`);
* ``center_sheet_rows``: each patient's rows of the workbook's derived sheets, computed
  at merge time (see :mod:`rego_desktop.center.sheet_rows`);
* ``center_audit`` and ``center_audit_head``: the center's hash-chained audit trail and
  the pin of its newest entry (see :mod:`rego_desktop.center.audit`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rego_desktop.models.base import NAMING, UTCDateTime

__all__ = [
    "CenterAnalysisRow",
    "CenterAuditEntry",
    "CenterAuditHead",
    "CenterBase",
    "CenterEntry",
    "CenterPackage",
    "CenterPatient",
    "CenterPatientFacts",
    "CenterPatientVersion",
    "CenterSetting",
    "CenterSheetRows",
    "CenterSite",
]


class CenterBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CenterSite(CenterBase):
    __tablename__ = "center_sites"

    site_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger)
    last_package_id: Mapped[str] = mapped_column(String(36))
    site_key_fingerprint: Mapped[str] = mapped_column(String(47))
    first_merged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_merged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CenterPackage(CenterBase):
    """The merge log: one row per transfer file merged."""

    __tablename__ = "center_packages"
    __table_args__ = (UniqueConstraint("site_code", "sequence", name="uq_center_packages_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[str] = mapped_column(String(36), unique=True)
    site_code: Mapped[str] = mapped_column(String(64), index=True)
    sequence: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    """When the site made the package (from the header)."""
    merged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    site_key_fingerprint: Mapped[str] = mapped_column(String(47))
    study_id: Mapped[str] = mapped_column(String(64))
    study_version: Mapped[str] = mapped_column(String(64))
    patients: Mapped[int]
    entries: Mapped[int]
    added: Mapped[int]
    updated: Mapped[int]
    unchanged: Mapped[int]
    removed: Mapped[int]
    manifest: Mapped[str] = mapped_column(Text)
    """The package's manifest (JSON), including what the site removed."""
    changes: Mapped[str] = mapped_column(Text)
    """JSON: subject codes added, updated and removed by this merge."""
    versions_kept: Mapped[bool] = mapped_column(default=True)
    """The versions this merge replaced were kept (false for merges before that existed:
    such a package cannot be rolled back)."""
    rolled_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When ``rego-center rollback`` undid this package (its data are no longer current)."""


class CenterPatient(CenterBase):
    __tablename__ = "center_patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    site_code: Mapped[str] = mapped_column(String(64), index=True)
    subject_code: Mapped[str] = mapped_column(String(24), unique=True)
    study_id: Mapped[str] = mapped_column(String(64))
    study_version: Mapped[str] = mapped_column(String(64))
    signed: Mapped[bool]
    first_dose_known: Mapped[bool]
    age: Mapped[str | None] = mapped_column(String(8))
    """Age at first dose as sent: whole years up to 89, or "90+"; None if unknown."""
    content_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the patient's payload line (canonical), to find unchanged patients."""
    package_id: Mapped[str] = mapped_column(String(36))
    """The package the current data came from."""
    package_created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    first_merged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CenterEntry(CenterBase):
    """One entry of a form (a single form's data, or one entry of a repeating form)."""

    __tablename__ = "center_entries"
    __table_args__ = (
        UniqueConstraint("patient_id", "form_id", "entry_id", name="uq_center_entries_item"),
        Index("ix_center_entries_form", "form_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("center_patients.id", ondelete="CASCADE"))
    form_id: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[str] = mapped_column(String(64))
    values_json: Mapped[str] = mapped_column(Text)
    """Field id -> value as in the payload (dates are study days)."""


class CenterAuditEntry(CenterBase):
    """One entry of the center's audit trail (append-only, hash-chained)."""

    __tablename__ = "center_audit"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    operator: Mapped[str] = mapped_column(String(128))
    """The operating-system user who ran the command."""
    action: Mapped[str] = mapped_column(String(32), index=True)
    site_code: Mapped[str | None] = mapped_column(String(64))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    """JSON object: what was done (file, sequence, counts, reason, ...)."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CenterAuditHead(CenterBase):
    """One row (id 1): the newest audit entry's number and hash (shows truncation)."""

    __tablename__ = "center_audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class CenterPatientVersion(CenterBase):
    """A patient's data as they were before a merge replaced or removed them."""

    __tablename__ = "center_patient_versions"
    __table_args__ = (Index("ix_center_patient_versions_site_seq", "site_code", "replaced_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_code: Mapped[str] = mapped_column(String(64))
    subject_code: Mapped[str] = mapped_column(String(24))
    replaced_by: Mapped[int] = mapped_column(BigInteger)
    """The sequence number of the package that replaced (or removed) this version."""
    replaced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    uid: Mapped[str] = mapped_column(String(32))
    study_id: Mapped[str] = mapped_column(String(64))
    study_version: Mapped[str] = mapped_column(String(64))
    signed: Mapped[bool]
    first_dose_known: Mapped[bool]
    age: Mapped[str | None] = mapped_column(String(8))
    content_sha256: Mapped[str] = mapped_column(String(64))
    package_id: Mapped[str] = mapped_column(String(36))
    package_created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    first_merged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    entries_json: Mapped[str] = mapped_column(Text)
    """JSON list of [form id, entry id, values JSON text], as in ``center_entries``."""


class CenterAnalysisRow(CenterBase):
    """A patient's analysis dataset row, computed when the merge wrote the patient."""

    __tablename__ = "center_analysis_rows"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("center_patients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    content_sha256: Mapped[str] = mapped_column(String(64))
    """The patient's content hash the row was computed from."""
    code: Mapped[str] = mapped_column(String(64))
    """The fingerprint of the code that computed it (``analysis.stored.code_fingerprint``)."""
    row_json: Mapped[str] = mapped_column(Text)


class CenterSheetRows(CenterBase):
    """A patient's rows of the pooled workbook's derived sheets (scores, ADaM), computed
    when the merge wrote the patient (``center/sheet_rows.py``)."""

    __tablename__ = "center_sheet_rows"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("center_patients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    content_sha256: Mapped[str] = mapped_column(String(64))
    """The patient's content hash the rows were computed from."""
    code: Mapped[str] = mapped_column(String(64))
    """The fingerprint of the code that computed them (``sheet_rows.sheets_fingerprint``)."""
    rows_json: Mapped[str] = mapped_column(Text)
    """``{sheet name: [row, ...]}``, sheets without rows left out."""


class CenterPatientFacts(CenterBase):
    """What the site status needs of a patient, computed once per content (status.py)."""

    __tablename__ = "center_patient_facts"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("center_patients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    content_sha256: Mapped[str] = mapped_column(String(64))
    """The patient's content hash the facts were computed from."""
    code: Mapped[str] = mapped_column(String(64))
    """The fingerprint of the code and study definition that computed them."""
    screen_failed: Mapped[bool]
    complete_forms: Mapped[str] = mapped_column(Text)
    """JSON list of the form ids whose status is complete."""


class CenterSetting(CenterBase):
    """A setting of the center (e.g. the overdue period), changed with an audit entry."""

    __tablename__ = "center_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
