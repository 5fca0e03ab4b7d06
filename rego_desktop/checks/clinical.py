"""Clinical plausibility (soft): BMI, timing of tests, scans and treatment lines."""

from __future__ import annotations

from typing import Final

from rego_desktop.checks.run import Run
from rego_desktop.derive.context import as_date
from rego_desktop.derive.derivations import DERIVATIONS
from rego_desktop.rules.derived import Computed
from rego_desktop.rules.findings import Text
from rego_desktop.study.values import display

BMI_PLAUSIBLE: Final = (12.0, 60.0)


def check_clinical(run: Run) -> None:
    _check_bmi(run)
    _check_cycle_liver_dates(run)
    _check_response_imaging(run)
    _check_treatment_lines(run)


def _check_bmi(run: Run) -> None:
    data = run.data
    form = data.definition.form("demographics")
    for entry in data.items("demographics"):
        bmi = DERIVATIONS["bmi"](data, form, entry)["bmi"]
        if not isinstance(bmi, Computed) or not isinstance(bmi.value, float):
            continue
        low, high = BMI_PLAUSIBLE
        if low <= bmi.value <= high:
            continue
        # Values and units as the study definition shows them (kg/m², cm, kg).
        shown = {
            name: display(data.definition, form.field(name), value)
            for name, value in (
                ("bmi", bmi.value),
                ("height", entry.get("height")),
                ("weight", entry.get("weight")),
            )
        }
        run.out.add(
            "demographics.bmi_implausible",
            form.id,
            entry.item_uid,
            "weight",
            Text(
                f"Demographics: BMI {shown['bmi']} (height {shown['height']}, weight "
                f"{shown['weight']}) is implausible; check height and weight "
                f"(expected {low:g}-{high:g}).",
                f"人口学资料：BMI {shown['bmi']}（身高 {shown['height']}，体重 "
                f"{shown['weight']}）不合理；请核对身高和体重（合理范围 {low:g}-{high:g}）。",
            ),
        )


def _check_cycle_liver_dates(run: Run) -> None:
    form = run.data.definition.form("cycles")
    for entry in run.data.items("cycles"):
        start, tested = as_date(entry.get("start_date")), as_date(entry.get("liver_date"))
        if start is None or tested is None or tested <= start:
            continue
        place = run.where(form, entry)
        run.out.add(
            "cycle.liver_after_start",
            form.id,
            entry.item_uid,
            "liver_date",
            Text(
                f"{place.en}: liver function tests dated {tested} are after the cycle start; "
                "this section holds the tests from before the cycle.",
                f"{place.zh}：肝功能检查日期 {tested} 晚于本周期开始日期；此处应填写周期前的检查。",
            ),
            dates=(tested, start),
        )


def _check_response_imaging(run: Run) -> None:
    form = run.data.definition.form("response_assessments")
    for entry in run.data.items("response_assessments"):
        assessed = as_date(entry.get("assessment_date"))
        imaged = as_date(entry.get("imaging_date"))
        if imaged is None:
            place = run.where(form, entry)
            run.out.add(
                "response.imaging_date_missing",
                form.id,
                entry.item_uid,
                "imaging_date",
                Text(
                    f"{place.en}: no imaging date; enter the date of the scan this response "
                    "is based on.",
                    f"{place.zh}：未填写影像检查日期；请填写本次疗效评估所依据的影像检查日期。",
                ),
            )
        elif assessed is not None and imaged > assessed:
            place = run.where(form, entry)
            run.out.add(
                "response.imaging_after_assessment",
                form.id,
                entry.item_uid,
                "imaging_date",
                Text(
                    f"{place.en}: the imaging date {imaged} is after the assessment date "
                    f"{assessed}; a response is assessed on a scan already taken.",
                    f"{place.zh}：影像检查日期 {imaged} 晚于评估日期 {assessed}；"
                    "疗效评估应基于已完成的影像检查。",
                ),
                dates=(imaged, assessed),
            )


def _check_treatment_lines(run: Run) -> None:
    data = run.data
    first, last = data.first_dose, data.discontinued_on
    prior = data.definition.form("prior_treatments")
    if first is not None:
        for entry in data.items("prior_treatments"):
            end = as_date(entry.get("end_date"))
            if end is None or end <= first:
                continue
            place = run.where(prior, entry)
            run.out.add(
                "prior.ends_after_first_dose",
                prior.id,
                entry.item_uid,
                "end_date",
                Text(
                    f"{place.en}: ended on {end}, after the first dose of regorafenib "
                    f"({first}); a prior treatment ends before regorafenib starts.",
                    f"{place.zh}：结束日期 {end} 晚于瑞戈非尼首次给药日期（{first}）；"
                    "既往治疗应在瑞戈非尼开始前结束。",
                ),
                dates=(end, first),
            )
    subsequent = data.definition.form("subsequent_treatments")
    if last is None:
        return
    for entry in data.items("subsequent_treatments"):
        start = as_date(entry.get("start_date"))
        if start is None or start >= last or (first is not None and start < first):
            continue  # a start before the first dose is a hard date error of its own
        place = run.where(subsequent, entry)
        run.out.add(
            "subsequent.before_last_dose",
            subsequent.id,
            entry.item_uid,
            "start_date",
            Text(
                f"{place.en}: started on {start}, before the last dose of regorafenib "
                f"({last}); a subsequent treatment starts after regorafenib was stopped.",
                f"{place.zh}：开始日期 {start} 早于瑞戈非尼末次给药日期（{last}）；"
                "后续治疗应在瑞戈非尼停药后开始。",
            ),
            dates=(start, last),
        )
