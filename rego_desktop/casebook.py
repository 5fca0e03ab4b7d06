"""A patient's decrypted casebook: every form's values, read-only.

The casebook is what rules, summaries, exports and PDFs read. It knows the study
calendar (which form belongs to which phase) and each form's completion, but holds
no database session: it is a snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from rego_desktop.study.schema import Field, FieldType, Form, Label, StudyDefinition
from rego_desktop.study.values import Value


class PatientStatus(StrEnum):
    """Where a patient is in the study, as the patient list shows and filters it.

    ``DECEASED``: the survival status is dead (whatever the treatment status says);
    a patient lost to follow-up or off treatment and alive is in ``FOLLOW_UP``.
    """

    SCREENING = "screening"
    ON_TREATMENT = "on_treatment"
    FOLLOW_UP = "follow_up"
    DECEASED = "deceased"
    SCREEN_FAILURE = "screen_failure"
    LOCKED = "locked"

    @property
    def label(self) -> Label:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    PatientStatus.SCREENING: Label("Screening", "筛选中"),
    PatientStatus.ON_TREATMENT: Label("On treatment", "治疗中"),
    PatientStatus.FOLLOW_UP: Label("Follow-up", "随访中"),
    PatientStatus.DECEASED: Label("Deceased", "已死亡"),
    PatientStatus.SCREEN_FAILURE: Label("Screen failure", "筛选失败"),
    PatientStatus.LOCKED: Label("Locked (signed)", "已锁定(已签名)"),
}


class FormStatus(StrEnum):
    NOT_STARTED = "not_started"
    INCOMPLETE = "incomplete"
    COMPLETE = "complete"


@dataclass(frozen=True)
class Entry:
    """One stored record: a single form, or one entry of a repeating form."""

    item_uid: str
    revision: int
    values: Mapping[str, Value]
    updated_at: dt.datetime

    def get(self, field_id: str) -> Value:
        return self.values.get(field_id)


def applies(form: Form, f: Field, values: Mapping[str, Value]) -> bool:
    """Whether ``f`` is asked, given the other answers (``enabled_by``)."""
    if f.enabled_by is None:
        return True
    source, wanted = f.enabled_by
    answer = values.get(source)
    if isinstance(answer, tuple):
        return any(a in wanted for a in answer)
    return answer in wanted


def missing_required(form: Form, values: Mapping[str, Value]) -> list[Field]:
    return [
        f
        for f in form.fields
        if f.is_input and f.required and applies(form, f, values) and values.get(f.id) is None
    ]


@dataclass
class Casebook:
    definition: StudyDefinition
    subject_code: str
    patient_uid: str
    locked: bool
    entries: dict[str, list[Entry]] = field(default_factory=dict)

    def items(self, form_id: str) -> list[Entry]:
        """Entries of a form, ordered by the form's ordering field (dates first)."""
        form = self.definition.form(form_id)
        entries = list(self.entries.get(form_id, []))
        if form.order_by is not None:
            key = form.order_by
            entries.sort(key=lambda e: (_sort_key(e.get(key)), e.item_uid))
        return entries

    def single(self, form_id: str) -> Mapping[str, Value]:
        entries = self.entries.get(form_id, [])
        return entries[0].values if entries else {}

    def value(self, form_id: str, field_id: str) -> Value:
        return self.single(form_id).get(field_id)

    def date(self, form_id: str, field_id: str) -> dt.date | None:
        value = self.value(form_id, field_id)
        return value if isinstance(value, dt.date) else None

    @property
    def first_dose(self) -> dt.date | None:
        return self.date("treatment", "first_dose_date")

    def form_status(self, form_id: str) -> FormStatus:
        form = self.definition.form(form_id)
        entries = self.entries.get(form_id, [])
        if not entries:
            return FormStatus.NOT_STARTED
        if any(missing_required(form, e.values) for e in entries):
            return FormStatus.INCOMPLETE
        return FormStatus.COMPLETE

    def screen_failed(self) -> bool:
        """A failed inclusion (answered no) or a met exclusion (answered yes)."""
        form = self.definition.form("eligibility")
        answers = self.single("eligibility")
        for section in form.sections:
            failing = {"inclusion": "no", "exclusion": "yes"}.get(section.id)
            if failing is None:
                continue
            for f in section.fields:
                if f.is_input and f.type is FieldType.YES_NO and answers.get(f.id) == failing:
                    return True
        return False

    def status(self) -> PatientStatus:
        if self.locked:
            return PatientStatus.LOCKED
        if self.screen_failed():
            return PatientStatus.SCREEN_FAILURE
        survival = self.value("survival", "status")
        if survival == "dead":
            return PatientStatus.DECEASED
        if self.value("treatment", "treatment_status") == "discontinued" or survival == "lost":
            return PatientStatus.FOLLOW_UP
        if self.first_dose is not None:
            return PatientStatus.ON_TREATMENT
        return PatientStatus.SCREENING

    def forms_complete(self) -> tuple[int, int]:
        """(complete forms, forms) over the forms every patient needs."""
        needed = [f for f in self.definition.forms if not f.repeating]
        done = sum(1 for f in needed if self.form_status(f.id) is FormStatus.COMPLETE)
        return done, len(needed)


def _sort_key(value: Value) -> tuple[int, str]:
    if value is None:
        return (1, "")
    if isinstance(value, dt.date):
        return (0, value.isoformat())
    if isinstance(value, int | float):
        return (0, f"{value:020.6f}")
    return (0, str(value))
