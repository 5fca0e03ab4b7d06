"""Each patient's analysis row, stored beside the records it is derived from.

The endpoint summary needs one small row per patient (population, OS/PFS/TTP days and
events, best response, worst AE grades, dose measures). Deriving it from the records
takes a third of a millisecond per patient, several seconds for a whole site, so every
save computes the row of the patients it changed, in the same transaction, and the
summary only reads rows (:mod:`rego_desktop.analysis.stored`).

A row is valid while ``revision`` equals its patient's revision and ``code`` equals the
fingerprint of the code that computes rows; any other row is recomputed. Its values are
clinical, so ``payload`` is encrypted like a record, bound to the patient, the revision
and the code.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from rego_desktop.models.base import Base


class StoredAnalysisRow(Base):
    __tablename__ = "analysis_rows"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int]  # the patient's revision the row was computed at
    code: Mapped[str] = mapped_column(String(16))  # start of the code fingerprint
    payload: Mapped[bytes] = mapped_column(LargeBinary)
