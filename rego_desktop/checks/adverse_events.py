"""Adverse events: CTCAE grade ceiling (hard), fatal events and outcomes (soft)."""

from __future__ import annotations

from rego_desktop.checks.places import shown
from rego_desktop.checks.run import Run
from rego_desktop.derive.context import as_date, as_int, as_str
from rego_desktop.rules.findings import Text

UNRESOLVED = ("not_recovered", "recovering")


def check_adverse_events(run: Run) -> None:
    data = run.data
    study = data.definition
    form = study.form("adverse_events")
    terms = study.codelist("ctcae_term")
    died = data.survival_status == "dead"
    status = data.survival_status
    for entry in run.items("adverse_events"):
        term, grade = as_str(entry.get("term")), as_int(entry.get("grade"))
        outcome = as_str(entry.get("outcome"))
        code = terms.get(term) if term is not None else None
        if code is not None and grade is not None and code.max_grade is not None:
            top = code.max_grade
            if top < grade <= 5:  # outside 1-5 is value.invalid
                place = run.where(form, entry)
                run.out.add(
                    "ae.grade_above_max",
                    form.id,
                    entry.item_uid,
                    "grade",
                    Text(
                        f"{place.en}: grade {grade} is above the highest CTCAE v5.0 grade of "
                        f"{code.label.en} ({top}); allowed grades are 1-{top}.",
                        f"{place.zh}：{grade}级超过CTCAE 5.0中{code.label.zh}的最高分级"
                        f"（{top}级）；允许1-{top}级。",
                    ),
                )
        if grade == 5 and not died:
            place = run.where(form, entry)
            now = (
                shown(study, study.form("survival"), "status", status)
                if status is not None
                else Text("not recorded", "未记录")
            )
            run.out.add(
                "ae.grade5_without_death",
                form.id,
                entry.item_uid,
                "grade",
                Text(
                    f"{place.en}: grade 5 means the event was fatal, but no death is recorded "
                    f"(survival status: {now.en}).",
                    f"{place.zh}：5级表示该事件导致死亡，但未记录死亡（生存状态：{now.zh}）。",
                ),
            )
        if grade is not None and outcome is not None and (grade == 5) != (outcome == "fatal"):
            shown_outcome = shown(study, form, "outcome", outcome)
            place = run.where(form, entry)
            if grade == 5:
                text = Text(
                    f"{place.en}: grade 5 is a fatal event, but the outcome is {shown_outcome.en}.",
                    f"{place.zh}：5级为致死事件，但转归为“{shown_outcome.zh}”。",
                )
            else:
                text = Text(
                    f"{place.en}: the outcome is fatal, but the grade is {grade}; "
                    "a fatal event is grade 5.",
                    f"{place.zh}：转归为死亡，但分级为{grade}级；致死事件应为5级。",
                )
            run.out.add("ae.grade_outcome", form.id, entry.item_uid, "outcome", text)
        resolved = as_date(entry.get("resolution_date"))
        if resolved is not None and outcome in UNRESOLVED:
            shown_outcome = shown(study, form, "outcome", outcome)
            place = run.where(form, entry)
            run.out.add(
                "ae.resolution_outcome",
                form.id,
                entry.item_uid,
                "resolution_date",
                Text(
                    f"{place.en}: a resolution date ({resolved}) is recorded but the outcome is "
                    f"{shown_outcome.en}.",
                    f"{place.zh}：已记录缓解日期（{resolved}），但转归为“{shown_outcome.zh}”。",
                ),
                dates=(resolved,),
            )
