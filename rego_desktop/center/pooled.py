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
* the pooled workbook is :mod:`rego_desktop.center.pooled_workbook`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rego_desktop import study
from rego_desktop.bulk import JsonObjects
from rego_desktop.casebook import Casebook, Entry
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import CenterDatabaseError
from rego_desktop.center.models import CenterEntry, CenterPackage, CenterPatient, CenterSite
from rego_desktop.exchange.deidentify import (
    AGE_GROUP_TOP,
    AGE_TOP,
    DeidentifiedEntry,
    DeidentifiedPatient,
    ExportPolicy,
    export_policy,
)
from rego_desktop.exchange.study_days import date_from_json
from rego_desktop.rules.dates import study_day
from rego_desktop.study.schema import (
    FieldType,
    StudyDefinition,
)
from rego_desktop.study.values import Value, from_json

if TYPE_CHECKING:
    pass

__all__ = [
    "ANCHOR",
    "PooledPatient",
    "SiteCount",
    "casebook_of",
    "date_to_day",
    "day_to_date",
    "entries_of",
    "load_pooled",
    "patient_chunks",
    "patient_rows",
    "pooled_casebooks",
    "pooled_patients",
    "site_counts",
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


def patient_rows(session: Session, site: str | None = None) -> list[CenterPatient]:
    """The merged patients' rows (or one site's), by subject code."""
    query = select(CenterPatient).order_by(CenterPatient.subject_code)
    if site is not None:
        query = query.where(CenterPatient.site_code == site)
    return list(session.scalars(query))


_CHUNK: Final = 500


def _deidentified(row: CenterPatient, forms: Mapping[str, list[Any]]) -> DeidentifiedPatient:
    return DeidentifiedPatient(
        subject_code=row.subject_code,
        signed=row.signed,
        first_dose_known=row.first_dose_known,
        age_at_first_dose=_age(row.age),
        forms={form_id: tuple(items) for form_id, items in forms.items()},
    )


def pooled_patients(db: CenterDatabase, *, site: str | None = None) -> list[DeidentifiedPatient]:
    """The merged data as the sites sent it, ordered by subject code."""
    out = []
    with db.reading() as session:
        rows = patient_rows(session, site)
        for start in range(0, len(rows), _CHUNK):
            part = rows[start : start + _CHUNK]
            entries = entries_of(session, [r.id for r in part])
            out += [_deidentified(row, entries.get(row.id, {})) for row in part]
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


def entries_of(
    session: Session, patient_ids: Sequence[int], forms: Sequence[str] | None = None
) -> dict[int, dict[str, list[Any]]]:
    """Patient id -> form id -> its entries' (entry id, values) as stored, by entry id;
    ``forms``: only the entries of these forms."""
    decode = JsonObjects().text
    entries: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    query = (
        select(CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id,
               CenterEntry.values_json)
        .where(CenterEntry.patient_id.in_(list(patient_ids)))
        .order_by(CenterEntry.patient_id, CenterEntry.form_id, CenterEntry.entry_id)
    )  # fmt: skip
    if forms is not None:
        query = query.where(CenterEntry.form_id.in_(list(forms)))
    for patient_id, form_id, entry_id, text in session.execute(query):
        entries[patient_id][form_id].append(DeidentifiedEntry(entry_id, decode(text)))
    return entries


def load_pooled(
    session: Session,
    rows: Sequence[CenterPatient],
    policies: dict[tuple[str, str], ExportPolicy] | None = None,
) -> list[PooledPatient]:
    """These patients with their data as sent (casebooks rebuilt when asked for);
    ``policies``: export policies by study version, kept across calls."""
    policies = {} if policies is None else policies
    entries = entries_of(session, [r.id for r in rows])
    out = []
    for row in rows:
        key = (row.study_id, row.study_version)
        if key not in policies:
            policies[key] = export_policy(_definition(*key))
        patient = _deidentified(row, entries.get(row.id, {}))
        out.append(PooledPatient(row, patient, policies[key]))
    return out


def patient_chunks(
    db: CenterDatabase, *, site: str | None = None, size: int = _CHUNK
) -> Iterator[list[PooledPatient]]:
    """Every merged patient (or one site's) by subject code, in chunks of ``size``, so
    only one chunk is in memory at a time (casebooks, as :func:`pooled_casebooks`
    builds them, only of the patients whose ``book`` is asked for)."""
    policies: dict[tuple[str, str], ExportPolicy] = {}
    with db.reading() as session:
        rows = patient_rows(session, site)
        for start in range(0, len(rows), size):
            yield load_pooled(session, rows[start : start + size], policies)


def pooled_casebooks(db: CenterDatabase, *, site: str | None = None) -> list[Casebook]:
    """Casebooks of every merged patient (or one site's), ordered by subject code.

    Dates are anchored study days (day 1 = :data:`ANCHOR`); patients sent without a first
    dose date have no dates at all. ``locked`` is whether the site's investigator had
    signed the casebook when it was exported.
    """
    return [item.book for part in patient_chunks(db, site=site) for item in part]


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
