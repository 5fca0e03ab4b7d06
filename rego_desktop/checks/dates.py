"""Date consistency (hard): ends before starts, the first dose, death, birth, today.

- An end never precedes its start (prior and subsequent treatments, conditions,
  adverse events, a cycle's last dosing day, advanced stage after HCC diagnosis).
- A date whose field has ``after_first_dose`` is on or after day 1; one with
  ``before_first_dose`` is on or before it (baseline samples are taken on day 1).
- Nothing but the death itself is dated after the date of death. A progression
  dated after death has its own rule id (``progression.after_death``) and says that
  PFS and TTP cannot be computed until one of the dates is corrected.
- Nothing is dated before the date of birth or after today.

Partial dates ("2024-03", "2019"; :mod:`rego_desktop.study.dates`) are compared by
the period they may lie in (:func:`rego_desktop.rules.imputation.order`): the error
is raised only when the order is certainly wrong (an event in 2024-03 after a death
on 2024-02-10), and a warning (``date.may_be_*``) when it may be wrong (an event in
2024-02 and a death on 2024-02-10). An end and its start that overlap are not
reported: imputing the start to the first day and the end to the last keeps them
in order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from rego_desktop.casebook import Entry
from rego_desktop.checks.run import Run
from rego_desktop.rules.findings import Text
from rego_desktop.rules.imputation import Order, order
from rego_desktop.study.dates import DatePeriod, PartialDate, Period
from rego_desktop.study.schema import Field, Form

DateLike = dt.date | Period

# (form, start field, end field): the end must be on or after the start.
PAIRS: Final = (
    ("hcc_history", "hcc_diagnosis_date", "advanced_diagnosis_date"),
    ("medical_history", "start_date", "end_date"),
    ("prior_treatments", "start_date", "end_date"),
    ("cycles", "start_date", "dosing_end_date"),
    ("adverse_events", "onset_date", "resolution_date"),
    ("subsequent_treatments", "start_date", "end_date"),
)
# Dates that may lie after a recorded death.
AFTER_DEATH_ALLOWED: Final = frozenset({("survival", "death_date")})
# Dates after death reported under their own rule id (stable: queries refer to it).
AFTER_DEATH_RULES: Final = {("progression", "progression_date"): "progression.after_death"}
BIRTH: Final = ("identification", "date_of_birth")


@dataclass(slots=True)
class _Record:
    """One record being checked; its name is worked out only if a finding needs it."""

    run: Run
    form: Form
    entry: Entry
    _place: Text | None = None

    @property
    def place(self) -> Text:
        if self._place is None:
            self._place = self.run.where(self.form, self.entry)
        return self._place

    def add(self, rule: str, f: Field, en: str, zh: str, *dates: DateLike) -> None:
        p = self.place
        text = Text(f"{p.en}: {f.label.en} {en}", f"{p.zh}：{f.label.zh} {zh}")
        days = tuple(d for d in dates if isinstance(d, dt.date))
        self.run.out.add(rule, self.form.id, self.entry.item_uid, f.id, text, dates=days)

    def compare(
        self, rule: str, f: Field, on: DateLike, other: DateLike, wrong: Order, en: str, zh: str
    ) -> None:
        """Report ``on`` lying ``wrong`` of ``other``: as ``rule`` when certain ("is" +
        ``en``), as the rule's ``date.may_be_*`` warning when a partial date leaves it
        open ("may be" + ``en``)."""
        found = order(on, other)
        if found is wrong:
            self.add(rule, f, f"{_shown(on)} is {en}", f"{_shown(on)} {zh}", on, other)
        elif found is Order.UNCERTAIN and rule in MAY_BE:
            self.add(
                MAY_BE[rule], f, f"{_shown(on)} may be {en}", f"{_shown(on)} 可能{zh}", on, other
            )


def _shown(on: DateLike) -> str:
    return on.isoformat()


# The warning raised when a partial date only may break a rule.
MAY_BE: Final = {
    "date.before_first_dose": "date.may_be_before_first_dose",
    "date.after_first_dose": "date.may_be_after_first_dose",
    "date.after_death": "date.may_be_after_death",
    "progression.after_death": "date.may_be_after_death",
    "date.before_birth": "date.may_be_before_birth",
}


def check_dates(run: Run) -> None:
    data = run.data
    first = data.first_dose
    death = data.death_recorded if data.survival_status == "dead" else None
    birth = data.date_of_birth
    today = run.today
    for form, entry in run.records():
        record = _Record(run, form, entry)
        for f in run.layout.forms[form.id].dates:
            on = entry.get(f.id)
            if not isinstance(on, dt.date | PartialDate | DatePeriod):
                continue
            if first is not None and f.after_first_dose:
                record.compare(
                    "date.before_first_dose",
                    f,
                    on,
                    first,
                    Order.BEFORE,
                    f"before the first dose of regorafenib ({first}); "
                    "it must be on or after day 1.",
                    f"早于瑞戈非尼首次给药日期（{first}）；应在首次给药当天或之后。",
                )
            if first is not None and f.before_first_dose:
                record.compare(
                    "date.after_first_dose",
                    f,
                    on,
                    first,
                    Order.AFTER,
                    f"after the first dose of regorafenib ({first}); "
                    "it must be on or before day 1.",
                    f"晚于瑞戈非尼首次给药日期（{first}）；应在首次给药当天或之前。",
                )
            if death is not None and (form.id, f.id) in AFTER_DEATH_RULES:
                record.compare(
                    AFTER_DEATH_RULES[(form.id, f.id)],
                    f,
                    on,
                    death,
                    Order.AFTER,
                    f"after the date of death ({_shown(death)}); correct one of the two "
                    "dates (PFS and TTP cannot be computed until then).",
                    f"晚于死亡日期（{_shown(death)}）；请更正其中一个日期"
                    "（在此之前无法计算PFS和TTP）。",
                )
            elif death is not None and (form.id, f.id) not in AFTER_DEATH_ALLOWED:
                record.compare(
                    "date.after_death",
                    f,
                    on,
                    death,
                    Order.AFTER,
                    f"after the date of death ({_shown(death)}); no event can follow death.",
                    f"晚于死亡日期（{_shown(death)}）；死亡后不应再有事件。",
                )
            if birth is not None and (form.id, f.id) != BIRTH:
                record.compare(
                    "date.before_birth",
                    f,
                    on,
                    birth,
                    Order.BEFORE,
                    f"before the date of birth ({birth}).",
                    f"早于出生日期（{birth}）。",
                )
            if order(on, today) is Order.AFTER:
                record.add(
                    "date.future",
                    f,
                    f"{_shown(on)} is in the future (today is {today}).",
                    f"{_shown(on)} 晚于今天（{today}）。",
                    on,
                )
    _check_pairs(run)


def _check_pairs(run: Run) -> None:
    definition = run.data.definition
    for form_id, start_id, end_id in PAIRS:
        form = definition.form(form_id)
        start_label, end_label = form.field(start_id).label, form.field(end_id).label
        for entry in run.items(form_id):
            start, end = entry.get(start_id), entry.get(end_id)
            if not isinstance(start, dt.date | PartialDate | DatePeriod) or not isinstance(
                end, dt.date | PartialDate | DatePeriod
            ):
                continue
            if order(end, start) is not Order.BEFORE:
                continue
            place = run.where(form, entry)
            run.out.add(
                "date.end_before_start",
                form_id,
                entry.item_uid,
                end_id,
                Text(
                    f"{place.en}: {end_label.en} {_shown(end)} is before {start_label.en} "
                    f"{_shown(start)}; it must be on or after it.",
                    f"{place.zh}：{end_label.zh} {_shown(end)} 早于{start_label.zh} "
                    f"{_shown(start)}；应不早于该日期。",
                ),
                dates=tuple(d for d in (end, start) if isinstance(d, dt.date)),
            )
