"""Each pooled patient's analysis row, stored at merge time and read by the summary.

The merge computes the row of every patient it adds or changes, in its transaction,
with the site's code: the casebook rebuilt from the de-identified data
(:func:`~rego_desktop.center.pooled.casebook_of`) goes through
:func:`~rego_desktop.analysis.dataset.analysis_row`. The validity rules are the site's
(:mod:`rego_desktop.analysis.stored`): a stored row is used only when it was computed
from the patient's current content (``content_sha256``) by the current code
(:func:`~rego_desktop.analysis.stored.code_fingerprint`: program version, study
definition and the source of every module deciding a row); any other patient (merged
before rows were stored, by an older program, restored by a rollback) is derived from
its entries again. A stored row never changes a result, only how fast it comes;
``--no-cache``-style recomputation is :func:`pooled_rows` with ``use_stored=False``.

The center database holds de-identified data in clear already, so rows are stored as
plain JSON (the site encrypts its rows because its records are encrypted).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from rego_desktop.analysis.dataset import AnalysisRow, analysis_row, row_from_json, row_to_json
from rego_desktop.analysis.stored import code_fingerprint
from rego_desktop.bulk import gc_paused
from rego_desktop.casebook import Casebook
from rego_desktop.center import row_cache
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.models import CenterAnalysisRow, CenterPatient
from rego_desktop.center.pooled import _definition, casebook_of, load_pooled
from rego_desktop.center.sheet_rows import delete_sheet_rows, store_sheet_rows
from rego_desktop.exchange.deidentify import (
    DeidentifiedPatient,
    ExportPolicy,
    export_policy,
)
from rego_desktop.study.schema import StudyDefinition

__all__ = ["delete_rows", "pooled_rows", "store_rows", "stored_rows"]

_BATCH = 2000
_policies: dict[tuple[str, str], ExportPolicy] = {}


def _policy(study_id: str, version: str) -> ExportPolicy:
    key = (study_id, version)
    if key not in _policies:
        _policies[key] = export_policy(_definition(study_id, version))
    return _policies[key]


def _row_json(row: AnalysisRow) -> str:
    return json.dumps(row_to_json(row), ensure_ascii=False, separators=(",", ":"))


def _book(patient_row: CenterPatient, patient: DeidentifiedPatient) -> Casebook:
    policy = _policy(patient_row.study_id, patient_row.study_version)
    return casebook_of(
        patient,
        policy.definition,
        patient_uid=patient_row.uid,
        updated_at=patient_row.package_created_at,
        policy=policy,
    )


def _stored_values(patient: CenterPatient, row: AnalysisRow) -> dict[str, Any]:
    return {
        "patient_id": patient.id,
        "content_sha256": patient.content_sha256,
        "code": code_fingerprint(patient.study_id, patient.study_version),
        "row_json": _row_json(row),
    }


def store_rows(
    session: Session, changed: Sequence[tuple[CenterPatient, DeidentifiedPatient]]
) -> None:
    """Compute and store the rows of these (flushed) patients in the merge's transaction,
    and from the same rebuilt casebooks their workbook sheet rows
    (:func:`~rego_desktop.center.sheet_rows.store_sheet_rows`).

    The patients have no stored row: new ones never had one, and the merge removed the
    rows of changed ones with their entries (:func:`~rego_desktop.center.merge.keep_versions`
    calls :func:`delete_rows`), so rows are not deleted twice."""
    if not changed:
        return
    analysed = []
    with gc_paused():  # the collector's passes cost as much as deriving (see bulk.py)
        for row, patient in changed:
            book = _book(row, patient)
            analysed.append((row, book, analysis_row(book)))
    values = [_stored_values(row, result) for row, _, result in analysed]
    from rego_desktop.center.merge import bulk_insert  # merge imports this module

    bulk_insert(session, cast(Table, CenterAnalysisRow.__table__), values)
    store_sheet_rows(session, analysed)


def delete_rows(session: Session, patient_ids: Sequence[int]) -> None:
    """Delete these patients' stored analysis rows and sheet rows."""
    delete_sheet_rows(session, patient_ids)
    row_cache.delete(session, cast(Table, CenterAnalysisRow.__table__), patient_ids)


def _derive(session: Session, patients: Sequence[CenterPatient]) -> dict[int, AnalysisRow]:
    """Rows of patients without a valid stored one, from their entries."""
    out: dict[int, AnalysisRow] = {}
    for start in range(0, len(patients), _BATCH):
        for item in load_pooled(session, patients[start : start + _BATCH], _policies):
            out[item.row.id] = analysis_row(item.book)
    return out


def pooled_rows(
    db: CenterDatabase, *, site: str | None = None, use_stored: bool = True
) -> tuple[list[AnalysisRow], StudyDefinition | None]:
    """The analysis dataset of the pooled data (or one site's), by subject code, and the
    study definition of its first patient (None without patients)."""
    with db.reading() as session:
        query: Any = (
            select(
                CenterPatient.id,
                CenterPatient.content_sha256,
                CenterPatient.study_id,
                CenterPatient.study_version,
                CenterAnalysisRow.content_sha256,
                CenterAnalysisRow.code,
                CenterAnalysisRow.row_json,
            )
            .outerjoin(CenterAnalysisRow, CenterAnalysisRow.patient_id == CenterPatient.id)
            .order_by(CenterPatient.subject_code)
        )
        if site is not None:
            query = query.where(CenterPatient.site_code == site)
        order: list[int] = []
        rows: dict[int, AnalysisRow] = {}
        stale: list[int] = []
        first: tuple[str, str] | None = None
        for pid, content, study_id, version, row_content, code, text in session.execute(query):
            order.append(pid)
            if first is None:
                first = (study_id, version)
            if (
                use_stored
                and text is not None
                and row_content == content
                and code == code_fingerprint(study_id, version)
            ):
                rows[pid] = row_from_json(json.loads(text))
            else:
                stale.append(pid)
        derived: list[dict[str, Any]] = []
        for start in range(0, len(stale), _BATCH):
            part = stale[start : start + _BATCH]
            patients = list(
                session.scalars(select(CenterPatient).where(CenterPatient.id.in_(part)))
            )
            computed = _derive(session, patients)
            rows.update(computed)
            derived += [_stored_values(p, computed[p.id]) for p in patients]
    if use_stored and derived:  # kept, so the next read finds them (row_cache)
        row_cache.keep(db, cast(Table, CenterAnalysisRow.__table__), derived)
    definition = _policy(*first).definition if first is not None else None
    return [rows[pid] for pid in order], definition


def stored_rows(
    db: CenterDatabase, *, site: str | None = None, patient_ids: Sequence[int] | None = None
) -> dict[str, AnalysisRow]:
    """The stored rows that are still valid (see the module docstring), by subject code,
    of every patient, one site's or these patients'; patients without one are left out
    (nothing is derived here)."""
    with db.reading() as session:
        return valid_rows(session, site=site, patient_ids=patient_ids)


def valid_rows(
    session: Session, *, site: str | None = None, patient_ids: Sequence[int] | None = None
) -> dict[str, AnalysisRow]:
    """:func:`stored_rows` in the caller's transaction."""
    query: Any = select(
        CenterPatient.subject_code,
        CenterPatient.content_sha256,
        CenterPatient.study_id,
        CenterPatient.study_version,
        CenterAnalysisRow.content_sha256,
        CenterAnalysisRow.code,
        CenterAnalysisRow.row_json,
    ).join(CenterAnalysisRow, CenterAnalysisRow.patient_id == CenterPatient.id)
    if site is not None:
        query = query.where(CenterPatient.site_code == site)
    if patient_ids is not None:
        query = query.where(CenterPatient.id.in_(list(patient_ids)))
    out: dict[str, AnalysisRow] = {}
    for subject, content, study_id, version, row_content, code, text in session.execute(query):
        if row_content == content and code == code_fingerprint(study_id, version):
            out[subject] = row_from_json(json.loads(text))
    return out
