"""The derived sheets of the center's pooled workbook: scores and ADaM datasets.

Nothing is derived here: the scores are the study definition's derived fields named
in :data:`SCORE_DERIVATIONS` (BMI, Child-Pugh, ALBI), computed by
:data:`rego_desktop.derive.DERIVATIONS` exactly as the site computes them, and the
ADaM sheets (ADSL, ADTTE, ADRS, ADAE) are the tables the CDISC package builds
(:data:`rego_desktop.cdisc.adam.DATASETS`) from casebooks rebuilt from the pooled,
de-identified data (:func:`rego_desktop.center.pooled.patient_chunks`). As in the
site's de-identified package, calendar dates are left blank and only study days given.

Patients are rebuilt a chunk at a time and their rows spooled to temporary files
(:class:`~rego_desktop.center.xlsx_stream.SpooledSheet`), so memory does not grow
with the number of patients.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from rego_desktop.analysis.dataset import AnalysisRow, analysis_row
from rego_desktop.casebook import Casebook
from rego_desktop.cdisc.adam import DATASETS
from rego_desktop.cdisc.source import Source, Subject, source_of
from rego_desktop.cdisc.table import Table
from rego_desktop.center.xlsx_stream import SpooledSheet
from rego_desktop.derive import DERIVATIONS, Computed, NotComputable, PatientData
from rego_desktop.study.schema import Field, Form, StudyDefinition

__all__ = ["SCORE_DERIVATIONS", "DerivedSheets", "score_columns"]

SCORE_DERIVATIONS: Final = ("bmi", "child_pugh", "albi")
SCORES_SHEET: Final = "scores"
SCORE_KEYS: Final = ("site", "subject", "form", "entry")


def score_columns(definition: StudyDefinition) -> list[tuple[Form, list[Field]]]:
    """Per form, its derived score fields (from the study definition)."""
    out = []
    for form in definition.forms:
        fields = [f for f in form.fields if f.derived in SCORE_DERIVATIONS]
        if fields:
            out.append((form, fields))
    return out


def _score_field_ids(definition: StudyDefinition) -> list[str]:
    ids: list[str] = []
    for _, fields in score_columns(definition):
        for f in fields:
            if f.id not in ids:
                ids.append(f.id)
    return ids


def scores_header(definition: StudyDefinition) -> list[str]:
    return [*SCORE_KEYS, *_score_field_ids(definition), "not_computable"]


def _site(subject_code: str) -> str:
    return subject_code.split("-", 1)[0]


def score_rows(
    data: PatientData, columns: Sequence[tuple[Form, list[Field]]] | None = None
) -> Iterator[list[Any]]:
    """One row per record holding scores: the computed values, blank when not
    computable, and what was missing (``not_computable``). ``columns``:
    :func:`score_columns` of the patient's study definition, when already known."""
    definition = data.definition
    columns = score_columns(definition) if columns is None else columns
    ids = list(dict.fromkeys(f.id for _, fields in columns for f in fields))
    for form, fields in columns:
        names = list(dict.fromkeys(f.derived for f in fields if f.derived is not None))
        for entry in data.entries(form):
            values: dict[str, Any] = {}
            missing: list[str] = []
            for name in names:
                for field_id, result in DERIVATIONS[name](data, form, entry).items():
                    if field_id not in ids:
                        continue
                    if isinstance(result, Computed):
                        values[field_id] = result.value
                    elif isinstance(result, NotComputable):
                        missing.append(f"{field_id}: {', '.join(result.missing)}")
            entry_id = entry.item_uid if form.repeating else None
            yield [
                _site(data.subject),
                data.subject,
                form.id,
                entry_id,
                *(values.get(i) for i in ids),
                "; ".join(dict.fromkeys(missing)) or None,
            ]


def _empty_tables(definition: StudyDefinition) -> list[Table]:
    empty = source_of([], definition, deidentified=True)
    return [build(empty) for build in DATASETS]


class DerivedSheets:
    """Accumulates the scores and ADaM sheets over chunks of rebuilt casebooks."""

    def __init__(self, definition: StudyDefinition) -> None:
        self.definition = definition
        self.columns = score_columns(definition)
        self.scores = SpooledSheet(SCORES_SHEET, scores_header(definition))
        self.tables = _empty_tables(definition)
        self.adam = [SpooledSheet(t.name, [c.name for c in t.columns]) for t in self.tables]

    def add(self, books: Sequence[Casebook], rows: Mapping[str, AnalysisRow] | None = None) -> None:
        """Rows of these patients; ``rows``: analysis rows by subject code, as the merge
        stored them (:func:`rego_desktop.center.analysis_rows.pooled_rows`); a patient
        without one gets :func:`~rego_desktop.analysis.dataset.analysis_row`."""
        if rows is None:
            source = source_of(books, self.definition, deidentified=True)
        else:
            subjects = []
            for book in books:
                row = rows.get(book.subject_code)
                subjects.append(
                    Subject(book, PatientData(book), row if row is not None else analysis_row(book))
                )
            source = Source(self.definition, tuple(subjects), True)
        for subject in source.subjects:
            self.scores.extend(score_rows(subject.data, self.columns))
        for build, sheet in zip(DATASETS, self.adam, strict=True):
            sheet.extend(build(source).rows)

    def sheets(self) -> list[SpooledSheet]:
        return [self.scores, *self.adam]

    def close(self) -> None:
        for sheet in self.sheets():
            sheet.close()

    def dictionary(self) -> Iterator[tuple[Any, ...]]:
        """Dictionary rows (sheet, column, type, unit, label_en, label_zh, note)."""
        for form, fields in score_columns(self.definition):
            for f in fields:
                yield (
                    SCORES_SHEET,
                    f.id,
                    f.type.value,
                    f.canonical_unit or "",
                    f.label.en,
                    f.label.zh,
                    f"derived ({f.derived}) from form {form.id}, as at the site; blank when "
                    "not computable (see not_computable)",
                )
        for table in self.tables:
            for c in table.columns:
                note = c.derivation or (f"from {c.source}" if c.source else c.origin)
                yield (table.name, c.name, c.kind, "", c.label, "", note)
