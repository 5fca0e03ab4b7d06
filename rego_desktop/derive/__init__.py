"""Derived values: computed from a casebook, never typed.

Every field with ``derived`` set in the study definition is computed here, keyed by
``(form id, item uid, field id)`` (item uid ``""`` for a single form). A value that
cannot be computed is :class:`~rego_desktop.rules.derived.NotComputable` naming what
is missing, never zero. The same results feed the GUI (read-only fields beside the
inputs), the summary and endpoints, exports and PDFs.

Patient-level accessors (:func:`dosing_summary`, :func:`best_response`,
:func:`time_to_events` ...) take a casebook or a :class:`PatientData`; pass the
latter when asking several questions about one patient so shared work is done once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from rego_desktop.casebook import Casebook
from rego_desktop.derive.context import DRAFT, SINGLE, PatientData, with_draft
from rego_desktop.derive.derivations import (
    DERIVATIONS,
    DerivedResult,
    DerivedValue,
    compute_age,
    compute_eligible,
)
from rego_desktop.rules.derived import Computed, Derived, NotComputable
from rego_desktop.rules.dosing import DosingHistory, DosingSummary
from rego_desktop.rules.response import BestResponse
from rego_desktop.rules.time_to_event import Endpoints
from rego_desktop.study.values import Value

DerivedKey: TypeAlias = tuple[str, str, str]  # (form id, item uid, field id)
Source: TypeAlias = Casebook | PatientData

__all__ = [
    "DERIVATIONS",
    "DRAFT",
    "SINGLE",
    "Computed",
    "Derived",
    "DerivedKey",
    "DerivedResult",
    "DerivedValue",
    "NotComputable",
    "PatientData",
    "age_at_first_dose",
    "best_response",
    "derived_for",
    "derived_values",
    "dosing_history",
    "dosing_summary",
    "draft_derived",
    "eligible",
    "time_to_events",
    "with_draft",
]


def _data(source: Source) -> PatientData:
    return source if isinstance(source, PatientData) else PatientData(source)


def derived_values(source: Source) -> dict[DerivedKey, DerivedResult]:
    """Every derived field of every record (single forms even when not started)."""
    data = _data(source)
    out: dict[DerivedKey, DerivedResult] = {}
    for form in data.definition.forms:
        names = list(dict.fromkeys(f.derived for f in form.fields if f.derived is not None))
        if not names:
            continue
        for entry in data.entries(form):
            for name in names:
                results = DERIVATIONS[name](data, form, entry)
                for f in form.fields:
                    if f.derived == name:
                        out[(form.id, entry.item_uid, f.id)] = results[f.id]
    return out


def derived_for(source: Source, form_id: str, item_uid: str = SINGLE) -> dict[str, DerivedResult]:
    """The derived fields of one record, by field id."""
    data = _data(source)
    form = data.definition.form(form_id)
    entry = next((e for e in data.entries(form) if e.item_uid == item_uid), None)
    if entry is None:
        raise KeyError(f"{data.subject} has no {form_id} entry {item_uid!r}")
    out: dict[str, DerivedResult] = {}
    names = dict.fromkeys(f.derived for f in form.fields if f.derived is not None)
    for name in names:
        results = DERIVATIONS[name](data, form, entry)
        for f in form.fields:
            if f.derived == name:
                out[f.id] = results[f.id]
    return out


def draft_derived(
    book: Casebook, form_id: str, item_uid: str | None, values: Mapping[str, Value]
) -> dict[str, DerivedResult]:
    """Derived fields of a record being edited, for display beside its inputs."""
    copy, uid = with_draft(book, form_id, item_uid, values)
    return derived_for(copy, form_id, uid)


def dosing_history(source: Source) -> Derived[DosingHistory]:
    return _data(source).dosing_history


def dosing_summary(source: Source) -> Derived[DosingSummary]:
    """Dose calendar, per-cycle and overall dose measures and the dosing findings."""
    return _data(source).dosing


def best_response(source: Source) -> Derived[BestResponse]:
    return _data(source).best_response


def time_to_events(source: Source) -> Endpoints:
    """OS, PFS and TTP (days from day 1, event flag, basis) of one patient."""
    return _data(source).endpoints


def age_at_first_dose(source: Source) -> Derived[int]:
    """Completed years at the first dose, from the date of birth (identification)."""
    return compute_age(_data(source))


def eligible(source: Source) -> Derived[bool]:
    return compute_eligible(_data(source))
