"""What the datasets are built from: each patient's casebook, its derivations and its
analysis row, and how dates are written.

With ``deidentified`` (the center, or a site's ``--deidentified`` package) the
casebooks are rebuilt from de-identified data (:mod:`rego_desktop.exchange.deidentify`,
dates anchored by :func:`rego_desktop.center.pooled.casebook_of`): their calendar dates
mean nothing, so every ``--DTC`` and date variable is left blank and only study days
(``--DY``, ``ADY``, ``AVAL``) are written, as in the transfer file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rego_desktop.analysis.dataset import AnalysisRow, analysis_row
from rego_desktop.casebook import Casebook
from rego_desktop.cdisc.provenance import Provenance
from rego_desktop.derive import PatientData
from rego_desktop.rules.dates import study_day
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import StudyDefinition

if TYPE_CHECKING:
    from rego_desktop.exchange.deidentify import ExportPolicy


@dataclass(frozen=True)
class Subject:
    book: Casebook
    data: PatientData
    row: AnalysisRow

    @property
    def usubjid(self) -> str:
        return f"{self.book.definition.id}-{self.book.subject_code}"


@dataclass(frozen=True)
class Source:
    """``provenance``: per site code, who entered and signed the data (odm.xml)."""

    definition: StudyDefinition
    subjects: tuple[Subject, ...]
    deidentified: bool
    provenance: Mapping[str, Provenance] = field(default_factory=dict)

    @property
    def studyid(self) -> str:
        return self.definition.id

    def dtc(self, value: object) -> str:
        """ISO 8601 date text (``YYYY`` or ``YYYY-MM`` for a partial date, as SDTM
        writes one), blank when de-identified or not a date."""
        if self.deidentified or not isinstance(value, dt.date | PartialDate):
            return ""
        return value.isoformat()

    def date(self, value: object) -> dt.date | None:
        """A date for a numeric SAS date variable (``None`` when de-identified)."""
        if self.deidentified or not isinstance(value, dt.date):
            return None
        return value

    @staticmethod
    def day(value: object, subject: Subject) -> int | None:
        """Study day of a complete date (``None`` for a partial or missing one)."""
        first = subject.data.first_dose
        if isinstance(value, PartialDate) and value.complete:
            value = value.first
        if not isinstance(value, dt.date) or first is None:
            return None
        return study_day(value, first)


def deidentified_books(books: Iterable[Casebook]) -> list[Casebook]:
    """Casebooks as the coordinating center would rebuild them from a transfer file
    (the one de-identification every de-identified output uses)."""
    from rego_desktop.exchange.deidentified_view import deidentified_view
    from rego_desktop.exchange.deidentify import export_policy

    out = []
    policies: dict[int, ExportPolicy] = {}
    for book in books:
        policy = policies.get(id(book.definition))
        if policy is None:
            policy = policies[id(book.definition)] = export_policy(book.definition)
        out.append(deidentified_view(book, policy).book)
    return out


def source_of(
    books: Sequence[Casebook],
    definition: StudyDefinition,
    *,
    deidentified: bool,
    provenance: Mapping[str, Provenance] | None = None,
) -> Source:
    subjects = []
    for book in books:
        subjects.append(Subject(book, PatientData(book), analysis_row(book)))
    return Source(definition, tuple(subjects), deidentified, provenance or {})
