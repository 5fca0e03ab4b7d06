"""Date consistency (hard): ends before starts, the first dose, death, birth, today.

- An end never precedes its start (prior and subsequent treatments, conditions,
  adverse events, a cycle's last dosing day, advanced stage after HCC diagnosis).
- A date whose field has ``after_first_dose`` is on or after day 1; one with
  ``before_first_dose`` is on or before it (baseline samples are taken on day 1).
- Nothing but the death itself is dated after the date of death. A progression
  dated after death has its own rule id (``progression.after_death``) and says that
  PFS and TTP cannot be computed until one of the dates is corrected.
- Nothing is dated before the date of birth or after today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from rego_desktop.casebook import Entry
from rego_desktop.checks.run import Run
from rego_desktop.rules.findings import Text
from rego_desktop.study.schema import Field, Form

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

    def add(self, rule: str, f: Field, en: str, zh: str, *dates: dt.date) -> None:
        p = self.place
        text = Text(f"{p.en}: {f.label.en} {en}", f"{p.zh}：{f.label.zh} {zh}")
        self.run.out.add(rule, self.form.id, self.entry.item_uid, f.id, text, dates=dates)


def check_dates(run: Run) -> None:
    data = run.data
    first = data.first_dose
    death = data.death_date if data.survival_status == "dead" else None
    birth = data.date_of_birth
    today = run.today
    for form, entry in run.records():
        record = _Record(run, form, entry)
        for f in run.layout.forms[form.id].dates:
            on = entry.get(f.id)
            if not isinstance(on, dt.date):
                continue
            if first is not None and f.after_first_dose and on < first:
                record.add(
                    "date.before_first_dose",
                    f,
                    f"{on} is before the first dose of regorafenib ({first}); "
                    "it must be on or after day 1.",
                    f"{on} 早于瑞戈非尼首次给药日期（{first}）；应在首次给药当天或之后。",
                    on,
                    first,
                )
            if first is not None and f.before_first_dose and on > first:
                record.add(
                    "date.after_first_dose",
                    f,
                    f"{on} is after the first dose of regorafenib ({first}); "
                    "it must be on or before day 1.",
                    f"{on} 晚于瑞戈非尼首次给药日期（{first}）；应在首次给药当天或之前。",
                    on,
                    first,
                )
            if death is not None and on > death and (form.id, f.id) in AFTER_DEATH_RULES:
                record.add(
                    AFTER_DEATH_RULES[(form.id, f.id)],
                    f,
                    f"{on} is after the date of death ({death}); correct one of the two dates "
                    "(PFS and TTP cannot be computed until then).",
                    f"{on} 晚于死亡日期（{death}）；请更正其中一个日期"
                    "（在此之前无法计算PFS和TTP）。",
                    on,
                    death,
                )
            elif death is not None and on > death and (form.id, f.id) not in AFTER_DEATH_ALLOWED:
                record.add(
                    "date.after_death",
                    f,
                    f"{on} is after the date of death ({death}); no event can follow death.",
                    f"{on} 晚于死亡日期（{death}）；死亡后不应再有事件。",
                    on,
                    death,
                )
            if birth is not None and on < birth and (form.id, f.id) != BIRTH:
                record.add(
                    "date.before_birth",
                    f,
                    f"{on} is before the date of birth ({birth}).",
                    f"{on} 早于出生日期（{birth}）。",
                    on,
                    birth,
                )
            if on > today:
                record.add(
                    "date.future",
                    f,
                    f"{on} is in the future (today is {today}).",
                    f"{on} 晚于今天（{today}）。",
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
            if not isinstance(start, dt.date) or not isinstance(end, dt.date) or end >= start:
                continue
            place = run.where(form, entry)
            run.out.add(
                "date.end_before_start",
                form_id,
                entry.item_uid,
                end_id,
                Text(
                    f"{place.en}: {end_label.en} {end} is before {start_label.en} {start}; "
                    "it must be on or after it.",
                    f"{place.zh}：{end_label.zh} {end} 早于{start_label.zh} {start}；"
                    "应不早于该日期。",
                ),
                dates=(end, start),
            )
