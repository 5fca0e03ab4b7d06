"""Overall survival, progression-free survival and time to progression, per patient.

Every time is counted from the first dose of regorafenib as day 1, inclusively, the
ADaM convention (``AVAL = ADT - STARTDT + 1``): a patient who died on the day of the
first dose has OS = 1 day. Months are days / 30.4375.

Events and censoring (design.md section 4, with the choices the protocol leaves open):

- **OS**: event = death from any cause. Alive or lost patients are censored at the last
  date known alive: the last follow-up, or a later assessment or progression date if
  the record holds one (a follow-up date older than a scan is stale).
- **PFS**: event = first progression or death, whichever is first. Otherwise censored at
  the last tumour assessment; without any assessment, at the last follow-up.
- **TTP**: event = first progression. Everyone else, including patients who died without
  progression, is censored at the last tumour assessment (the last time freedom from
  progression was shown), else at the last follow-up, else at the date of death.
  Censoring a death at the death date instead would credit unassessed time.

All dates must be on or after the first dose and none after the death date; otherwise
:class:`DateConflict` (a ``ValueError``; the CRF's hard checks refuse such dates, but
records saved before a check became hard, or merged at the center, may hold them). A
patient without the dates needed gets :class:`NotComputable` naming them.

A date of death known only to the month or the year is imputed before it gets here
(:func:`rego_desktop.rules.imputation.impute_death`); ``SurvivalDates.death_flag``
says what was imputed, and every time that rests on the death date carries that flag
(``TimeToEvent.flag``, ADaM ``ADTF``). A death whose date the chart does not give at
all (``UNK``) makes OS and PFS not computable ("date of death unknown") unless a
progression came first; it never turns the patient into a survivor.
:func:`not_computable_reasons` says why, per endpoint, with a stable reason code and
its text in both languages, so no patient leaves an endpoint silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from rego_desktop.rules.dates import study_day
from rego_desktop.rules.derived import Computed, Derived, NotComputable
from rego_desktop.rules.findings import Text

DAYS_PER_MONTH = 30.4375

Basis = Literal["death", "progression", "last_follow_up", "last_assessment"]

# Why an endpoint cannot be computed: stable codes (stored in analysis rows, printed by
# ``rego-desktop summary --json``) and what people read.
REASONS: Final[dict[str, Text]] = {
    "no_first_dose": Text("no first dose date", "无首次给药日期"),
    "no_last_contact": Text(
        "no date of last contact (no death, follow-up, assessment or progression date)",
        "无末次联系日期(无死亡、随访、疗效评估或进展日期)",
    ),
    "no_assessment_or_follow_up": Text(
        "no response assessment after day 1 and no follow-up date",
        "首次给药后无疗效评估,且无随访日期",
    ),
    "progression_after_death": Text("progression date after death", "进展日期晚于死亡日期"),
    "last_follow_up_after_death": Text(
        "last follow-up date after death", "末次随访日期晚于死亡日期"
    ),
    "last_assessment_after_death": Text(
        "response assessment after death", "疗效评估日期晚于死亡日期"
    ),
    "death_before_first_dose": Text("death before the first dose", "死亡日期早于首次给药日期"),
    "progression_before_first_dose": Text(
        "progression date before the first dose", "进展日期早于首次给药日期"
    ),
    "last_follow_up_before_first_dose": Text(
        "last follow-up date before the first dose", "末次随访日期早于首次给药日期"
    ),
    "last_assessment_before_first_dose": Text(
        "response assessment before the first dose", "疗效评估日期早于首次给药日期"
    ),
    "missing_dates": Text("dates missing", "缺少日期"),
    "death_date_unknown": Text("died, date of death unknown", "已死亡,死亡日期不详"),
}
_MISSING_REASONS: Final[dict[tuple[str, ...], str]] = {
    ("first_dose",): "no_first_dose",
    ("death or last_follow_up",): "no_last_contact",
    ("last_assessment or last_follow_up",): "no_assessment_or_follow_up",
    ("date of death",): "death_date_unknown",
}


class DateConflict(ValueError):
    """Dates that contradict each other; ``reason`` is a code of :data:`REASONS`."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SurvivalDates:
    """The dates one patient's endpoints are computed from; ``None`` when not known."""

    first_dose: date | None
    death: date | None = None
    progression: date | None = None
    last_follow_up: date | None = None
    last_assessment: date | None = None
    death_flag: str = ""  # what of ``death`` was imputed: "", "D" (day), "M" (month)
    death_unknown: bool = False  # died, and the chart gives no date at all


@dataclass(frozen=True, slots=True)
class TimeToEvent:
    """Days from the first dose (day 1) to ``on``, and whether ``on`` is the event."""

    days: int
    event: bool
    on: date
    basis: Basis
    flag: str = ""  # what of ``on`` was imputed (ADaM ADTF): "", "D" or "M"

    @property
    def censored(self) -> bool:
        return not self.event

    @property
    def months(self) -> float:
        return self.days / DAYS_PER_MONTH


@dataclass(frozen=True, slots=True)
class Endpoints:
    """OS, PFS and TTP of one patient."""

    os: Derived[TimeToEvent]
    pfs: Derived[TimeToEvent]
    ttp: Derived[TimeToEvent]


def _validated(dates: SurvivalDates) -> date | None:
    """The first dose after checking every other date against it and against death."""
    first = dates.first_dose
    others = {
        "death": dates.death,
        "progression": dates.progression,
        "last_follow_up": dates.last_follow_up,
        "last_assessment": dates.last_assessment,
    }
    for key, on in others.items():
        if on is None:
            continue
        name = key.replace("_", " ").replace("follow up", "follow-up")
        if first is not None and on < first:
            raise DateConflict(
                f"{name} {on.isoformat()} is before the first dose {first}",
                f"{key}_before_first_dose",
            )
        if dates.death is not None and on > dates.death:
            raise DateConflict(
                f"{name} {on.isoformat()} is after death on {dates.death}", f"{key}_after_death"
            )
    return first


def _at(
    first_dose: date, on: date, *, event: bool, basis: Basis, flag: str = ""
) -> Computed[TimeToEvent]:
    return Computed(TimeToEvent(study_day(on, first_dose), event, on, basis, flag))


def _death(first_dose: date, dates: SurvivalDates, *, event: bool) -> Computed[TimeToEvent]:
    assert dates.death is not None
    return _at(first_dose, dates.death, event=event, basis="death", flag=dates.death_flag)


_DEATH_UNKNOWN: Final = NotComputable(("date of death",))


def _censor_at_assessment(first_dose: date, dates: SurvivalDates) -> Derived[TimeToEvent]:
    if dates.last_assessment is not None:
        return _at(first_dose, dates.last_assessment, event=False, basis="last_assessment")
    if dates.last_follow_up is not None:
        return _at(first_dose, dates.last_follow_up, event=False, basis="last_follow_up")
    return NotComputable(("last_assessment or last_follow_up",))


def overall_survival(dates: SurvivalDates) -> Derived[TimeToEvent]:
    """OS: death is the event; otherwise censored at the last date known alive."""
    first = _validated(dates)
    if first is None:
        return NotComputable(("first_dose",))
    if dates.death is not None:
        return _death(first, dates, event=True)
    if dates.death_unknown:
        return _DEATH_UNKNOWN
    candidates: tuple[tuple[date | None, Basis], ...] = (
        (dates.last_follow_up, "last_follow_up"),
        (dates.last_assessment, "last_assessment"),
        (dates.progression, "progression"),
    )
    known_alive = [(on, basis) for on, basis in candidates if on is not None]
    if not known_alive:
        return NotComputable(("death or last_follow_up",))
    # max() keeps the first of equal dates, so a tie is reported as the last follow-up.
    on, basis = max(known_alive, key=lambda item: item[0])
    return _at(first, on, event=False, basis=basis)


def progression_free_survival(dates: SurvivalDates) -> Derived[TimeToEvent]:
    """PFS: first progression or death; otherwise censored at the last assessment."""
    first = _validated(dates)
    if first is None:
        return NotComputable(("first_dose",))
    if dates.progression is not None:
        return _at(first, dates.progression, event=True, basis="progression")
    if dates.death is not None:
        return _death(first, dates, event=True)
    if dates.death_unknown:
        return _DEATH_UNKNOWN
    return _censor_at_assessment(first, dates)


def time_to_progression(dates: SurvivalDates) -> Derived[TimeToEvent]:
    """TTP: first progression; deaths without progression are censored, not events."""
    first = _validated(dates)
    if first is None:
        return NotComputable(("first_dose",))
    if dates.progression is not None:
        return _at(first, dates.progression, event=True, basis="progression")
    censored = _censor_at_assessment(first, dates)
    if isinstance(censored, NotComputable) and dates.death is not None:
        return _death(first, dates, event=False)
    return censored


def time_to_events(dates: SurvivalDates) -> Endpoints:
    """All three endpoints at once."""
    return Endpoints(
        os=overall_survival(dates),
        pfs=progression_free_survival(dates),
        ttp=time_to_progression(dates),
    )


def not_computable_reasons(dates: SurvivalDates) -> dict[str, str]:
    """Why each endpoint ("os", "pfs", "ttp") that cannot be computed cannot be: a code
    of :data:`REASONS`. Endpoints that can be computed are left out."""
    try:
        endpoints = time_to_events(dates)
    except DateConflict as exc:
        return dict.fromkeys(("os", "pfs", "ttp"), exc.reason)
    out: dict[str, str] = {}
    for name, result in (("os", endpoints.os), ("pfs", endpoints.pfs), ("ttp", endpoints.ttp)):
        if isinstance(result, NotComputable):
            out[name] = _MISSING_REASONS.get(result.missing, "missing_dates")
    return out
