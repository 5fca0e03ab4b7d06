"""The center's pooled workbook (``rego-center xlsx``): patients, one listing per form,
the derived sheets (scores, ADaM), a dictionary and the merge log, streamed row by row
(:mod:`.xlsx_stream`) so memory stays flat at any size.

Everything is read in one read transaction, so the sheets describe one state of the
data: the listings (:mod:`.pooled_listings`, by a worker process when there are many
patients, checked to read the same state), the derived rows as the merge stored them
(:mod:`.sheet_rows`; computed here only for patients without valid stored ones, and
then kept for the next workbook).
"""

from __future__ import annotations

import gc
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rego_desktop import study
from rego_desktop.bulk import gc_paused
from rego_desktop.center.analysis_rows import valid_rows
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import CenterDatabaseError
from rego_desktop.center.models import CenterPackage, CenterPatient, CenterSite
from rego_desktop.center.pooled import _age, load_pooled, patient_rows
from rego_desktop.center.pooled_derived import DerivedSheets, PatientSheets, patient_sheet_rows
from rego_desktop.center.pooled_listings import COLLECT_EVERY, start_listings, write_listings
from rego_desktop.center.sheet_rows import keep_sheet_rows, read_sheet_rows, sheet_values
from rego_desktop.center.xlsx_stream import SpooledSheet, StreamingWorkbook
from rego_desktop.exchange._common import write_file_atomically
from rego_desktop.exchange.deidentify import AGE_GROUP_TOP, AGE_TOP, ExportPolicy, export_policy
from rego_desktop.study.schema import MISSING_LABELS, Field, FieldType, StudyDefinition

__all__ = ["MERGE_LOG_HEADER", "PATIENTS_HEADER", "WorkbookReport", "write_pooled_workbook"]


@dataclass(frozen=True)
class WorkbookReport:
    path: Path
    rows: dict[str, int]
    """Sheet name -> data rows (header not counted)."""


PATIENTS_HEADER: Final = (
    "site",
    "subject",
    "age_at_first_dose",
    "first_dose_known",
    "signed",
    "study_version",
    "package_id",
)
MERGE_LOG_HEADER: Final = (
    "merged_at",
    "site",
    "sequence",
    "package_id",
    "file",
    "sha256",
    "patients",
    "added",
    "updated",
    "unchanged",
    "removed",
)


def write_pooled_workbook(
    db: CenterDatabase,
    path: Path,
    *,
    definition: StudyDefinition | None = None,
    overwrite: bool = False,
    site: str | None = None,
    chunk: int = 500,
) -> WorkbookReport:
    """The pooled dataset (or with ``site`` one site's) as .xlsx, streamed row by row:
    a ``patients`` sheet, one listing per exported form (one row per entry, by subject
    and the form's order field), the derived ``scores`` (BMI, Child-Pugh, ALBI), the
    ADaM sheets ADSL, ADTTE, ADRS and ADAE (:mod:`.pooled_derived`), a ``dictionary``
    and the ``merge_log``. Every sheet has its header row frozen and filters on. Dates
    are study days (``*_day`` columns; a partial date is the period of study days it may
    fall on); missing-data codes (ND, UNK, NA) are listed as codes.

    Patients are read once, ``chunk`` at a time; rows go to temporary files per sheet
    and then into the workbook (:mod:`.xlsx_stream`), so memory stays flat."""
    definition = definition or study.CURRENT
    policy = export_policy(definition)
    rows: dict[str, int] = {}
    computed: list[dict[str, Any]] = []
    if site is not None:
        with db.reading() as session:
            known = session.get(CenterSite, site) is not None
        if not known:
            raise CenterDatabaseError(
                f"No site {site} in the center database; give the code of a site that "
                "has merged data (rego-center status lists them).",
                zh=f"中心数据库中没有中心 {site} 的数据;请给出已合并数据的中心代码"
                "(rego-center status 可列出)。",
            )

    def produce(out: IO[bytes]) -> None:
        with db.reading() as session, tempfile.TemporaryDirectory(prefix="rego-xlsx-") as folder:
            job = start_listings(db, session, definition, site, Path(folder), chunk)
            sheets: list[SpooledSheet] = []
            derived = DerivedSheets(definition)
            try:
                sheets.append(_patients_and_derived(session, site, chunk, derived, computed))
                if job is None:
                    listings = write_listings(session, policy, site, chunk=chunk)
                else:
                    mine = [f.id for f in policy.exported_forms() if f.id not in job.forms]
                    listings = write_listings(session, policy, site, forms=mine, chunk=chunk)
                    theirs, by_worker = job.forms, job.sheets()
                    job = None
                    if by_worker is None:  # the main process writes them after all
                        by_worker = write_listings(session, policy, site, forms=theirs, chunk=chunk)
                    listings += by_worker
                order = {f.id: n for n, f in enumerate(policy.exported_forms())}
                sheets += sorted(listings, key=lambda sheet: order[sheet.name])
                wb = StreamingWorkbook(out)
                try:
                    _fill_workbook(wb, session, definition, site, sheets, derived, rows)
                except BaseException:
                    wb.abandon()
                    raise
            finally:
                if job is not None:
                    job.cancel()
                for spooled in sheets:
                    spooled.close()
                derived.close()

    with gc_paused():
        write_file_atomically(
            path, produce, overwrite=overwrite, private=False, what="The workbook"
        )
    keep_sheet_rows(db, computed)
    return WorkbookReport(path, rows)


def _patients_and_derived(
    session: Session,
    site: str | None,
    chunk: int,
    derived: DerivedSheets,
    computed: list[dict[str, Any]],
) -> SpooledSheet:
    """The patients sheet, and every patient's derived rows added to ``derived``."""
    patients = SpooledSheet("patients", PATIENTS_HEADER)
    policies: dict[tuple[str, str], ExportPolicy] = {}
    everyone = patient_rows(session, site)
    for number, start in enumerate(range(0, len(everyone), chunk), 1):
        if number % COLLECT_EVERY == 0:  # the collector is paused (see pooled_listings)
            gc.collect(1)
        part = everyone[start : start + chunk]
        for p in part:
            patients.add(
                (
                    p.site_code,
                    p.subject_code,
                    _age(p.age),
                    "yes" if p.first_dose_known else "no",
                    "yes" if p.signed else "no",
                    p.study_version,
                    p.package_id,
                )
            )
        for sheets in _derived_rows(session, part, policies, computed):
            derived.add(sheets)
    return patients


def _derived_rows(
    session: Session,
    part: Sequence[CenterPatient],
    policies: dict[tuple[str, str], ExportPolicy],
    computed: list[dict[str, Any]],
) -> list[PatientSheets]:
    """The derived sheets' rows of these patients, in order: as the merge stored them
    when still valid, else computed from their casebooks (and stored analysis rows);
    those computed are added to ``computed`` in their stored form, to be kept."""
    ready = dict(read_sheet_rows(session, part))
    stale = [p for p in part if p.id not in ready]
    if stale:
        analysed = valid_rows(session, patient_ids=[p.id for p in stale])
        pooled = load_pooled(session, stale, policies)
        rows = patient_sheet_rows(
            [item.book for item in pooled], [analysed.get(p.subject_code) for p in stale]
        )
        for p, patient_rows_ in zip(stale, rows, strict=True):
            ready[p.id] = patient_rows_
            computed.append(sheet_values(p, patient_rows_))
    return [ready[p.id] for p in part]


def _fill_workbook(
    wb: StreamingWorkbook,
    session: Session,
    definition: StudyDefinition,
    site: str | None,
    sheets: Sequence[SpooledSheet],
    derived: DerivedSheets,
    rows: dict[str, int],
) -> None:
    """The sheets, in order (``sheets``: patients and listings), then the workbook parts."""
    for spooled in (*sheets, *derived.sheets()):
        rows[spooled.name] = wb.add_spooled(spooled)
    rows["dictionary"] = wb.sheet(
        "dictionary",
        ("sheet", "column", "type", "unit", "label_en", "label_zh", "note"),
        _chain(_dictionary(definition), derived.dictionary()),
    )
    query = select(CenterPackage).order_by(CenterPackage.id)
    if site is not None:
        query = query.where(CenterPackage.site_code == site)
    rows["merge_log"] = wb.sheet(
        "merge_log",
        MERGE_LOG_HEADER,
        (
            (
                k.merged_at.strftime("%Y-%m-%d %H:%M:%S"),
                k.site_code,
                k.sequence,
                k.package_id,
                k.file_name,
                k.file_sha256,
                k.patients,
                k.added,
                k.updated,
                k.unchanged,
                k.removed,
            )
            for k in session.scalars(query)
        ),
    )
    wb.close()


def _chain(*parts: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    for part in parts:
        yield from part


def _dictionary(definition: StudyDefinition) -> Iterator[tuple[Any, ...]]:
    policy = export_policy(definition)
    yield (
        "patients",
        "age_at_first_dose",
        "integer",
        "years",
        "Age at first dose",
        "首次给药时年龄",
        f'completed years; "{AGE_GROUP_TOP}" means {AGE_TOP} or older',
    )
    for form in policy.exported_forms():
        for f in policy.exported_fields[form.id]:
            unit = f.canonical_unit or ""
            if f.type is FieldType.DATE:
                yield (
                    form.id,
                    f"{f.id}_day",
                    "study day",
                    "day",
                    f.label.en,
                    f.label.zh,
                    "day 1 = first dose date; no day 0; UNK: unknown; a..b (D or M): a "
                    "partial date between study days a and b, day (D) or month (M) unknown",
                )
            elif len(f.units) > 1:
                units = "/".join(u.id for u in f.units)
                yield (
                    form.id,
                    f.id,
                    f.type.value,
                    units,
                    f.label.en,
                    f.label.zh,
                    f"unit in {f.id}_unit" + _missing_note(f),
                )
            else:
                note = (f"codes of {f.codelist}" if f.codelist else "") + _missing_note(f)
                yield (form.id, f.id, f.type.value, unit, f.label.en, f.label.zh, note.lstrip("; "))


def _missing_note(f: Field) -> str:
    """The missing-data codes a column may hold instead of a value (dictionary note)."""
    if not f.missing_reasons:
        return ""
    codes = ", ".join(f"{r.value} = {MISSING_LABELS[r].en}" for r in f.missing_reasons)
    return f"; missing-data codes: {codes}"
