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
  a site replaces that site's data patient by patient.
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

__all__ = ["CenterBase", "CenterEntry", "CenterPackage", "CenterPatient", "CenterSite"]


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
