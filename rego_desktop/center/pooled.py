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
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rego_desktop import study
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
from rego_desktop.rules.dates import study_day
from rego_desktop.study.schema import FieldType, StudyDefinition
from rego_desktop.study.values import Quantity, Value, from_json

__all__ = [
    "ANCHOR",
    "SiteCount",
    "WorkbookReport",
    "casebook_of",
    "date_to_day",
    "day_to_date",
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


def _typed(policy: ExportPolicy, form_id: str, values: dict[str, Any]) -> dict[str, Value]:
    fields = policy.index[form_id]
    out: dict[str, Value] = {}
    for field_id, data in values.items():
        f = fields[field_id]
        out[field_id] = day_to_date(data) if f.type is FieldType.DATE else from_json(f, data)
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


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(index)
    return letter


def _sort_key(order_field: str | None, values: dict[str, Any], entry_id: str) -> tuple[Any, ...]:
    if order_field is None:
        return (0, 0, entry_id)
    value = values.get(order_field)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value, entry_id)
    return (1, 0, entry_id)


def _form_rows(
    session: Session, definition: StudyDefinition, form_id: str
) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(site, subject, entry id, values) of one form, by subject then order field."""
    form = definition.form(form_id)
    query = (
        select(
            CenterPatient.site_code,
            CenterPatient.subject_code,
            CenterEntry.entry_id,
            CenterEntry.values_json,
        )
        .join(CenterPatient, CenterPatient.id == CenterEntry.patient_id)
        .where(CenterEntry.form_id == form_id)
        .order_by(CenterPatient.subject_code, CenterEntry.entry_id)
        .execution_options(yield_per=2000)
    )
    batch: list[tuple[str, str, str, dict[str, Any]]] = []
    for site, subject, entry_id, text in session.execute(query):
        if batch and batch[0][1] != subject:
            yield from sorted(batch, key=lambda r: _sort_key(form.order_by, r[3], r[2]))
            batch = []
        batch.append((site, subject, entry_id, json.loads(text)))
    yield from sorted(batch, key=lambda r: _sort_key(form.order_by, r[3], r[2]))


def write_pooled_workbook(
    db: CenterDatabase,
    path: Path,
    *,
    definition: StudyDefinition | None = None,
    overwrite: bool = False,
) -> WorkbookReport:
    """The pooled dataset as .xlsx: a ``patients`` sheet, one sheet per exported form
    (one row per entry), a ``dictionary`` and the ``merge_log``. Every sheet has its header
    row frozen and filters on. Dates are study days (``*_day`` columns)."""
    from openpyxl import Workbook

    definition = definition or study.CURRENT
    policy = export_policy(definition)
    rows: dict[str, int] = {}

    def sheet(wb: Any, name: str, header: Sequence[str], data: Iterator[Sequence[Any]]) -> None:
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        ws.append(list(header))
        count = 0
        for row in data:
            ws.append([_cell(v) for v in row])
            count += 1
        ws.auto_filter.ref = f"A1:{_column_letter(max(1, len(header)))}{count + 1}"
        rows[name] = count

    def produce(out: IO[bytes]) -> None:
        wb = Workbook(write_only=True)
        with db.reading() as session:
            patients = session.scalars(select(CenterPatient).order_by(CenterPatient.subject_code))
            sheet(
                wb,
                "patients",
                (
                    "site",
                    "subject",
                    "age_at_first_dose",
                    "first_dose_known",
                    "signed",
                    "study_version",
                    "package_id",
                ),
                (
                    (
                        p.site_code,
                        p.subject_code,
                        _age(p.age),
                        "yes" if p.first_dose_known else "no",
                        "yes" if p.signed else "no",
                        p.study_version,
                        p.package_id,
                    )
                    for p in patients
                ),
            )
            for form in policy.exported_forms():
                fields = policy.exported_fields[form.id]
                header = ["site", "subject"] + (["entry"] if form.repeating else [])
                for f in fields:
                    if f.type is FieldType.DATE:
                        header.append(f"{f.id}_day")
                    elif len(f.units) > 1:
                        header += [f.id, f"{f.id}_unit"]
                    else:
                        header.append(f.id)

                def form_data(
                    form_id: str = form.id, repeating: bool = form.repeating, fields: Any = fields
                ) -> Iterator[list[Any]]:
                    for site, subject, entry_id, values in _form_rows(session, definition, form_id):
                        row: list[Any] = [site, subject] + ([entry_id] if repeating else [])
                        for f in fields:
                            value = values.get(f.id)
                            if f.type is not FieldType.DATE and len(f.units) > 1:
                                quantity = from_json(f, value) if value is not None else None
                                if isinstance(quantity, Quantity):
                                    row += [quantity.value, quantity.unit]
                                else:
                                    row += [None, None]
                            else:
                                row.append(value)
                        yield row

                sheet(wb, form.id, header, form_data())
            sheet(
                wb,
                "dictionary",
                ("sheet", "column", "type", "unit", "label_en", "label_zh", "note"),
                _dictionary(definition),
            )
            packages = session.scalars(select(CenterPackage).order_by(CenterPackage.id))
            sheet(
                wb,
                "merge_log",
                (
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
                ),
                (
                    (
                        p.merged_at.strftime("%Y-%m-%d %H:%M:%S"),
                        p.site_code,
                        p.sequence,
                        p.package_id,
                        p.file_name,
                        p.file_sha256,
                        p.patients,
                        p.added,
                        p.updated,
                        p.unchanged,
                        p.removed,
                    )
                    for p in packages
                ),
            )
        wb.save(out)

    write_file_atomically(path, produce, overwrite=overwrite, private=False, what="The workbook")
    return WorkbookReport(path, rows)


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
                    "day 1 = first dose date; no day 0",
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
                    f"unit in {f.id}_unit",
                )
            else:
                note = f"codes of {f.codelist}" if f.codelist else ""
                yield (form.id, f.id, f.type.value, unit, f.label.en, f.label.zh, note)
