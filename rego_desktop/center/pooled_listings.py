"""The listing sheets of the center's pooled workbook: one sheet per exported form, one
row per entry, straight from the stored JSON (missing-data codes as codes, dates as
study-day cells, quantities of fields with several units as value and unit).

They are most of the workbook's work, and independent of its other sheets, so with
many patients a worker process writes them (:func:`start_listings`) while the main
process writes the patients and derived sheets. The worker reads the database in a
transaction of its own; it writes only if the database is in the state the main
process reads (the same audit head: every merge, rollback and restore adds an audit
entry), else the main process writes the listings itself, so the sheets always
describe one state of the data. Few patients, one CPU, or a worker that cannot start:
the main process writes them (same result).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rego_desktop import study
from rego_desktop.bulk import gc_paused
from rego_desktop.center.audit import HEAD_ID
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.models import CenterAuditHead, CenterEntry, CenterPatient
from rego_desktop.center.pooled import entries_of
from rego_desktop.center.xlsx_stream import SheetFile, SpooledSheet
from rego_desktop.errors import RegoError
from rego_desktop.exchange.deidentify import DeidentifiedEntry, ExportPolicy, export_policy
from rego_desktop.exchange.study_days import date_cell
from rego_desktop.logs import log_bug
from rego_desktop.study.schema import Field, FieldType, MissingReason, StudyDefinition

__all__ = [
    "PARALLEL_MIN",
    "ListingJob",
    "audit_head",
    "form_header",
    "listing_key",
    "listing_rows",
    "split_forms",
    "start_listings",
    "write_listings",
]

COLLECT_EVERY: Final = 10
"""Chunks of patients between two collections of young objects while the cyclic garbage
collector is paused (:func:`rego_desktop.bulk.gc_paused`: its automatic passes over the
millions of short-lived objects cost about a quarter of the time)."""
PARALLEL_MIN: Final = 2000
"""Patients from which the listings are written by a worker process."""

_DATE, _PLAIN, _QUANTITY = 0, 1, 2


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def listing_key(
    order_field: str | None, values: Mapping[str, Any], entry_id: str
) -> tuple[Any, ...]:
    """Sort key of an entry in the pooled listings: by the form's ordering field (a study
    day; entries without one last), then entry id."""
    if order_field is None:
        return (0, 0, entry_id)
    value = values.get(order_field)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value, entry_id)
    return (1, 0, entry_id)


def form_header(repeating: bool, fields: Sequence[Field]) -> list[str]:
    header = ["site", "subject"] + (["entry"] if repeating else [])
    for f in fields:
        if f.type is FieldType.DATE:
            header.append(f"{f.id}_day")
        elif len(f.units) > 1:
            header += [f.id, f"{f.id}_unit"]
        else:
            header.append(f.id)
    return header


def field_kinds(fields: Sequence[Field]) -> list[tuple[str, int]]:
    return [
        (f.id, _DATE if f.type is FieldType.DATE else _QUANTITY if len(f.units) > 1 else _PLAIN)
        for f in fields
    ]


def listing_rows(
    site_code: str,
    subject: str,
    repeating: bool,
    order_by: str | None,
    kinds: Sequence[tuple[str, int]],
    entries: Sequence[DeidentifiedEntry],
) -> Iterator[list[Any]]:
    """Listing rows of one patient's form, straight from the stored JSON (see
    :func:`rego_desktop.study.values.to_json`: a missing value is ``{"missing": code}``,
    a quantity ``{"value": v, "unit": u}``): dates as study-day cells, missing-data
    codes as codes, quantities of fields with several units as value and unit."""
    ordered = sorted(entries, key=lambda e: listing_key(order_by, e.values, e.entry_id))
    for entry in ordered:
        values = entry.values
        row: list[Any] = [site_code, subject] + ([entry.entry_id] if repeating else [])
        for field_id, kind in kinds:
            value = values.get(field_id)
            if kind == _DATE:
                row.append(date_cell(value))
            elif kind == _PLAIN:
                if isinstance(value, dict) and "missing" in value:
                    row.append(MissingReason(value["missing"]).value)
                else:
                    row.append(_cell(value))
            elif isinstance(value, dict) and "unit" in value:
                row += [float(value["value"]), str(value["unit"])]
            elif isinstance(value, dict) and "missing" in value:
                row += [MissingReason(value["missing"]).value, None]
            else:
                row += [None, None]
        yield row


def audit_head(session: Session) -> tuple[int, str] | None:
    """The audit trail's head (sequence, hash): which state of the database is read."""
    head = session.get(CenterAuditHead, HEAD_ID)
    return None if head is None else (head.seq, head.hash)


def write_listings(
    session: Session,
    policy: ExportPolicy,
    site: str | None,
    *,
    forms: Sequence[str] | None = None,
    folder: Path | None = None,
    chunk: int = 500,
) -> list[SpooledSheet]:
    """The listing sheets (of ``forms``, else of every exported form) of every merged
    patient (or one site's), in the session's transaction; ``folder``: where their rows
    are spooled (named files another process can read), else anonymous temporary files."""
    chosen = [f for f in policy.exported_forms() if forms is None or f.id in forms]
    forms_kinds = [(form, field_kinds(policy.exported_fields[form.id])) for form in chosen]
    sheets = [
        SpooledSheet(form.id, form_header(form.repeating, policy.exported_fields[form.id]), folder)
        for form in chosen
    ]
    query = select(CenterPatient.id, CenterPatient.site_code, CenterPatient.subject_code)
    if site is not None:
        query = query.where(CenterPatient.site_code == site)
    patients = list(session.execute(query.order_by(CenterPatient.subject_code)))
    try:
        for number, start in enumerate(range(0, len(patients), chunk), 1):
            if number % COLLECT_EVERY == 0:
                gc.collect(1)  # the collector is paused (see pooled_workbook)
            part = patients[start : start + chunk]
            entries = entries_of(session, [p[0] for p in part], [f.id for f in chosen])
            for patient_id, site_code, subject in part:
                forms_of = entries.get(patient_id, {})
                for (form, kinds), sheet in zip(forms_kinds, sheets, strict=True):
                    found = forms_of.get(form.id)
                    if found:
                        sheet.extend(
                            listing_rows(
                                site_code, subject, form.repeating, form.order_by, kinds, found
                            )
                        )
    except BaseException:
        for sheet in sheets:
            sheet.close()
        raise
    return sheets


@dataclass(frozen=True)
class _Job:
    target: str
    study_id: str
    version: str
    site: str | None
    forms: tuple[str, ...]
    folder: str
    chunk: int
    head: tuple[int, str] | None


def _write_in_worker(job: _Job) -> list[SheetFile] | None:
    """A worker process: the listings, or None when the database has changed since the
    main process began reading (it then writes them itself)."""
    definition = study.definition(job.study_id, job.version)
    assert definition is not None  # checked by start_listings
    db = open_center_database(job.target)
    try:
        with db.reading() as session, gc_paused():
            if audit_head(session) != job.head:
                return None
            sheets = write_listings(
                session, export_policy(definition), job.site, forms=job.forms,
                folder=Path(job.folder), chunk=job.chunk,
            )  # fmt: skip
            return [sheet.detach() for sheet in sheets]
    finally:
        db.close()


class ListingJob:
    """Listings being written by a worker process; :meth:`sheets` waits for them."""

    def __init__(
        self,
        pool: ProcessPoolExecutor,
        future: Future[list[SheetFile] | None],
        forms: tuple[str, ...],
    ) -> None:
        self._pool = pool
        self._future = future
        self.forms = forms
        """The forms whose listings the worker writes."""

    def sheets(self) -> list[SpooledSheet] | None:
        """The worker's sheets, or None if it could not write them (the caller then
        writes them in process)."""
        try:
            files = self._future.result()
        except (OSError, BrokenProcessPool, RegoError):
            log_bug("the workbook's listings could not be written by a worker process")
            files = None
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return None if files is None else [SpooledSheet.attach(f) for f in files]

    def cancel(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


WORKER_SHARE: Final = 0.6
"""The worker's share of the listing entries: the main process meanwhile writes the
patients and derived sheets, about a fifth of the work, and then the rest."""


def split_forms(session: Session, policy: ExportPolicy, site: str | None) -> list[str]:
    """The forms whose listings the worker writes: the largest first, until it has about
    :data:`WORKER_SHARE` of the entries."""
    query = select(CenterEntry.form_id, func.count()).group_by(CenterEntry.form_id)
    if site is not None:
        query = query.join(CenterPatient, CenterPatient.id == CenterEntry.patient_id).where(
            CenterPatient.site_code == site
        )
    counts: dict[str, int] = {}
    for form_id, n in session.execute(query):
        counts[form_id] = n
    exported = [f.id for f in policy.exported_forms()]
    total = sum(counts.get(f, 0) for f in exported)
    chosen: list[str] = []
    taken = 0
    for form_id in sorted(exported, key=lambda f: -counts.get(f, 0)):
        n = counts.get(form_id, 0)
        if taken + n <= WORKER_SHARE * total or not chosen:
            chosen.append(form_id)
            taken += n
    return chosen


def start_listings(
    db: CenterDatabase,
    session: Session,
    definition: StudyDefinition,
    site: str | None,
    folder: Path,
    chunk: int,
) -> ListingJob | None:
    """Start writing some listings (:func:`split_forms`) in a worker process, when
    there are many patients, several CPUs and a study definition the worker can name;
    else None."""
    if (os.cpu_count() or 1) < 2 or study.definition(definition.id, definition.version) is not (
        definition
    ):
        return None
    query = select(func.count()).select_from(CenterPatient)
    if site is not None:
        query = query.where(CenterPatient.site_code == site)
    if (session.scalar(query) or 0) < PARALLEL_MIN:
        return None
    target = (
        db.description  # a SQLite center is named by its file
        if db.engine.dialect.name == "sqlite"
        else db.engine.url.render_as_string(hide_password=False)
    )
    forms = tuple(split_forms(session, export_policy(definition), site))
    job = _Job(
        target,
        definition.id,
        definition.version,
        site,
        forms,
        str(folder),
        chunk,
        audit_head(session),
    )
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return ListingJob(pool, pool.submit(_write_in_worker, job), forms)
    except (OSError, RuntimeError):
        log_bug("no worker process for the workbook's listings")
        return None
