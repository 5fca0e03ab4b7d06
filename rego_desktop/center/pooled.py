"""Queries over the pooled, de-identified data of the center database.

* :func:`pooled_patients`: the merged data exactly as the sites sent it
  (:class:`~rego_desktop.exchange.deidentify.DeidentifiedPatient`, dates as study days);
* :func:`pooled_casebooks`: :class:`~rego_desktop.casebook.Casebook` objects rebuilt
  from it, so every domain rule and endpoint works unchanged. Study days become dates
  again relative to a fixed, meaningless anchor: day 1 (the first dose) is
  :data:`ANCHOR` = 2000-01-01, day *d* >= 1 is ``ANCHOR + (d - 1)`` days and day *d* < 0
  is ``ANCHOR + d`` days (day -1 = 1999-12-31). Differences between dates, durations and
  times to event are therefore those of the real dates; the calendar dates are not.
  Subject codes keep their site prefix;
* :func:`site_counts`: patients and packages per site;
* :func:`write_pooled_workbook`: the pooled dataset as an Excel workbook.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rego_desktop import study
from rego_desktop.bulk import JsonObjects, gc_paused
from rego_desktop.casebook import Casebook, Entry
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import CenterDatabaseError
from rego_desktop.center.models import CenterEntry, CenterPackage, CenterPatient, CenterSite
from rego_desktop.exchange._common import write_file_atomically
from rego_desktop.exchange.deidentify import (
    AGE_GROUP_TOP,
    AGE_TOP,
    DeidentifiedEntry,
    DeidentifiedPatient,
    ExportPolicy,
    export_policy,
)
from rego_desktop.exchange.study_days import date_cell, date_from_json
from rego_desktop.rules.dates import study_day
from rego_desktop.study.schema import (
    MISSING_LABELS,
    Field,
    FieldType,
    MissingReason,
    StudyDefinition,
)
from rego_desktop.study.values import Value, from_json

if TYPE_CHECKING:
    from rego_desktop.center.pooled_derived import DerivedSheets, PatientSheets
    from rego_desktop.center.xlsx_stream import SpooledSheet, StreamingWorkbook

__all__ = [
    "ANCHOR",
    "PooledPatient",
    "SiteCount",
    "WorkbookReport",
    "casebook_of",
    "date_to_day",
    "day_to_date",
    "listing_key",
    "patient_chunks",
    "pooled_casebooks",
    "pooled_patients",
    "site_counts",
    "write_pooled_workbook",
]

ANCHOR: Final = dt.date(2000, 1, 1)
"""The date that stands for study day 1 in rebuilt casebooks (not a real date)."""
AGE_FIELD: Final = ("demographics", "age_at_first_dose")


def day_to_date(day: int) -> dt.date:
    """Study day -> anchored date (no day 0: day -1 is the day before day 1)."""
    if day == 0:
        raise ValueError("there is no study day 0")
    return ANCHOR + dt.timedelta(days=day - 1 if day > 0 else day)


def date_to_day(date: dt.date) -> int:
    """Anchored date -> study day (inverse of :func:`day_to_date`)."""
    return study_day(date, ANCHOR)


def _age(text: str | None) -> int | str | None:
    if text is None or text == AGE_GROUP_TOP:
        return text
    return int(text)


def _patient_rows(session: Session, site: str | None) -> list[CenterPatient]:
    query = select(CenterPatient).order_by(CenterPatient.subject_code)
    if site is not None:
        query = query.where(CenterPatient.site_code == site)
    return list(session.scalars(query))


def _entries_by_patient(
    session: Session, site: str | None
) -> dict[int, dict[str, list[tuple[str, dict[str, Any]]]]]:
    query = select(
        CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id, CenterEntry.values_json
    ).order_by(CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id)
    if site is not None:
        query = query.join(CenterPatient, CenterPatient.id == CenterEntry.patient_id).where(
            CenterPatient.site_code == site
        )
    result: dict[int, dict[str, list[tuple[str, dict[str, Any]]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for patient_id, form_id, entry_id, text in session.execute(query):
        result[patient_id][form_id].append((entry_id, json.loads(text)))
    return result


def pooled_patients(db: CenterDatabase, *, site: str | None = None) -> list[DeidentifiedPatient]:
    """The merged data as the sites sent it, ordered by subject code."""
    with db.reading() as session:
        rows = _patient_rows(session, site)
        entries = _entries_by_patient(session, site)
    out = []
    for row in rows:
        forms = {
            form_id: tuple(DeidentifiedEntry(entry_id, values) for entry_id, values in items)
            for form_id, items in sorted(entries.get(row.id, {}).items())
        }
        out.append(
            DeidentifiedPatient(
                subject_code=row.subject_code,
                signed=row.signed,
                first_dose_known=row.first_dose_known,
                age_at_first_dose=_age(row.age),
                forms=forms,
            )
        )
    return out


def _definition(study_id: str, version: str) -> StudyDefinition:
    definition = study.definition(study_id, version)
    if definition is None:
        raise CenterDatabaseError(
            f"The center database holds data of study definition {study_id} {version}, which "
            "this version of rego-desktop does not know; install the newer version."
        )
    return definition


_TEXT_KINDS: Final = frozenset({FieldType.TEXT, FieldType.CHOICE, FieldType.YES_NO})


def _typed(policy: ExportPolicy, form_id: str, values: dict[str, Any]) -> dict[str, Value]:
    """Typed values of one entry, as :func:`from_json` (dates: :func:`date_from_json`)
    gives them; the common plain cases (a study day, a code, a whole number) are taken
    as they are, without the general conversion (millions of values at the center)."""
    fields = policy.index[form_id]
    out: dict[str, Value] = {}
    for field_id, data in values.items():
        f = fields[field_id]
        kind, cls = f.type, type(data)
        if kind is FieldType.DATE:
            out[field_id] = day_to_date(data) if cls is int else date_from_json(data, day_to_date)
        elif (cls is str and kind in _TEXT_KINDS) or (cls is int and kind is FieldType.INTEGER):
            out[field_id] = data
        elif (cls is float or cls is int) and kind is FieldType.DECIMAL:
            out[field_id] = float(data)
        else:
            out[field_id] = from_json(f, data)
    return out


def casebook_of(
    patient: DeidentifiedPatient,
    definition: StudyDefinition,
    *,
    patient_uid: str | None = None,
    updated_at: dt.datetime | None = None,
    policy: ExportPolicy | None = None,
) -> Casebook:
    """Rebuild a casebook from de-identified data (dates anchored, see the module doc).

    The age at first dose goes into the demographics entry as ``age_at_first_dose``
    (whole years; ``"90+"`` becomes 90, meaning 90 or older).
    """
    moment = updated_at or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    policy = policy or export_policy(definition)
    book = Casebook(
        definition, patient.subject_code, patient_uid or patient.subject_code, patient.signed
    )
    for form_id, entries in patient.forms.items():
        book.entries[form_id] = [
            Entry(e.entry_id, 1, _typed(policy, form_id, dict(e.values)), moment) for e in entries
        ]
    age = patient.age_at_first_dose
    if age is not None:
        years = AGE_TOP if age == AGE_GROUP_TOP else int(age)
        form_id, field_id = AGE_FIELD
        existing = book.entries.get(form_id)
        if existing:
            first = existing[0]
            existing[0] = Entry(
                first.item_uid, first.revision, {**first.values, field_id: years}, first.updated_at
            )
        else:
            book.entries[form_id] = [Entry("", 1, {field_id: years}, moment)]
    return book


class PooledPatient:
    """One merged patient: its stored row, its data as sent and its casebook, rebuilt
    when first asked for (:func:`casebook_of`)."""

    def __init__(self, row: CenterPatient, patient: DeidentifiedPatient, policy: ExportPolicy):
        self.row = row
        self.patient = patient
        self._policy = policy

    @cached_property
    def book(self) -> Casebook:
        return casebook_of(
            self.patient,
            self._policy.definition,
            patient_uid=self.row.uid,
            updated_at=self.row.package_created_at,
            policy=self._policy,
        )


def patient_chunks(
    db: CenterDatabase, *, site: str | None = None, size: int = 500
) -> Iterator[list[PooledPatient]]:
    """Every merged patient (or one site's) by subject code, in chunks of ``size``, so
    only one chunk is in memory at a time (casebooks, as :func:`pooled_casebooks`
    builds them, only of the patients whose ``book`` is asked for)."""
    policies: dict[tuple[str, str], ExportPolicy] = {}
    decode = JsonObjects().text
    with db.reading() as session:
        rows = _patient_rows(session, site)
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            entries: dict[int, dict[str, list[tuple[str, dict[str, Any]]]]] = defaultdict(
                lambda: defaultdict(list)
            )
            query = (
                select(
                    CenterEntry.patient_id,
                    CenterEntry.form_id,
                    CenterEntry.entry_id,
                    CenterEntry.values_json,
                )
                .where(CenterEntry.patient_id.in_([r.id for r in chunk]))
                .order_by(CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id)
            )
            for patient_id, form_id, entry_id, text in session.execute(query):
                entries[patient_id][form_id].append((entry_id, decode(text)))
            out = []
            for row in chunk:
                key = (row.study_id, row.study_version)
                if key not in policies:
                    policies[key] = export_policy(_definition(*key))
                policy = policies[key]
                patient = DeidentifiedPatient(
                    subject_code=row.subject_code,
                    signed=row.signed,
                    first_dose_known=row.first_dose_known,
                    age_at_first_dose=_age(row.age),
                    forms={
                        form_id: tuple(DeidentifiedEntry(eid, values) for eid, values in items)
                        for form_id, items in entries.get(row.id, {}).items()
                    },
                )
                out.append(PooledPatient(row, patient, policy))
            yield out


def pooled_casebooks(db: CenterDatabase, *, site: str | None = None) -> list[Casebook]:
    """Casebooks of every merged patient (or one site's), ordered by subject code.

    Dates are anchored study days (day 1 = :data:`ANCHOR`); patients sent without a first
    dose date have no dates at all. ``locked`` is whether the site's investigator had
    signed the casebook when it was exported.
    """
    with db.reading() as session:
        rows = _patient_rows(session, site)
        entries = _entries_by_patient(session, site)
    books = []
    policies: dict[tuple[str, str], ExportPolicy] = {}
    for row in rows:
        key = (row.study_id, row.study_version)
        if key not in policies:
            policies[key] = export_policy(_definition(*key))
        policy = policies[key]
        patient = DeidentifiedPatient(
            subject_code=row.subject_code,
            signed=row.signed,
            first_dose_known=row.first_dose_known,
            age_at_first_dose=_age(row.age),
            forms={
                form_id: tuple(DeidentifiedEntry(eid, values) for eid, values in items)
                for form_id, items in entries.get(row.id, {}).items()
            },
        )
        books.append(
            casebook_of(
                patient,
                policy.definition,
                patient_uid=row.uid,
                updated_at=row.package_created_at,
                policy=policy,
            )
        )
    return books


@dataclass(frozen=True)
class SiteCount:
    site_code: str
    patients: int
    packages: int
    last_sequence: int
    last_merged_at: dt.datetime

    def to_json_object(self) -> dict[str, Any]:
        return {
            "site": self.site_code,
            "patients": self.patients,
            "packages": self.packages,
            "last_sequence": self.last_sequence,
            "last_merged_at": self.last_merged_at.isoformat(),
        }


def site_counts(db: CenterDatabase) -> list[SiteCount]:
    """Patients and merged packages per site, by site code."""
    with db.reading() as session:
        patients: dict[str, int] = {
            row[0]: row[1]
            for row in session.execute(
                select(CenterPatient.site_code, func.count()).group_by(CenterPatient.site_code)
            )
        }
        packages: dict[str, int] = {
            row[0]: row[1]
            for row in session.execute(
                select(CenterPackage.site_code, func.count()).group_by(CenterPackage.site_code)
            )
        }
        sites = list(session.scalars(select(CenterSite).order_by(CenterSite.site_code)))
    return [
        SiteCount(
            s.site_code,
            patients.get(s.site_code, 0),
            packages.get(s.site_code, 0),
            s.last_sequence,
            s.last_merged_at,
        )
        for s in sites
    ]


# --------------------------------------------------------------------------- workbook


@dataclass(frozen=True)
class WorkbookReport:
    path: Path
    rows: dict[str, int]
    """Sheet name -> data rows (header not counted)."""


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


_COLLECT_EVERY: Final = 10

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
    from rego_desktop.center.pooled_derived import DerivedSheets
    from rego_desktop.center.sheet_rows import keep_sheet_rows
    from rego_desktop.center.xlsx_stream import SpooledSheet, StreamingWorkbook

    definition = definition or study.CURRENT
    policy = export_policy(definition)
    rows: dict[str, int] = {}
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
    forms = [
        (form, _field_kinds(policy.exported_fields[form.id])) for form in policy.exported_forms()
    ]

    def produce(out: IO[bytes]) -> None:
        patients = SpooledSheet("patients", PATIENTS_HEADER)
        listings = [
            SpooledSheet(form.id, _form_header(form.repeating, policy.exported_fields[form.id]))
            for form, _ in forms
        ]
        derived = DerivedSheets(definition)
        # Reading and rebuilding patients allocates millions of small objects, freed by
        # reference counting chunk by chunk; the collector's automatic passes over them
        # cost about a quarter of the time. It runs on the young objects every
        # _COLLECT_EVERY chunks instead, so any cyclic garbage is still bounded.
        try:
            for number, part in enumerate(patient_chunks(db, site=site, size=chunk), 1):
                if number % _COLLECT_EVERY == 0:
                    gc.collect(1)
                for item in part:
                    p = item.row
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
                    for (form, kinds), sheet in zip(forms, listings, strict=True):
                        entries = item.patient.forms.get(form.id)
                        if entries:
                            sheet.extend(_listing_rows(item.row.site_code, item.row.subject_code,
                                                       form.repeating, form.order_by, kinds,
                                                       entries))  # fmt: skip
                for sheets in _derived_rows(db, part, computed):
                    derived.add(sheets)
            wb = StreamingWorkbook(out)
            try:
                _fill_workbook(wb, db, definition, site, patients, listings, derived, rows)
            except BaseException:
                wb.abandon()
                raise
        finally:
            for spooled in (patients, *listings):
                spooled.close()
            derived.close()

    computed: list[dict[str, Any]] = []
    with gc_paused():
        write_file_atomically(
            path, produce, overwrite=overwrite, private=False, what="The workbook"
        )
    keep_sheet_rows(db, computed)
    return WorkbookReport(path, rows)


def _derived_rows(
    db: CenterDatabase, part: Sequence[PooledPatient], computed_rows: list[dict[str, Any]]
) -> list[PatientSheets]:
    """The derived sheets' rows of these patients, in order: as the merge stored them
    when still valid, else computed from their casebooks (and stored analysis rows);
    those computed are added to ``computed_rows`` in their stored form, to be kept."""
    from rego_desktop.center.analysis_rows import stored_rows  # imports this module
    from rego_desktop.center.pooled_derived import patient_sheet_rows
    from rego_desktop.center.sheet_rows import read_sheet_rows, sheet_values

    with db.reading() as session:
        ready = dict(read_sheet_rows(session, [item.row for item in part]))
    stale = [item for item in part if item.row.id not in ready]
    if stale:
        analysed = stored_rows(db, patient_ids=[item.row.id for item in stale])
        computed = patient_sheet_rows(
            [item.book for item in stale], [analysed.get(item.row.subject_code) for item in stale]
        )
        for item, rows in zip(stale, computed, strict=True):
            ready[item.row.id] = rows
            computed_rows.append(sheet_values(item.row, rows))
    return [ready[item.row.id] for item in part]


def _fill_workbook(
    wb: StreamingWorkbook,
    db: CenterDatabase,
    definition: StudyDefinition,
    site: str | None,
    patients: SpooledSheet,
    listings: Sequence[SpooledSheet],
    derived: DerivedSheets,
    rows: dict[str, int],
) -> None:
    """The sheets, in order, then the workbook parts."""
    for spooled in (patients, *listings, *derived.sheets()):
        rows[spooled.name] = wb.add_spooled(spooled)
    with db.reading() as session:
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


def _form_header(repeating: bool, fields: Sequence[Field]) -> list[str]:
    header = ["site", "subject"] + (["entry"] if repeating else [])
    for f in fields:
        if f.type is FieldType.DATE:
            header.append(f"{f.id}_day")
        elif len(f.units) > 1:
            header += [f.id, f"{f.id}_unit"]
        else:
            header.append(f.id)
    return header


_DATE, _PLAIN, _QUANTITY = 0, 1, 2


def _field_kinds(fields: Sequence[Field]) -> list[tuple[str, int]]:
    return [
        (f.id, _DATE if f.type is FieldType.DATE else _QUANTITY if len(f.units) > 1 else _PLAIN)
        for f in fields
    ]


def _listing_rows(
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
