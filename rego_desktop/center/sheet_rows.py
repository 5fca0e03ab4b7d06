"""Each pooled patient's rows of the workbook's derived sheets, stored at merge time.

The scores and ADaM sheets of ``rego-center xlsx``
(:func:`~rego_desktop.center.pooled_derived.patient_sheet_rows`) need every patient's
casebook rebuilt and derived, most of the workbook's time at 10,000 patients. The merge
already rebuilds each patient it writes for its analysis row
(:mod:`rego_desktop.center.analysis_rows`), so it computes the patient's sheet rows from
the same casebook and stores them in its transaction. The validity rules are those of
the analysis rows: stored rows are used only when computed from the patient's current
content by the current code (:func:`sheets_fingerprint`: the analysis row's code plus
the CDISC builders and this package's workbook code); any other patient is derived by
the workbook as before. Stored rows never change a workbook, only how fast it comes.

Cells are JSON values (text, numbers, null); a date, which a de-identified sheet does
not hold today, is kept as ``{"date": "YYYY-MM-DD"}``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Final, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from rego_desktop.analysis.dataset import AnalysisRow
from rego_desktop.analysis.stored import code_fingerprint, source_digest
from rego_desktop.bulk import gc_paused
from rego_desktop.casebook import Casebook
from rego_desktop.center import row_cache
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.models import CenterPatient, CenterSheetRows
from rego_desktop.center.pooled_derived import PatientSheets, patient_sheet_rows

__all__ = [
    "delete_sheet_rows",
    "keep_sheet_rows",
    "read_sheet_rows",
    "sheet_values",
    "sheets_fingerprint",
    "store_sheet_rows",
]

SHEETS_FORMAT: Final = "rego-desktop/center-sheet-rows/1"
_BATCH: Final = 2000
# Code deciding sheet rows beyond the analysis row's (code_fingerprint covers that).
_PACKAGES: Final = ("rego_desktop.cdisc", "rego_desktop.cdisc.adam")
_MODULES: Final = (
    "rego_desktop.center.pooled",
    "rego_desktop.center.pooled_derived",
    "rego_desktop.center.sheet_rows",
    "rego_desktop.exchange.deidentify",
    "rego_desktop.exchange.study_days",
    "rego_desktop.workbooks.adam",
)


@cache
def sheets_fingerprint(study_id: str, study_version: str) -> str:
    """Hash of everything that decides a patient's sheet rows (once per process)."""
    return source_digest(
        f"{SHEETS_FORMAT}|{code_fingerprint(study_id, study_version)}", _PACKAGES, _MODULES
    )


def _cell_to_json(value: object) -> object:
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    raise TypeError(f"a sheet cell of type {type(value).__name__} cannot be stored")


def _cell_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        return dt.date.fromisoformat(value["date"])
    return value


def rows_to_text(patient: PatientSheets) -> str:
    return json.dumps(patient, ensure_ascii=False, separators=(",", ":"), default=_cell_to_json)


def rows_from_text(text: str) -> PatientSheets:
    data: PatientSheets = json.loads(text)
    for rows in data.values():
        for row in rows:
            for i, cell in enumerate(row):
                if type(cell) is dict:
                    row[i] = _cell_from_json(cell)
    return data


def store_sheet_rows(
    session: Session, patients: Sequence[tuple[CenterPatient, Casebook, AnalysisRow]]
) -> None:
    """Compute and store the sheet rows of these (flushed) patients, from their rebuilt
    casebooks and analysis rows, in the merge's transaction. The patients have none
    stored: the merge deleted those of changed patients with their entries."""
    if not patients:
        return
    with gc_paused():  # as in analysis_rows.store_rows
        computed = patient_sheet_rows(
            [book for _, book, _ in patients], [r for _, _, r in patients]
        )
    values = [
        sheet_values(row, sheets) for (row, _, _), sheets in zip(patients, computed, strict=True)
    ]
    from rego_desktop.center.merge import bulk_insert  # merge imports this module

    bulk_insert(session, cast(Table, CenterSheetRows.__table__), values)


def sheet_values(patient: CenterPatient, sheets: PatientSheets) -> dict[str, Any]:
    """The stored form of one patient's rows (a row of ``center_sheet_rows``)."""
    return {
        "patient_id": patient.id,
        "content_sha256": patient.content_sha256,
        "code": sheets_fingerprint(patient.study_id, patient.study_version),
        "rows_json": rows_to_text(sheets),
    }


def keep_sheet_rows(db: CenterDatabase, values: Sequence[Mapping[str, Any]]) -> None:
    """Keep rows the workbook had to compute (:func:`sheet_values`), for the next one
    (``row_cache.keep``; called when the workbook's reading is over, as a write must
    not wait for the workbook's own read transaction)."""
    if values:
        row_cache.keep(db, cast(Table, CenterSheetRows.__table__), values)


def delete_sheet_rows(session: Session, patient_ids: Sequence[int]) -> None:
    row_cache.delete(session, cast(Table, CenterSheetRows.__table__), patient_ids)


def read_sheet_rows(
    session: Session, patients: Sequence[CenterPatient]
) -> Mapping[int, PatientSheets]:
    """The valid stored rows of these patients, by patient id (others left out)."""
    current = {
        p.id: (p.content_sha256, sheets_fingerprint(p.study_id, p.study_version)) for p in patients
    }
    out: dict[int, PatientSheets] = {}
    ids = list(current)
    for start in range(0, len(ids), _BATCH):
        query = select(
            CenterSheetRows.patient_id,
            CenterSheetRows.content_sha256,
            CenterSheetRows.code,
            CenterSheetRows.rows_json,
        ).where(CenterSheetRows.patient_id.in_(ids[start : start + _BATCH]))
        for patient_id, content, code, text in session.execute(query):
            if current[patient_id] == (content, code):
                out[patient_id] = rows_from_text(text)
    return out
