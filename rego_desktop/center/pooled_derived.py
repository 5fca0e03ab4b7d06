"""The derived sheets of the center's pooled workbook: scores and ADaM datasets.

Nothing is derived here: the scores are the study definition's derived fields named
in :data:`SCORE_DERIVATIONS` (BMI, Child-Pugh, ALBI), computed by
:data:`rego_desktop.derive.DERIVATIONS` exactly as the site computes them, and the
ADaM sheets (ADSL, ADTTE, ADRS, ADAE) are the tables the CDISC package builds
(:data:`rego_desktop.cdisc.adam.DATASETS`) from casebooks rebuilt from the pooled,
de-identified data (:func:`rego_desktop.center.pooled.patient_chunks`). As in the
site's de-identified package, calendar dates are left blank and only study days given.

A patient's rows (:func:`patient_sheet_rows`) are computed when the merge writes the
patient and stored with it (:mod:`rego_desktop.center.sheet_rows`); the workbook
computes only those of patients without valid stored rows. Rows are spooled to
temporary files (:class:`~rego_desktop.center.xlsx_stream.SpooledSheet`), so memory
does not grow with the number of patients.
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

__all__ = [
    "SCORE_DERIVATIONS",
    "DerivedSheets",
    "PatientSheets",
    "patient_sheet_rows",
    "score_columns",
]

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


PatientSheets = dict[str, list[list[Any]]]
"""One patient's rows of the derived sheets, by sheet name (sheets without rows left
out), in the order the sheets list their rows."""


def patient_sheet_rows(
    books: Sequence[Casebook], rows: Sequence[AnalysisRow | None] | None = None
) -> list[PatientSheets]:
    """Each patient's rows of the scores and ADaM sheets, in the order of ``books``.

    ``rows``: the patients' analysis rows when already known (a patient with None, or
    every patient without ``rows``, gets :func:`~rego_desktop.analysis.dataset.analysis_row`).
    The ADaM builders run once over the patients of one study definition, and their rows
    are dealt to the patients by ``USUBJID``, so a patient's rows are those the builders
    give it among any others."""
    out: list[PatientSheets] = [{} for _ in books]
    known = rows if rows is not None else [None] * len(books)
    groups: dict[int, list[int]] = {}
    for index, book in enumerate(books):
        groups.setdefault(id(book.definition), []).append(index)
    for indices in groups.values():
        definition = books[indices[0]].definition
        columns = score_columns(definition)
        subjects = []
        for i in indices:
            book, row = books[i], known[i]
            subjects.append(
                Subject(book, PatientData(book), row if row is not None else analysis_row(book))
            )
        source = Source(definition, tuple(subjects), True)
        by_usubjid = {s.usubjid: i for s, i in zip(source.subjects, indices, strict=True)}
        for subject, i in zip(source.subjects, indices, strict=True):
            scores = [list(r) for r in score_rows(subject.data, columns)]
            if scores:
                out[i][SCORES_SHEET] = scores
        for build in DATASETS:
            table = build(source)
            key = [c.name for c in table.columns].index("USUBJID")
            for cells in table.rows:
                out[by_usubjid[str(cells[key])]].setdefault(table.name, []).append(list(cells))
    return out


class DerivedSheets:
    """Accumulates the scores and ADaM sheets, patient by patient."""

    def __init__(self, definition: StudyDefinition) -> None:
        self.definition = definition
        self.scores = SpooledSheet(SCORES_SHEET, scores_header(definition))
        self.tables = _empty_tables(definition)
        self.adam = [SpooledSheet(t.name, [c.name for c in t.columns]) for t in self.tables]
        self._by_name = {sheet.name: sheet for sheet in self.sheets()}

    def add(self, patient: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        """One patient's rows (:func:`patient_sheet_rows`, or as stored by the merge)."""
        for name, rows in patient.items():
            self._by_name[name].extend(rows)

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
                yield (table.name, c.name, c.kind, "", c.label, c.label_zh, note)
