"""Every derived field of the study definition, computed from a casebook.

A derivation is registered under the name a :class:`~rego_desktop.study.schema.Field`
gives in ``derived``; it computes the values of all fields of one record that carry
that name. Inputs that are absent give :class:`NotComputable` naming them (with the
field labels a person reads), never zero. Values are in the derived field's own unit
and type: ``int`` for integer fields, ``float`` for decimals, the code for choices and
``"yes"``/``"no"`` for yes/no fields.

Conventions beyond the pure rules in :mod:`rego_desktop.rules`:

- lab timing: a sample taken on the day of the first dose counts as *before* it
  (baseline samples are drawn before the first tablet);
- relative dose intensity is shown in percent;
- eligibility is "yes" when every inclusion criterion is answered yes and every
  exclusion criterion no, "no" as soon as one fails, otherwise not computable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeAlias

from rego_desktop.casebook import Entry
from rego_desktop.derive.context import (
    PatientData,
    amount_and_unit,
    as_date,
    canonical,
)
from rego_desktop.rules import scores
from rego_desktop.rules.dates import age_at, duration_days
from rego_desktop.rules.derived import Computed, Derived, NotComputable, Recorded
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import FieldType, Form, MissingReason
from rego_desktop.study.values import Missing

# How a recorded reason reads after the item's label ("Albumin not done").
MISSING_PHRASES: dict[MissingReason, str] = {
    MissingReason.NOT_DONE: "not done",
    MissingReason.UNKNOWN: "unknown",
    MissingReason.NOT_APPLICABLE: "not applicable",
}

DerivedValue: TypeAlias = int | float | str
DerivedResult: TypeAlias = Derived[DerivedValue]
Derivation: TypeAlias = Callable[[PatientData, Form, Entry], dict[str, DerivedResult]]

DERIVATIONS: dict[str, Derivation] = {}


def derivation(name: str) -> Callable[[Derivation], Derivation]:
    def register(func: Derivation) -> Derivation:
        DERIVATIONS[name] = func
        return func

    return register


def _label(form: Form, field_id: str) -> str:
    return form.field(field_id).label.en if form.has_field(field_id) else field_id


def _absent(form: Form, field_id: str, raw: object = None) -> str:
    """An absent input by its label, with the chart's reason when one was recorded."""
    label = _label(form, field_id)
    if isinstance(raw, Missing):
        return Recorded(f"{label} {MISSING_PHRASES[raw.reason]}")
    if isinstance(raw, PartialDate):
        return Recorded(f"{label} known only as {raw.isoformat()}")
    return label


def _missing(
    form: Form, values: Mapping[str, object], *field_ids: str, entry: Entry | None = None
) -> tuple[str, ...]:
    return tuple(
        _absent(form, f, entry.get(f) if entry is not None else None)
        for f in field_ids
        if values.get(f) is None
    )


def widen(result: Derived[int] | Derived[float] | Derived[str]) -> DerivedResult:
    """A typed result as a derived field value (``Computed`` is invariant in its type)."""
    if isinstance(result, NotComputable):
        return result
    value: DerivedValue = result.value
    return Computed(value)


def _all(result: DerivedResult, *field_ids: str) -> dict[str, DerivedResult]:
    return dict.fromkeys(field_ids, result)


# ---------------------------------------------------------------- scores


@derivation("bmi")
def _bmi(data: PatientData, form: Form, entry: Entry) -> dict[str, DerivedResult]:
    weight = canonical(form.field("weight"), entry.get("weight"))
    height = canonical(form.field("height"), entry.get("height"))
    missing = _missing(form, {"weight": weight, "height": height}, "weight", "height", entry=entry)
    if missing:
        return {"bmi": NotComputable(missing)}
    assert weight is not None
    assert height is not None
    try:
        return {"bmi": widen(scores.bmi(weight, height))}
    except ValueError:
        return {"bmi": NotComputable(("a height and weight above 0",))}


def _liver_inputs(
    form: Form, entry: Entry
) -> tuple[tuple[float | None, str | None], tuple[float | None, str | None]]:
    bilirubin = amount_and_unit(form.field("bilirubin"), entry.get("bilirubin"))
    albumin = amount_and_unit(form.field("albumin"), entry.get("albumin"))
    return bilirubin, albumin


def _lab_missing(
    form: Form,
    entry: Entry,
    bilirubin: tuple[float | None, str | None],
    albumin: tuple[float | None, str | None],
) -> list[str]:
    missing: list[str] = []
    for field_id, (amount, unit) in (("bilirubin", bilirubin), ("albumin", albumin)):
        if amount is None:
            missing.append(_absent(form, field_id, entry.get(field_id)))
        elif unit is None:
            missing.append(f"unit of {_label(form, field_id)}")
    return missing


@derivation("child_pugh")
def _child_pugh(data: PatientData, form: Form, entry: Entry) -> dict[str, DerivedResult]:
    (bili, bili_unit), (alb, alb_unit) = _liver_inputs(form, entry)
    inr = canonical(form.field("inr"), entry.get("inr"))
    ascites = entry.get("ascites")
    enceph = entry.get("encephalopathy")
    missing = _lab_missing(form, entry, (bili, bili_unit), (alb, alb_unit))
    others = {"inr": inr, "ascites": ascites, "encephalopathy": enceph}
    missing += _missing(form, others, *others, entry=entry)
    fields = ("child_pugh_score", "child_pugh_class")
    if missing:
        return _all(NotComputable(tuple(missing)), *fields)
    try:
        result = scores.child_pugh(bili, bili_unit, alb, alb_unit, inr, str(ascites), str(enceph))
    except ValueError as exc:
        return _all(NotComputable((f"valid liver values ({exc})",)), *fields)
    if isinstance(result, NotComputable):
        return _all(result, *fields)
    return {
        "child_pugh_score": Computed(result.value.total),
        "child_pugh_class": Computed(result.value.class_),
    }


@derivation("albi")
def _albi(data: PatientData, form: Form, entry: Entry) -> dict[str, DerivedResult]:
    (bili, bili_unit), (alb, alb_unit) = _liver_inputs(form, entry)
    missing = _lab_missing(form, entry, (bili, bili_unit), (alb, alb_unit))
    fields = ("albi_score", "albi_grade")
    if missing:
        return _all(NotComputable(tuple(missing)), *fields)
    try:
        result = scores.albi(bili, bili_unit, alb, alb_unit)
    except ValueError as exc:
        return _all(NotComputable((f"valid liver values ({exc})",)), *fields)
    if isinstance(result, NotComputable):
        return _all(result, *fields)
    return {
        "albi_score": Computed(result.value.score),
        "albi_grade": Computed(str(result.value.grade)),
    }


# ---------------------------------------------------------------- dates


def compute_age(data: PatientData) -> Derived[int]:
    birth, first = data.date_of_birth, data.first_dose
    if birth is None or first is None:
        missing = [
            name
            for name, value in (("Date of birth", birth), ("Date of first dose", first))
            if value is None
        ]
        return NotComputable(tuple(missing))
    if first < birth:
        return NotComputable(("a date of birth before the first dose",))
    return Computed(age_at(birth, first))


@derivation("age_at_first_dose")
def _age(data: PatientData, form: Form, entry: Entry) -> dict[str, DerivedResult]:
    return {"age_at_first_dose": widen(compute_age(data))}


@derivation("duration")
def _duration(data: PatientData, form: Form, entry: Entry) -> dict[str, DerivedResult]:
    start, end = as_date(entry.get("start_date")), as_date(entry.get("end_date"))
    if start is None or end is None:
        missing = _missing(
            form, {"start_date": start, "end_date": end}, "start_date", "end_date", entry=entry
        )
        return {"duration_days": NotComputable(missing)}
    if end < start:
        return {"duration_days": NotComputable(("an end date on or after the start date",))}
    return {"duration_days": Computed(duration_days(start, end))}


@derivation("lab_timing")
def _lab_timing(data: PatientData, form: Form, entry: Entry) -> dict[str, DerivedResult]:
    sample, first = as_date(entry.get("sample_date")), data.first_dose
    if sample is None or first is None:
        missing = [
            name
            for name, value in (
                (_label(form, "sample_date"), sample),
                ("Date of first dose", first),
            )
            if value is None
        ]
        return {"timing": NotComputable(tuple(missing))}
    timing = "before_first_dose" if sample <= first else "after_first_dose"
    return {"timing": Computed(timing)}


# ---------------------------------------------------------------- treatment


DOSING_FIELDS = (
    "number_of_cycles",
    "cumulative_dose",
    "relative_dose_intensity",
    "dose_reductions",
    "dose_interruptions",
    "final_daily_dose",
)


@derivation("dosing")
def _dosing(data: PatientData, form: Form, entry: Entry) -> dict[str, DerivedResult]:
    summary = data.dosing
    if isinstance(summary, NotComputable):
        return _all(summary, *DOSING_FIELDS)
    s = summary.value
    intensity = s.relative_dose_intensity
    percent: DerivedResult = (
        Computed(intensity.value * 100.0) if isinstance(intensity, Computed) else intensity
    )
    return {
        "number_of_cycles": Computed(s.number_of_cycles),
        "cumulative_dose": widen(s.cumulative_dose_mg),
        "relative_dose_intensity": percent,
        "dose_reductions": Computed(s.reductions),
        "dose_interruptions": Computed(s.interruptions),
        "final_daily_dose": widen(s.final_daily_dose_mg),
    }


@derivation("best_response")
def _best_response(data: PatientData, form: Form, entry: Entry) -> dict[str, DerivedResult]:
    best = data.best_response
    if isinstance(best, NotComputable):
        return _all(best, "best_overall_response", "time_to_best_response")
    days = best.value.days_from_first_dose
    timing: DerivedResult = (
        NotComputable(("a response other than NE",)) if days is None else Computed(days)
    )
    return {
        "best_overall_response": Computed(best.value.response),
        "time_to_best_response": timing,
    }


# ---------------------------------------------------------------- eligibility


def compute_eligible(data: PatientData) -> Derived[bool]:
    """True when every criterion is met, False when one fails, else not computable."""
    form = data.definition.form("eligibility")
    answers = data.single("eligibility")
    unanswered: list[str] = []
    for section in form.sections:
        failing = {"inclusion": "no", "exclusion": "yes"}.get(section.id)
        if failing is None:
            continue
        for f in section.fields:
            if not f.is_input or f.type is not FieldType.YES_NO:
                continue
            answer = answers.get(f.id)
            if answer == failing:
                return Computed(False)
            if answer is None:
                unanswered.append(f.label.en)
    if unanswered:
        return NotComputable(tuple(unanswered))
    return Computed(True)


@derivation("eligibility")
def _eligibility(data: PatientData, form: Form, entry: Entry) -> dict[str, DerivedResult]:
    result = compute_eligible(data)
    if isinstance(result, NotComputable):
        return {"eligible": result}
    return {"eligible": Computed("yes" if result.value else "no")}
