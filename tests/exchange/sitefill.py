"""Synthetic site data for the exchange tests, written through the patient service.

Every form of the study definition is filled with random values that pass the hard
checks, driven by the definition itself (types, code lists, limits, units, enabled_by).
Identifying and free-text fields get distinctive strings that the tests then look for
in transfer files. Dates are consistent: before/after first dose as the definition
says, and increasing within an entry (a start before its end).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from rego_desktop.casebook import applies
from rego_desktop.errors import ValidationError
from rego_desktop.services.patients import Editor, PatientService
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Field, FieldType, Form, StudyDefinition
from rego_desktop.study.values import Quantity, Value, check
from tests.conftest import ADMIN, FAST_KDF, PASSWORD

SURNAMES = ["Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao"]
GIVEN = ["Weiqiang", "Xiuying", "Mingyuan", "Guilan", "Jianguo", "Lihua", "Haiyan"]
ZH_NAMES = ["王秀英", "李建国", "张桂兰", "刘海燕", "陈志强", "杨丽华"]
REPEATS = {
    "medical_history": (0, 3),
    "prior_treatments": (1, 2),
    "lab_tests": (1, 3),
    "genetic_tests": (0, 1),
    "cycles": (1, 5),
    "dose_changes": (0, 2),
    "response_assessments": (1, 3),
    "adverse_events": (0, 4),
    "subsequent_treatments": (0, 1),
}
SKIPPED_IF_NO_FIRST_DOSE = {"treatment", "cycles", "dose_changes"}


@dataclass
class SitePatient:
    subject_code: str
    first_dose: dt.date | None
    birth: dt.date
    identifying: list[str] = field(default_factory=list)
    """Names, record numbers, free text: must never appear in a transfer file."""
    dates: list[dt.date] = field(default_factory=list)
    """Every date stored (birth date included): none may appear as a date."""


@dataclass
class FillReport:
    patients: list[SitePatient] = field(default_factory=list)

    def needles(self) -> list[str]:
        out: list[str] = []
        for p in self.patients:
            out += p.identifying
            out += sorted({d.isoformat() for d in p.dates})
        return out


def _number(rng: random.Random, f: Field) -> Value:
    lo = f.limits.minimum if f.limits.minimum is not None else 0.0
    hi = f.limits.maximum if f.limits.maximum is not None else lo + 100.0
    canonical = lo + (hi - lo) * rng.uniform(0.05, 0.3)
    if f.type is FieldType.INTEGER:
        low = int(lo) if lo == int(lo) else int(lo) + 1
        return rng.randint(low, max(low, min(int(hi), low + 10)))
    if len(f.units) > 1:
        unit = rng.choice(f.units)
        return Quantity(round(canonical / unit.factor, f.decimals), unit.id)
    return float(round(canonical, f.decimals))


def _text(rng: random.Random, f: Field, patient: SitePatient, code: str) -> str:
    tag = rng.randrange(10**6, 10**7)
    if f.id == "full_name":
        text = (
            rng.choice(ZH_NAMES) + str(tag)
            if rng.random() < 0.5
            else f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}{tag}"
        )
    elif f.id == "hospital_record_number":
        text = f"ZY{tag}{rng.randrange(100, 999)}"
    else:
        text = f"自述-{f.id}-{tag} neighbour {rng.choice(SURNAMES)}"
    patient.identifying.append(text)
    return text[: f.max_length]


def _values(
    rng: random.Random,
    definition: StudyDefinition,
    form: Form,
    patient: SitePatient,
    code: str,
    anchor: dt.date,
) -> dict[str, Value]:
    values: dict[str, Value] = {}
    cursor: dt.date | None = None
    for f in form.fields:
        if not f.is_input or not applies(form, f, values):
            continue
        if not f.required and rng.random() < 0.3:
            continue
        value: Value
        if f.type is FieldType.DATE:
            if form.id == "identification":
                value = patient.birth
            elif form.id == "treatment" and f.id == "first_dose_date":
                if patient.first_dose is None:
                    continue
                value = patient.first_dose
            elif f.before_first_dose:
                value = anchor - dt.timedelta(days=rng.randint(1, 500))
            else:
                start = max(cursor or anchor, anchor) if f.after_first_dose else (cursor or anchor)
                value = start + dt.timedelta(days=rng.randint(0, 90))
            if not f.before_first_dose:
                cursor = value
            patient.dates.append(value)
        elif f.type is FieldType.TEXT:
            value = _text(rng, f, patient, code)
        elif f.type is FieldType.YES_NO:
            value = rng.choice(("yes", "no"))
        elif f.type is FieldType.CHOICE:
            assert f.codelist is not None
            options = definition.codelist(f.codelist).values()
            wants_other = form.has_field(f"{f.id}_other") and rng.random() < 0.4
            value = "other" if wants_other and "other" in options else rng.choice(options)
        elif f.type is FieldType.MULTI_CHOICE:
            assert f.codelist is not None
            options = definition.codelist(f.codelist).values()
            value = tuple(rng.sample(options, k=rng.randint(1, min(2, len(options)))))
            if "other" in options and form.has_field(f"{f.id}_other") and rng.random() < 0.4:
                value = tuple(dict.fromkeys((*value, "other")))
        else:
            value = _number(rng, f)
        check(definition, f, value)
        values[f.id] = value
    return values


def fill_patient(
    editor: Editor,
    rng: random.Random,
    *,
    first_dose: dt.date | None,
    age: int,
) -> SitePatient:
    definition = editor.study.definition
    code = editor.create_patient()
    anchor = first_dose or dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
    birth = anchor - dt.timedelta(days=int(age * 365.25) + rng.randint(1, 300))
    patient = SitePatient(code, first_dose, birth)
    for form in definition.forms:
        if first_dose is None and form.id in SKIPPED_IF_NO_FIRST_DOSE:
            continue
        low, high = REPEATS.get(form.id, (1, 1))
        count = rng.randint(low, high) if form.repeating else 1
        for _ in range(count):
            # Random values may break a cross-record hard check (an event after a random
            # death date, a grade above the term's maximum): draw again, as a person
            # would correct the entry.
            for _attempt in range(100):
                values = _values(rng, definition, form, patient, code, anchor)
                try:
                    editor.save(code, form.id, values)
                except ValidationError:
                    continue
                break
            else:
                raise AssertionError(f"no valid {form.id} entry drawn for {code}")
    return patient


def fill_site(
    study: OpenStudy,
    n: int,
    *,
    seed: int = 1,
    without_first_dose: int = 1,
    aged_90_plus: int = 1,
) -> FillReport:
    """Add ``n`` patients: the first ``without_first_dose`` have no first dose date, the
    next ``aged_90_plus`` are 90-97 years old at first dose."""
    rng = random.Random(seed)
    report = FillReport()
    with PatientService(study).editing() as editor:
        for i in range(n):
            if i < without_first_dose:
                first_dose, age = None, rng.randint(40, 80)
            else:
                first_dose = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 1000))
                age = (
                    rng.randint(90, 97)
                    if i < without_first_dose + aged_90_plus
                    else rng.randint(35, 85)
                )
            report.patients.append(fill_patient(editor, rng, first_dose=first_dose, age=age))
    return report


def new_site(
    folder: Path, site_code: str, n: int, *, seed: int = 1
) -> tuple[OpenStudy, FillReport]:
    """A new study database for ``site_code`` in ``folder`` with ``n`` patients."""
    created = create_study(
        folder / f"{site_code}.rego", site_code, ADMIN, PASSWORD, full_name="Admin", kdf=FAST_KDF
    )
    return created.study, fill_site(created.study, n, seed=seed)
