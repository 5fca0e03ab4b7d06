"""De-identification of casebooks for the transfer file (pure functions, no storage).

What leaves a site, decided from the study definition alone (see
``docs/transfer-format.md`` section 9):

* forms marked ``identifying`` (the *identification* form: name, hospital record number,
  date of birth) are removed whole;
* fields marked ``identifying`` or ``free_text``, and every text field whatever its
  flags (a text box can hold anything a person typed), are removed;
* derived fields are not stored at the site and are not sent: the coordinating center
  computes them again from the values sent;
* every date becomes a **study day** relative to the first dose of regorafenib (field
  ``treatment.first_dose_date``): day 1 is the first dose date, ``date - first dose + 1``
  for dates on or after it and ``date - first dose`` for dates before it, so the day
  before the first dose is day -1 and there is no day 0 (CDISC ADaM ``ADY``);
* a patient without a first dose date has no day 1, so none of their dates can be
  converted: they are sent **without any date** (the other values are kept), counted
  and listed by subject code in the manifest;
* the age at first dose (completed years, from the date of birth, which stays at the
  site) is sent as a whole number up to 89 and as the text ``"90+"`` from 90 years on;
* subjects are identified only by their study subject code (e.g. ``BJ01-0007``) and
  entries of repeating forms by their random entry id.

The result is JSON-ready: values are in the form of
:func:`rego_desktop.study.values.to_json`, except dates, which are integers (study days).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from rego_desktop.casebook import Casebook
from rego_desktop.exchange.study_days import date_json
from rego_desktop.rules.dates import age_at
from rego_desktop.study.schema import Field, FieldType, Form, StudyDefinition
from rego_desktop.study.values import Value, to_json

__all__ = [
    "AGE_GROUP_TOP",
    "AGE_TOP",
    "DAY_ONE_FIELD",
    "DAY_ONE_FORM",
    "DatasetTally",
    "DeidentifiedEntry",
    "DeidentifiedPatient",
    "ExportPolicy",
    "Removal",
    "RemovedItem",
    "age_group",
    "deidentify_casebook",
    "export_policy",
    "tally_of",
]

DAY_ONE_FORM: Final = "treatment"
DAY_ONE_FIELD: Final = "first_dose_date"
IDENTIFICATION_FORM: Final = "identification"
BIRTH_FIELD: Final = "date_of_birth"
AGE_TOP: Final = 90
"""Ages from this value on are sent as :data:`AGE_GROUP_TOP` (HIPAA Safe Harbor)."""
AGE_GROUP_TOP: Final = "90+"


class Removal(StrEnum):
    """Why something present at the site is not in the transfer file."""

    IDENTIFYING = "identifying"
    """A form or field that identifies the patient (name, record number, birth date)."""
    FREE_TEXT = "free_text"
    """Text typed by a person, which may contain anything."""
    NO_FIRST_DOSE = "no_first_dose"
    """A date of a patient without a first dose date (it cannot become a study day)."""


@dataclass(frozen=True)
class ExportPolicy:
    """Which forms and fields of a study definition leave the site, and why not the rest."""

    definition: StudyDefinition
    exported_fields: Mapping[str, tuple[Field, ...]]
    """Form id -> the fields sent (typed, non-derived, not removed), for exported forms."""
    removed_forms: Mapping[str, Removal]
    removed_fields: Mapping[str, Mapping[str, Removal]]
    """Form id -> field id -> why it is removed (for exported forms)."""
    index: Mapping[str, Mapping[str, Field]]
    """Form id -> field id -> field, for the exported fields (fast lookup)."""

    def exported_forms(self) -> tuple[Form, ...]:
        return tuple(f for f in self.definition.forms if f.id in self.exported_fields)

    def field(self, form_id: str, field_id: str) -> Field | None:
        """The exported field, or None if the form or field is not exported."""
        return self.index.get(form_id, {}).get(field_id)

    def removes(self, form_id: str, field_id: str | None = None) -> bool:
        """Whether the form (or its field) stays at the site: identifying or free text."""
        if form_id in self.removed_forms:
            return True
        return field_id is not None and field_id in self.removed_fields.get(form_id, {})


def _field_removal(form: Form, f: Field) -> Removal | None:
    if form.identifying or f.identifying:
        return Removal.IDENTIFYING
    if f.free_text or f.type is FieldType.TEXT:
        return Removal.FREE_TEXT
    return None


def export_policy(definition: StudyDefinition) -> ExportPolicy:
    exported: dict[str, tuple[Field, ...]] = {}
    removed_forms: dict[str, Removal] = {}
    removed_fields: dict[str, dict[str, Removal]] = {}
    for form in definition.forms:
        if form.identifying:
            removed_forms[form.id] = Removal.IDENTIFYING
            continue
        kept: list[Field] = []
        removed: dict[str, Removal] = {}
        for f in form.fields:
            reason = _field_removal(form, f)
            if reason is not None:
                removed[f.id] = reason
            elif f.is_input:
                kept.append(f)
        exported[form.id] = tuple(kept)
        removed_fields[form.id] = removed
    index = {form_id: {f.id: f for f in fields} for form_id, fields in exported.items()}
    return ExportPolicy(definition, exported, removed_forms, removed_fields, index)


def age_group(age: int) -> int | str:
    """The age as sent: completed years below :data:`AGE_TOP`, else ``"90+"``."""
    return AGE_GROUP_TOP if age >= AGE_TOP else age


@dataclass(frozen=True)
class DeidentifiedEntry:
    entry_id: str
    """``""`` for a non-repeating form, else the entry's random id."""
    values: Mapping[str, Any]
    """Field id -> JSON value (dates as study days); absent fields are not entered."""

    def to_json_object(self) -> dict[str, Any]:
        return {"entry": self.entry_id, "values": dict(self.values)}


@dataclass(frozen=True)
class DeidentifiedPatient:
    """One patient as the transfer file carries it."""

    subject_code: str
    signed: bool
    first_dose_known: bool
    age_at_first_dose: int | str | None
    forms: Mapping[str, tuple[DeidentifiedEntry, ...]]
    """Form id -> entries ordered by entry id; forms without entries are absent."""

    def to_json_object(self) -> dict[str, Any]:
        return {
            "kind": "patient",
            "subject": self.subject_code,
            "signed": self.signed,
            "first_dose_known": self.first_dose_known,
            "age_at_first_dose": self.age_at_first_dose,
            "forms": {
                form_id: [e.to_json_object() for e in entries]
                for form_id, entries in self.forms.items()
            },
        }

    def entry_count(self) -> int:
        return sum(len(entries) for entries in self.forms.values())


@dataclass(frozen=True)
class RemovedItem:
    """Something the site holds that the transfer file leaves out."""

    form_id: str
    field_id: str | None
    """None when the whole form is removed."""
    reason: Removal
    count: int
    """Entries (whole form) or values (field) left out of this package."""


@dataclass
class DatasetTally:
    """Counts over the patients of one package: what is sent and what was removed."""

    policy: ExportPolicy
    patients: int = 0
    entries: Counter[str] = field(default_factory=Counter)
    removed: Counter[tuple[str, str | None, Removal]] = field(default_factory=Counter)
    without_first_dose: list[str] = field(default_factory=list)
    ages_grouped: int = 0
    ages_unknown: int = 0

    def add(self, patient: DeidentifiedPatient) -> None:
        self.patients += 1
        for form_id, entries in patient.forms.items():
            self.entries[form_id] += len(entries)
        if not patient.first_dose_known:
            self.without_first_dose.append(patient.subject_code)
        if patient.age_at_first_dose == AGE_GROUP_TOP:
            self.ages_grouped += 1
        elif patient.age_at_first_dose is None:
            self.ages_unknown += 1

    def removed_items(self) -> tuple[RemovedItem, ...]:
        """Every removal rule of the definition with its count (0 if nothing was removed),
        then the dates of patients without a first dose, in definition order."""
        items: list[RemovedItem] = []
        policy = self.policy
        for form in policy.definition.forms:
            form_reason = policy.removed_forms.get(form.id)
            if form_reason is not None:
                items.append(
                    RemovedItem(
                        form.id, None, form_reason, self.removed[(form.id, None, form_reason)]
                    )
                )
                continue
            for field_id, reason in policy.removed_fields[form.id].items():
                items.append(
                    RemovedItem(
                        form.id, field_id, reason, self.removed[(form.id, field_id, reason)]
                    )
                )
        for form in policy.exported_forms():
            for f in policy.exported_fields[form.id]:
                key = (form.id, f.id, Removal.NO_FIRST_DOSE)
                if f.type is FieldType.DATE and self.removed[key]:
                    items.append(
                        RemovedItem(form.id, f.id, Removal.NO_FIRST_DOSE, self.removed[key])
                    )
        return tuple(items)


def _date_json(value: Value, first_dose: dt.date | None) -> Any:
    """A date field's value as study days (:mod:`rego_desktop.exchange.study_days`)."""
    return date_json(value, first_dose)


def deidentify_casebook(
    casebook: Casebook, policy: ExportPolicy, tally: DatasetTally | None = None
) -> DeidentifiedPatient:
    """The de-identified form of one casebook; ``tally`` (if given) counts what was removed."""
    first_dose = casebook.first_dose
    removed: Counter[tuple[str, str | None, Removal]] = Counter()
    forms: dict[str, tuple[DeidentifiedEntry, ...]] = {}
    for form in policy.definition.forms:
        stored = casebook.entries.get(form.id, [])
        if not stored:
            continue
        form_reason = policy.removed_forms.get(form.id)
        if form_reason is not None:
            removed[(form.id, None, form_reason)] += len(stored)
            continue
        removed_fields = policy.removed_fields[form.id]
        exported = policy.exported_fields[form.id]
        entries: list[DeidentifiedEntry] = []
        for entry in stored:
            values: dict[str, Any] = {}
            for field_id, reason in removed_fields.items():
                if entry.values.get(field_id) is not None:
                    removed[(form.id, field_id, reason)] += 1
            for f in exported:
                value = entry.values.get(f.id)
                if value is None:
                    continue
                if f.type is FieldType.DATE:
                    day = _date_json(value, first_dose)
                    if day is None:
                        removed[(form.id, f.id, Removal.NO_FIRST_DOSE)] += 1
                        continue
                    values[f.id] = day
                else:
                    values[f.id] = to_json(f, value)
            entries.append(DeidentifiedEntry(entry.item_uid, values))
        entries.sort(key=lambda e: e.entry_id)
        forms[form.id] = tuple(entries)
    patient = DeidentifiedPatient(
        subject_code=casebook.subject_code,
        signed=casebook.locked,
        first_dose_known=first_dose is not None,
        age_at_first_dose=_age(casebook, first_dose),
        forms=forms,
    )
    if tally is not None:
        tally.add(patient)
        tally.removed.update(removed)
    return patient


def _age(casebook: Casebook, first_dose: dt.date | None) -> int | str | None:
    birth = casebook.value(IDENTIFICATION_FORM, BIRTH_FIELD)
    if first_dose is None or not isinstance(birth, dt.date):
        return None
    try:
        return age_group(age_at(birth, first_dose))
    except ValueError:  # first dose before birth: an impossible record, send no age
        return None


def tally_of(policy: ExportPolicy, patients: Iterable[DeidentifiedPatient]) -> DatasetTally:
    """Counts of what is sent (not of what was removed: that needs the casebooks)."""
    tally = DatasetTally(policy)
    for patient in patients:
        tally.add(patient)
    return tally
