"""Death, progression and follow-up: the dates the endpoints are computed from.

Hard: a date of death while the status is not "dead" (a progression date after death
is a hard date check, see :mod:`.dates`). Soft: progression not recorded although an
assessment shows PD (or recorded later than that assessment), a living patient's last
follow-up before the last recorded event, and treatment status contradicting a death.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rego_desktop.checks.places import shown
from rego_desktop.checks.run import Run
from rego_desktop.derive.context import SINGLE, as_date
from rego_desktop.rules.findings import Text
from rego_desktop.study.schema import Phase

# Forms whose dates show the patient alive on that day (survival itself aside).
EVENT_PHASES = (Phase.TREATMENT, Phase.FOLLOW_UP)
EVENT_FORMS_ALSO = ("lab_tests",)


def check_survival(run: Run) -> None:
    data = run.data
    study = data.definition
    survival = study.form("survival")
    status = data.survival_status
    recorded = data.death_recorded  # complete or partial ("2024-03")
    death = recorded.isoformat() if recorded is not None else None
    death_days = (recorded,) if isinstance(recorded, dt.date) else ()
    status_text = (
        shown(study, survival, "status", status) if status is not None else Text("empty", "空")
    )
    if death is not None and status != "dead":
        run.out.add(
            "survival.death_date_status",
            "survival",
            SINGLE,
            "death_date",
            Text(
                f"Survival status: a date of death ({death}) is recorded but the status is "
                f"{status_text.en}; set the status to Dead or remove the date.",
                f"生存状态：已记录死亡日期（{death}），但生存状态为“{status_text.zh}”；"
                "请将状态改为“死亡”或删除该日期。",
            ),
            dates=death_days,
        )
    died: Died | None = None
    if status == "dead" and (death is not None or data.death_unknown):
        when = Text(death, death) if death is not None else Text("an unknown date", "日期不详")
        died = Died(when, death_days)
    _check_progression_against_assessments(run)
    _check_treatment_status(run, died, status_text)
    if status in ("alive", "lost"):
        _check_last_follow_up(run)


def _check_progression_against_assessments(run: Run) -> None:
    data = run.data
    first = data.first_dose
    form = data.definition.form("response_assessments")
    first_pd = next(
        (
            entry
            for entry in data.items("response_assessments")
            if entry.get("overall_response") == "PD"
            and (on := as_date(entry.get("assessment_date"))) is not None
            and (first is None or on > first)
        ),
        None,
    )
    if first_pd is None:
        return
    pd_on = as_date(first_pd.get("assessment_date"))
    assert pd_on is not None
    progressed = data.value("progression", "progressed")
    progression = data.progression_date
    if progressed != "yes":
        place = run.where(form, first_pd)
        run.out.add(
            "progression.pd_not_recorded",
            "progression",
            SINGLE,
            "progressed",
            Text(
                f"Progression: {place.en} shows progressive disease (PD), but no progression "
                "is recorded; record the date of first progression.",
                f"疾病进展：{place.zh}评估为疾病进展（PD），但未记录疾病进展；请填写首次进展日期。",
            ),
            dates=(pd_on,),
        )
    elif progression is not None and progression > pd_on:
        run.out.add(
            "progression.after_first_pd",
            "progression",
            SINGLE,
            "progression_date",
            Text(
                f"Progression: the date of first progression ({progression}) is after the "
                f"assessment of {pd_on} that already showed PD.",
                f"疾病进展：首次进展日期（{progression}）晚于已评估为PD的 {pd_on} 疗效评估。",
            ),
            dates=(progression, pd_on),
        )


@dataclass(frozen=True, slots=True)
class Died:
    """A recorded death: its date as the chart gives it ("2024-03-15", "2024-03", or
    that it is unknown), and the complete day when there is one."""

    when: Text
    days: tuple[dt.date, ...]


def _check_treatment_status(run: Run, died: Died | None, status_text: Text) -> None:
    data = run.data
    treatment = data.single("treatment")
    if treatment.get("discontinuation_reason") == "death" and died is None:
        run.out.add(
            "treatment.death_not_recorded",
            "treatment",
            SINGLE,
            "discontinuation_reason",
            Text(
                "Regorafenib treatment: discontinued because of death, but no death is "
                f"recorded (survival status: {status_text.en}).",
                f"瑞戈非尼治疗：停药原因为死亡，但未记录死亡（生存状态：{status_text.zh}）。",
            ),
        )
    if died is not None and treatment.get("treatment_status") == "ongoing":
        run.out.add(
            "treatment.ongoing_after_death",
            "treatment",
            SINGLE,
            "treatment_status",
            Text(
                f"Regorafenib treatment: the status is Ongoing, but the patient died on "
                f"{died.when.en}; record the discontinuation and the date of the last dose.",
                f"瑞戈非尼治疗：治疗状态为“仍在用药”，但患者已死亡（{died.when.zh}）；"
                "请记录停药及末次给药日期。",
            ),
            dates=died.days,
        )


def _check_last_follow_up(run: Run) -> None:
    data = run.data
    follow_up = data.last_follow_up
    if follow_up is None:
        return
    latest: tuple[dt.date, Text] | None = None
    for form in data.definition.forms:
        if form.id == "survival" or (
            form.phase not in EVENT_PHASES and form.id not in EVENT_FORMS_ALSO
        ):
            continue
        date_fields = run.layout.forms[form.id].dates
        for entry in data.items(form.id):
            for f in date_fields:
                on = entry.get(f.id)
                if (
                    isinstance(on, dt.date)
                    and on > follow_up
                    and (latest is None or on > latest[0])
                ):
                    place = run.where(form, entry)
                    latest = (on, Text(f"{place.en}, {f.label.en}", f"{place.zh}，{f.label.zh}"))
    if latest is None:
        return
    on, what = latest
    run.out.add(
        "survival.follow_up_before_last_event",
        "survival",
        SINGLE,
        "last_follow_up_date",
        Text(
            f"Survival status: the last follow-up ({follow_up}) is before the last recorded "
            f"event ({what.en}: {on}); the patient was known to be alive on {on}.",
            f"生存状态：末次随访日期（{follow_up}）早于最后记录的事件（{what.zh}：{on}）；"
            f"患者在 {on} 仍存活。",
        ),
        dates=(follow_up, on),
    )
