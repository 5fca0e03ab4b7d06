"""One patient's facts as the derivations and edit checks read them.

:class:`PatientData` wraps a :class:`~rego_desktop.casebook.Casebook` and computes the
patient-level facts (first dose, death, dose calendar, best response, endpoints) once,
on first use, so that every derived field and every edit check of one run shares them.
It is a snapshot like the casebook: build a new one after the data change.

:func:`with_draft` puts a record that is being edited (not yet saved) into a copy of
the casebook, so the GUI can show derived values and findings for what is on screen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cached_property

from rego_desktop.casebook import Casebook, Entry
from rego_desktop.rules.derived import Computed, Derived, NotComputable
from rego_desktop.rules.dosing import (
    ChangeMethod,
    CycleStart,
    DoseChange,
    DosingHistory,
    DosingSummary,
    check_dosing,
)
from rego_desktop.rules.imputation import Imputed, impute_death
from rego_desktop.rules.response import BestResponse, ResponseAssessment, best_overall_response
from rego_desktop.rules.time_to_event import Endpoints, SurvivalDates, time_to_events
from rego_desktop.study.dates import DatePeriod, PartialDate, Period
from rego_desktop.study.schema import Field, Form
from rego_desktop.study.values import Missing, Quantity, Value

SINGLE = ""  # item uid of a non-repeating form's record (as stored)
DRAFT = "draft"  # item uid given to a new, unsaved entry of a repeating form

CHANGE_METHODS: dict[str, ChangeMethod] = {
    "reduction": "reduction",
    "escalation": "escalation",
    "interruption": "interruption",
    "restart": "restart",
}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def as_date(value: Value) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def as_int(value: Value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def as_str(value: Value) -> str | None:
    return value if isinstance(value, str) else None


def canonical(f: Field, value: Value) -> float | None:
    """A number in the field's canonical (first) unit; ``None`` if absent or unusable.

    A bare number on a field with several units has no unit and is not converted: the
    hard checks refuse it, and a derivation treats it as missing rather than guessing.
    """
    if isinstance(value, Quantity):
        unit = f.unit(value.unit)
        return None if unit is None else value.value * unit.factor
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if len(f.units) > 1:
        return None
    return float(value)


def amount_and_unit(f: Field, value: Value) -> tuple[float | None, str | None]:
    """A number in the unit it was entered in, with that unit (scores use both)."""
    if isinstance(value, Quantity):
        return value.value, value.unit
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, None
    if len(f.units) == 1:
        return float(value), f.units[0].id
    return float(value), None  # no unit, or several and none chosen: never guessed


def with_draft(
    book: Casebook, form_id: str, item_uid: str | None, values: Mapping[str, Value]
) -> tuple[Casebook, str]:
    """A copy of ``book`` in which ``values`` replace (or add) one record.

    Returns the copy and the draft's item uid: :data:`SINGLE` for a single form, the
    given uid when editing a saved entry, :data:`DRAFT` for a new entry.
    """
    form = book.definition.form(form_id)
    uid = (item_uid or DRAFT) if form.repeating else SINGLE
    entries = {key: list(items) for key, items in book.entries.items()}
    current = entries.setdefault(form_id, [])
    old = next((e for e in current if e.item_uid == uid), None)
    draft = Entry(
        uid,
        old.revision if old is not None else 0,
        dict(values),
        old.updated_at if old is not None else _EPOCH,
    )
    current[:] = [e for e in current if e.item_uid != uid]
    current.append(draft)
    copy = Casebook(book.definition, book.subject_code, book.patient_uid, book.locked, entries)
    return copy, uid


def _by_date(entries: list[Entry], key: str) -> list[Entry] | None:
    """``entries`` in :meth:`Casebook.items` order when the ordering field holds only
    dates (or nothing), else ``None``.

    The casebook sorts by the ISO text of each date, blanks last, then by item uid;
    dates compare as their zero-padded ISO texts do, so comparing the dates themselves
    gives the same order without formatting every one.
    """
    keyed: list[tuple[int, dt.date, str, Entry]] = []
    for entry in entries:
        value = entry.values.get(key)
        if value is None:
            keyed.append((1, dt.date.min, entry.item_uid, entry))
        elif type(value) is dt.date:
            keyed.append((0, value, entry.item_uid, entry))
        else:
            return None
    keyed.sort(key=_without_entry)
    return [item[3] for item in keyed]


def _without_entry(item: tuple[int, dt.date, str, Entry]) -> tuple[int, dt.date, str]:
    return item[0], item[1], item[2]


class PatientData:
    """Cached facts of one casebook; every property is computed at most once."""

    def __init__(self, book: Casebook) -> None:
        self.book = book
        self.definition = book.definition
        self.subject = book.subject_code
        self._items: dict[str, list[Entry]] = {}

    # ------------------------------------------------------------ records

    def items(self, form_id: str) -> list[Entry]:
        """Entries of a form in the form's order (cached)."""
        cached = self._items.get(form_id)
        if cached is None:
            stored = self.book.entries.get(form_id, ())
            form = self.definition.form(form_id)  # an unknown form fails, as in the book
            if len(stored) < 2 or form.order_by is None:
                cached = list(stored)  # in order already
            else:
                cached = _by_date(stored, form.order_by)
                if cached is None:
                    cached = self.book.items(form_id)
            self._items[form_id] = cached
        return cached

    def entries(self, form: Form) -> list[Entry]:
        """Stored entries, or for a single form that is not started one empty entry."""
        items = self.items(form.id)
        if items or form.repeating:
            return items
        return [Entry(SINGLE, 0, {}, _EPOCH)]

    def single(self, form_id: str) -> Mapping[str, Value]:
        return self.book.single(form_id)

    def value(self, form_id: str, field_id: str) -> Value:
        entries = self.book.entries.get(form_id)
        return entries[0].values.get(field_id) if entries else None

    def date(self, form_id: str, field_id: str) -> dt.date | None:
        return as_date(self.value(form_id, field_id))

    # ------------------------------------------------------------ key dates

    @cached_property
    def first_dose(self) -> dt.date | None:
        return self.date("treatment", "first_dose_date")

    @cached_property
    def date_of_birth(self) -> dt.date | None:
        return self.date("identification", "date_of_birth")

    @cached_property
    def survival_status(self) -> str | None:
        return as_str(self.value("survival", "status"))

    @cached_property
    def death_date(self) -> dt.date | None:
        """The recorded date of death when complete, whatever the status says (checks
        compare them); see :attr:`death` for the date derivations use."""
        return self.date("survival", "death_date")

    @cached_property
    def death_recorded(self) -> dt.date | Period | None:
        """The date of death as the chart gives it: complete, partial (at the center: the
        period of study days it may lie in) or not at all."""
        value = self.value("survival", "death_date")
        return value if isinstance(value, dt.date | PartialDate | DatePeriod) else None

    @cached_property
    def alive_dates(self) -> tuple[dt.date, ...]:
        """Dates the records show the patient alive (first dose, last follow-up, cycles,
        dose changes, last dose, assessments, progression), sorted."""
        dates: list[dt.date | None] = [
            self.first_dose,
            self.last_follow_up,
            self.date("treatment", "last_dose_date"),
            self.last_assessment,
            self.date("progression", "progression_date"),
        ]
        for entry in self.items("cycles"):
            dates += [as_date(entry.get("start_date")), as_date(entry.get("dosing_end_date"))]
        dates += [as_date(entry.get("change_date")) for entry in self.items("dose_changes")]
        return tuple(sorted(d for d in dates if d is not None))

    @cached_property
    def last_known_alive(self) -> dt.date | None:
        return self.alive_dates[-1] if self.alive_dates else None

    @cached_property
    def death(self) -> Imputed | None:
        """The date of death derivations use, imputed when the chart lacks the day or
        month (:func:`~rego_desktop.rules.imputation.impute_death`), with its flag. The
        anchor is the last date known alive that can precede the death (a date after
        the death's period contradicts it; the checks report that, it moves nothing)."""
        recorded = self.death_recorded
        if recorded is None:
            return None
        if isinstance(recorded, dt.date):
            return Imputed(recorded)
        before = [d for d in self.alive_dates if d <= recorded.last]
        return impute_death(recorded, last_alive=before[-1] if before else None)

    @cached_property
    def death_unknown(self) -> bool:
        """Died, and the chart gives no date of death at all (``UNK``)."""
        return self.survival_status == "dead" and isinstance(
            self.value("survival", "death_date"), Missing
        )

    @cached_property
    def last_follow_up(self) -> dt.date | None:
        return self.date("survival", "last_follow_up_date")

    @cached_property
    def progression_date(self) -> dt.date | None:
        if self.value("progression", "progressed") != "yes":
            return None
        return self.date("progression", "progression_date")

    @cached_property
    def discontinued_on(self) -> dt.date | None:
        if self.value("treatment", "treatment_status") != "discontinued":
            return None
        return self.date("treatment", "last_dose_date")

    @cached_property
    def assessments(self) -> tuple[ResponseAssessment, ...]:
        """Dated response assessments with an overall response, in date order."""
        out: list[ResponseAssessment] = []
        for entry in self.items("response_assessments"):
            on = as_date(entry.get("assessment_date"))
            response = as_str(entry.get("overall_response"))
            if on is not None and response is not None:
                out.append(ResponseAssessment(on, response))
        return tuple(out)

    @cached_property
    def last_assessment(self) -> dt.date | None:
        """The last tumour assessment after the first dose (day 1 itself is baseline)."""
        first = self.first_dose
        dates = [
            on
            for entry in self.items("response_assessments")
            if (on := as_date(entry.get("assessment_date"))) is not None
            and (first is None or on > first)
        ]
        return max(dates, default=None)

    # ------------------------------------------------------------ dosing

    @cached_property
    def dosing_history(self) -> Derived[DosingHistory]:
        first = self.first_dose
        if first is None:
            return NotComputable(("date of first dose",))
        cycles: list[CycleStart] = []
        for entry in self.items("cycles"):
            get = entry.values.get
            number = as_int(get("cycle_number"))
            start = as_date(get("start_date"))
            if number is None or start is None:
                continue
            dose = get("daily_dose")
            cycles.append(
                CycleStart(
                    number,
                    start,
                    float(dose) if isinstance(dose, int | float) else None,
                    as_date(get("dosing_end_date")),
                )
            )
        changes: list[DoseChange] = []
        for entry in self.items("dose_changes"):
            get = entry.values.get
            on = as_date(get("change_date"))
            method = CHANGE_METHODS.get(as_str(get("method")) or "")
            if on is None or method is None:
                continue
            dose = get("new_daily_dose")
            new_dose = float(dose) if isinstance(dose, int | float) else None
            changes.append(DoseChange(on, method, None if method == "interruption" else new_dose))
        initial = self.value("treatment", "initial_daily_dose")
        return Computed(
            DosingHistory(
                subject=self.subject,
                first_dose=first,
                initial_daily_dose_mg=float(initial) if isinstance(initial, int | float) else None,
                cycles=tuple(cycles),
                changes=tuple(changes),
                discontinued_on=self.discontinued_on,
            )
        )

    @cached_property
    def dosing(self) -> Derived[DosingSummary]:
        history = self.dosing_history
        if isinstance(history, NotComputable):
            return history
        return Computed(check_dosing(history.value))

    # ------------------------------------------------------------ response, endpoints

    @cached_property
    def best_response(self) -> Derived[BestResponse]:
        try:
            return best_overall_response(self.assessments, self.first_dose)
        except ValueError as exc:  # an unknown response code: refused by the hard checks
            return NotComputable((f"a valid response code ({exc})",))

    @cached_property
    def survival_dates(self) -> SurvivalDates:
        dead = self.survival_status == "dead"
        death = self.death if dead else None
        return SurvivalDates(
            first_dose=self.first_dose,
            death=death.date if death is not None else None,
            progression=self.progression_date,
            last_follow_up=self.last_follow_up,
            last_assessment=self.last_assessment,
            death_flag=death.flag if death is not None else "",
            death_unknown=self.death_unknown,
        )

    @cached_property
    def endpoints(self) -> Endpoints:
        """OS, PFS and TTP; contradictory dates make all three not computable."""
        try:
            return time_to_events(self.survival_dates)
        except ValueError as exc:
            reason = NotComputable((f"consistent dates: {exc}",))
            return Endpoints(os=reason, pfs=reason, ttp=reason)
