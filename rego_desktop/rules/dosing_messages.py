"""Dosing finding messages in plain English and Simplified Chinese.

Written for the research nurse at the workstation: say where (cycle or dated change),
what was recorded and what the label allows. Both languages carry the same facts.
"""

from __future__ import annotations

import math
from datetime import date

from rego_desktop.rules.dosing_records import ChangeMethod
from rego_desktop.rules.dosing_rules import (
    CYCLE_DAYS,
    DOSING_DAYS,
    IMPOSSIBLE_ABOVE_MG,
    MAX_DAILY_MG,
    MIN_DAILY_MG,
    TABLET_MG,
)
from rego_desktop.rules.findings import Text

_METHOD = {
    "reduction": Text("Dose reduction", "减量"),
    "escalation": Text("Dose escalation", "加量"),
    "interruption": Text("Interruption", "暂停用药"),
    "restart": Text("Re-start", "恢复用药"),
}


def mg(dose: float) -> str:
    """A dose as typed: ``160`` rather than ``160.0``."""
    if not math.isfinite(dose):
        return str(dose)
    if float(dose).is_integer():
        return str(int(dose))
    return f"{dose:.2f}".rstrip("0")


def where_initial() -> Text:
    return Text("Initial dose", "起始剂量")


def where_cycle(number: int, start: date) -> Text:
    return Text(f"Cycle {number} (from {start})", f"第{number}周期（{start}起）")


def where_change(method: ChangeMethod, on: date) -> Text:
    label = _METHOD[method]
    return Text(f"{label.en} on {on}", f"{on} {label.zh}")


def dose_impossible(where: Text, dose: float) -> Text:
    hint_en = " To record a pause, enter an interruption." if dose == 0 else ""
    hint_zh = "如需记录停药，请录入“暂停用药”。" if dose == 0 else ""
    top = mg(IMPOSSIBLE_ABOVE_MG)
    return Text(
        f"{where.en}: {mg(dose)} mg/day is not a possible daily dose; "
        f"enter more than 0 and at most {top} mg/day.{hint_en}",
        f"{where.zh}：{mg(dose)} mg/天 不是可能的日剂量，应大于 0 且不超过 {top} mg/天。{hint_zh}",
    )


def dose_above_max(where: Text, dose: float) -> Text:
    top = mg(MAX_DAILY_MG)
    return Text(
        f"{where.en}: {mg(dose)} mg/day is above the label maximum of {top} mg/day.",
        f"{where.zh}：{mg(dose)} mg/天，高于说明书最大剂量 {top} mg/天。",
    )


def dose_below_min(where: Text, dose: float) -> Text:
    low = mg(MIN_DAILY_MG)
    return Text(
        f"{where.en}: {mg(dose)} mg/day is below the label minimum of {low} mg/day.",
        f"{where.zh}：{mg(dose)} mg/天，低于说明书最小剂量 {low} mg/天。",
    )


def dose_not_tablets(where: Text, dose: float) -> Text:
    tab = mg(TABLET_MG)
    return Text(
        f"{where.en}: {mg(dose)} mg/day is not a whole number of {tab} mg tablets.",
        f"{where.zh}：{mg(dose)} mg/天 不是 {tab} mg 片剂的整数倍。",
    )


def initial_mismatch(cycle_dose: float, initial_dose: float) -> Text:
    return Text(
        f"Cycle 1 dose ({mg(cycle_dose)} mg/day) differs from the initial dose "
        f"({mg(initial_dose)} mg/day); cycle 1 starts at the initial dose.",
        f"第1周期剂量（{mg(cycle_dose)} mg/天）与起始剂量（{mg(initial_dose)} mg/天）不一致；"
        "第1周期应以起始剂量开始。",
    )


def dosing_days_exceeded(number: int, days: int) -> Text:
    return Text(
        f"Cycle {number}: dosed on {days} days; the label allows {DOSING_DAYS} of {CYCLE_DAYS}.",
        f"第{number}周期：用药 {days} 天；说明书规定每 {CYCLE_DAYS} 天最多用药 {DOSING_DAYS} 天。",
    )


def off_day_dosing(number: int, days: int, first: date, last: date) -> Text:
    off = f"{DOSING_DAYS + 1}-{CYCLE_DAYS}"
    if days == 1:
        when_en, when_zh = (
            f"on {first}, after day {DOSING_DAYS}",
            f"第 {DOSING_DAYS} 天之后（{first}）仍用药",
        )
    else:
        when_en = f"on {days} days after day {DOSING_DAYS} ({first} to {last})"
        when_zh = f"第 {DOSING_DAYS} 天之后仍用药 {days} 天（{first} 至 {last}）"
    return Text(
        f"Cycle {number}: dosed {when_en}; days {off} of each cycle are drug-free.",
        f"第{number}周期：{when_zh}；每周期第 {off} 天应停药。",
    )


def early_start(
    number: int, start: date, previous: int, day_of_previous: int, earliest: date
) -> Text:
    first_allowed = CYCLE_DAYS + 1
    return Text(
        f"Cycle {number} started on {start}, day {day_of_previous} of cycle {previous}; "
        f"it may start on day {first_allowed} ({earliest}) at the earliest.",
        f"第{number}周期于 {start} 开始，即第{previous}周期第 {day_of_previous} 天；"
        f"最早应在第 {first_allowed} 天（{earliest}）开始。",
    )


def dosing_end_assumed(number: int, start: date, end: date) -> Text:
    return Text(
        f"Cycle {number}: last dosing day not recorded; counted as dosed from {start} "
        f"to {end} as the label schedule (days 1-{DOSING_DAYS}) would have it.",
        f"第{number}周期：未记录末次用药日期；按说明书用药方案（第 1-{DOSING_DAYS} 天）"
        f"计为 {start} 至 {end} 用药。",
    )


def dosing_end_before_start(number: int, start: date, end: date) -> Text:
    return Text(
        f"Cycle {number}: last dosing day {end} is before the cycle start {start}.",
        f"第{number}周期：末次用药日期 {end} 早于本周期开始日期 {start}。",
    )


def dosing_end_overlap(number: int, end: date, following: int, following_start: date) -> Text:
    return Text(
        f"Cycle {number}: last dosing day {end} is on or after the start of "
        f"cycle {following} ({following_start}).",
        f"第{number}周期：末次用药日期 {end} "
        f"不早于第{following}周期开始日期（{following_start}）。",
    )


def change_before_first_dose(where: Text, first_dose: date) -> Text:
    return Text(
        f"{where.en}: the date is before the first dose on {first_dose}.",
        f"{where.zh}：日期早于首次用药日期 {first_dose}。",
    )


def cycle_before_first_dose(number: int, start: date, first_dose: date) -> Text:
    return Text(
        f"Cycle {number} starts on {start}, before the first dose on {first_dose}.",
        f"第{number}周期开始日期 {start} 早于首次用药日期 {first_dose}。",
    )


def first_cycle_late(start: date, first_dose: date) -> Text:
    return Text(
        f"Cycle 1 starts on {start} but the first dose was on {first_dose}; "
        "cycle 1 starts on the day of the first dose.",
        f"第1周期开始日期为 {start}，但首次用药日期为 {first_dose}；第1周期应从首次用药当天开始。",
    )


def cycle_number_invalid(number: int) -> Text:
    return Text(
        f"Cycle {number}: cycle numbers start at 1.",
        f"第{number}周期：周期编号应从 1 开始。",
    )


def cycle_duplicate(number: int) -> Text:
    return Text(
        f"Cycle {number} is entered more than once.",
        f"第{number}周期被重复录入。",
    )


def cycle_gap(number: int, previous: int) -> Text:
    skipped = f"{previous + 1}" if number == previous + 2 else f"{previous + 1}-{number - 1}"
    return Text(
        f"Cycle {number} follows cycle {previous}; cycle {skipped} is missing.",
        f"第{number}周期紧接第{previous}周期录入；缺少第{skipped}周期。",
    )


def cycle_not_after_previous(number: int, start: date, previous: int, previous_start: date) -> Text:
    return Text(
        f"Cycle {number} starts on {start}, not after cycle {previous} ({previous_start}).",
        f"第{number}周期开始日期 {start} 不晚于第{previous}周期（{previous_start}）。",
    )


def discontinued_before_first_dose(discontinued: date, first_dose: date) -> Text:
    return Text(
        f"Treatment is recorded as discontinued on {discontinued}, "
        f"before the first dose on {first_dose}.",
        f"停药日期 {discontinued} 早于首次用药日期 {first_dose}。",
    )


def after_discontinuation(where: Text, discontinued: date) -> Text:
    return Text(
        f"{where.en}: the date is after treatment was discontinued on {discontinued}.",
        f"{where.zh}：日期晚于停药日期 {discontinued}。",
    )


def dosing_end_after_discontinuation(number: int, end: date, discontinued: date) -> Text:
    return Text(
        f"Cycle {number}: last dosing day {end} is after treatment was discontinued "
        f"on {discontinued}.",
        f"第{number}周期：末次用药日期 {end} 晚于停药日期 {discontinued}。",
    )


def restart_without_interruption(on: date) -> Text:
    return Text(
        f"Re-start on {on}: no interruption is recorded before it.",
        f"{on} 恢复用药：此前未记录暂停用药。",
    )


def change_while_interrupted(where: Text, dose: float | None) -> Text:
    if dose is None:
        return Text(
            f"{where.en}: treatment was interrupted; counted as a re-start.",
            f"{where.zh}：此时处于暂停用药状态；按恢复用药计算。",
        )
    return Text(
        f"{where.en}: treatment was interrupted; counted as a re-start at {mg(dose)} mg/day.",
        f"{where.zh}：此时处于暂停用药状态；按以 {mg(dose)} mg/天 恢复用药计算。",
    )


def direction_mismatch(method: ChangeMethod, on: date, new: float, current: float) -> Text:
    where = where_change(method, on)
    if method == "reduction":
        en, zh = "not lower than", "不低于"
    else:
        en, zh = "not higher than", "不高于"
    return Text(
        f"{where.en}: {mg(new)} mg/day is {en} the current {mg(current)} mg/day.",
        f"{where.zh}：{mg(new)} mg/天 {zh}当前剂量 {mg(current)} mg/天。",
    )
