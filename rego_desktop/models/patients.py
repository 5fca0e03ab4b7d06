"""Patients and their CRF records.

Only pseudonymous subject codes, form ids and timestamps are in the clear. Every
CRF value (identifying or clinical) is inside ``payload``, encrypted with associated
data that names the row, so a ciphertext moved to another row or patient fails.
``summary`` is a small encrypted digest (status, name for search, counts) that the
patient list decrypts once instead of opening every record.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rego_desktop.models.base import Base, UTCDateTime


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    subject_code: Mapped[str] = mapped_column(String(24), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[bytes | None] = mapped_column(LargeBinary)
    auth_tag: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    """MAC over uid, subject code and ``locked`` (:mod:`rego_desktop.authority`)."""

    records: Mapped[list[Record]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", passive_deletes=True
    )


class Record(Base):
    """One form instance: a single form, or one entry of a repeating form."""

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("patient_id", "form_id", "item_uid", name="uq_records_item"),
        Index("ix_records_patient_form", "patient_id", "form_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    form_id: Mapped[str] = mapped_column(String(40))
    item_uid: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(default=1)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    patient: Mapped[Patient] = relationship(back_populates="records")
