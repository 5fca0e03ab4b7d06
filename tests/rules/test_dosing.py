"""Regorafenib dose calendar, dose measures and label checks."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest

from rego_desktop.rules.derived import Computed, Derived, NotComputable, value_or_none
from rego_desktop.rules.dosing import (
    ChangeMethod,
    CycleStart,
    DoseChange,
    DosingHistory,
    DosingSummary,
    check_dosing,
)
from rego_desktop.rules.dosing_rules import RULE_SEVERITY

# Day 29 (start of cycle 2 on the label schedule) is 2024-03-05.
FIRST = date(2024, 2, 6)


def day(n: int) -> date:
    """Study day ``n``; day 1 is the first dose."""
    return FIRST + timedelta(days=n - 1)


def cycle(
    number: int, start_day: int, dose: float | None = None, last_day: int | None = None
) -> CycleStart:
    return CycleStart(number, day(start_day), dose, day(last_day) if last_day else None)


def label_cycles(count: int) -> tuple[CycleStart, ...]:
    """Cycles on the label schedule: start every 28 days, dosed days 1-21."""
    return tuple(cycle(k, 28 * (k - 1) + 1, None, 28 * (k - 1) + 21) for k in range(1, count + 1))


def change(on_day: int, method: ChangeMethod, dose: float | None = None) -> DoseChange:
    return DoseChange(day(on_day), method, dose)


def history(
    cycles: tuple[CycleStart, ...] | None = None,
    changes: tuple[DoseChange, ...] = (),
    initial: float | None = 160.0,
    stop_day: int | None = None,
) -> DosingHistory:
    return DosingHistory(
        subject="01-007",
        first_dose=FIRST,
        initial_daily_dose_mg=initial,
        cycles=label_cycles(3) if cycles is None else cycles,
        changes=changes,
        discontinued_on=day(stop_day) if stop_day is not None else None,
    )


def found(summary: DosingSummary) -> set[tuple[str, int | None]]:
    return {(f.rule, f.cycle) for f in summary.findings}


TWO = label_cycles(2)

# ------------------------------------------------------------------ findings

FINDING_CASES = [
    # label-compliant
    pytest.param(history(), set(), id="label_schedule_160"),
    pytest.param(history(initial=80.0), set(), id="initial_80_is_label_minimum"),
    pytest.param(history(changes=(change(8, "interruption"), change(12, "restart", 120.0))),
                 set(), id="interrupt_restart_120"),
    pytest.param(history(changes=(change(10, "reduction", 80.0), change(20, "escalation", 120.0))),
                 set(), id="reduce_then_escalate"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, 120.0, 49))),
                 set(), id="cycle_starts_lower"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, 120.0, 49)),
                         changes=(change(29, "reduction", 120.0),)),
                 set(), id="cycle_dose_also_entered_as_reduction"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, None, None)), stop_day=40),
                 set(), id="no_dosing_end_but_discontinued"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, None, 49)),
                         changes=(change(18, "interruption"), change(29, "restart"))),
                 set(), id="restart_on_next_cycle_start"),
    # dose.range / dose.tablet / dose.impossible
    pytest.param(history(initial=200.0), {("dose.range", 1)}, id="initial_above_max"),
    pytest.param(history(initial=40.0), {("dose.range", 1)}, id="initial_below_min"),
    pytest.param(history(initial=400.0), {("dose.range", 1)}, id="initial_400_possible"),
    pytest.param(history(initial=100.0), {("dose.tablet", 1)}, id="initial_not_tablets"),
    pytest.param(history(initial=60.0), {("dose.range", 1), ("dose.tablet", 1)},
                 id="initial_60_range_and_tablet"),
    pytest.param(history(initial=0.0), {("dose.impossible", 1)}, id="initial_zero"),
    pytest.param(history(initial=-40.0), {("dose.impossible", 1)}, id="initial_negative"),
    pytest.param(history(initial=480.0), {("dose.impossible", 1)}, id="initial_absurd"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, 200.0, 49))),
                 {("dose.range", 2)}, id="cycle_start_above_max"),
    pytest.param(history(changes=(change(10, "reduction", 40.0),)), {("dose.range", 1)},
                 id="reduction_below_min"),
    pytest.param(history(changes=(change(38, "reduction", 100.0),)), {("dose.tablet", 2)},
                 id="reduction_not_tablets_cycle_2"),
    pytest.param(history(changes=(change(8, "interruption"), change(12, "restart", 200.0))),
                 {("dose.range", 1)}, id="restart_above_max"),
    pytest.param(history(changes=(change(10, "escalation", -160.0),)),
                 {("dose.impossible", 1)}, id="escalation_negative"),
    pytest.param(history(cycles=(cycle(1, 1, 120.0, 21),)), {("dose.initial_mismatch", 1)},
                 id="cycle_1_dose_differs_from_initial"),
    # cycle.dosing_days / cycle.off_days / cycle.early_start
    pytest.param(history(cycles=(cycle(1, 1, None, 25), cycle(2, 29, None, 49))),
                 {("cycle.dosing_days", 1), ("cycle.off_days", 1)}, id="dosed_25_days"),
    pytest.param(history(cycles=(cycle(1, 1, None, 24),),
                         changes=(change(5, "interruption"), change(10, "restart"))),
                 {("cycle.off_days", 1)}, id="19_days_but_on_days_22_24"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 25, None, 45))),
                 {("cycle.early_start", 2)}, id="cycle_2_on_day_25"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, None, 49),
                                 cycle(3, 56, None, 76))),
                 {("cycle.early_start", 3)}, id="cycle_3_on_day_28_of_cycle_2"),
    # cycle dates and numbering (errors)
    pytest.param(history(changes=(change(-3, "reduction", 120.0),)),
                 {("change.before_first_dose", None)}, id="change_before_first_dose"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, -5, None, 15),
                                 cycle(3, 57, None, 77))),
                 {("cycle.before_first_dose", 2)}, id="cycle_before_first_dose"),
    pytest.param(history(cycles=(cycle(1, 3, None, 21), cycle(2, 29, None, 49))),
                 {("cycle.first_start", 1)}, id="cycle_1_recorded_after_first_dose"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, None, 20))),
                 {("cycle.dosing_end_before_start", 2)}, id="dosing_end_before_start"),
    pytest.param(history(cycles=(cycle(1, 1, None, 30), cycle(2, 29, None, 49))),
                 {("cycle.dosing_end_overlap", 1), ("cycle.dosing_days", 1),
                  ("cycle.off_days", 1)}, id="dosing_end_into_next_cycle"),
    pytest.param(history(cycles=(*TWO, cycle(2, 30, None, 50))), {("cycle.order", 2)},
                 id="cycle_2_twice"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 57, None, 77),
                                 cycle(3, 29, None, 49))),
                 {("cycle.order", 3)}, id="cycle_3_dated_before_cycle_2"),
    pytest.param(history(cycles=(*TWO, cycle(4, 57, None, 77))), {("cycle.order", 4)},
                 id="cycle_3_missing"),
    pytest.param(history(cycles=(*TWO, cycle(0, 57, None, 77))), {("cycle.order", 0)},
                 id="cycle_number_0"),
    # discontinuation
    pytest.param(history(cycles=(), stop_day=-1), {("discontinuation.before_first_dose", None)},
                 id="discontinued_before_first_dose"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29)), stop_day=40,
                         changes=(change(45, "reduction", 120.0),)),
                 {("discontinuation.conflict", 2)}, id="change_after_discontinuation"),
    pytest.param(history(cycles=TWO, stop_day=25), {("discontinuation.conflict", 2)},
                 id="cycle_after_discontinuation"),
    pytest.param(history(cycles=label_cycles(1), stop_day=15), {("discontinuation.conflict", 1)},
                 id="dosing_end_after_discontinuation"),
    # interpretations (warnings)
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29))),
                 {("cycle.dosing_end_missing", 2)}, id="dosing_end_not_recorded"),
    pytest.param(history(changes=(change(10, "restart"),)),
                 {("change.restart_without_interruption", 1)}, id="restart_without_interruption"),
    pytest.param(history(changes=(change(8, "interruption"), change(12, "reduction", 120.0))),
                 {("change.while_interrupted", 1)}, id="reduction_during_interruption"),
    pytest.param(history(initial=120.0, changes=(change(10, "reduction", 160.0),)),
                 {("change.direction", 1)}, id="reduction_to_higher_dose"),
    pytest.param(history(initial=120.0, changes=(change(10, "escalation", 120.0),)),
                 {("change.direction", 1)}, id="escalation_to_same_dose"),
]  # fmt: skip


@pytest.mark.parametrize(("record", "expected"), FINDING_CASES)
def test_findings(record: DosingHistory, expected: set[tuple[str, int | None]]) -> None:
    summary = check_dosing(record)
    assert found(summary) == expected
    for finding in summary.findings:
        assert finding.severity == RULE_SEVERITY[finding.rule]
        assert finding.subject == "01-007"
        assert finding.dates
        assert finding.message.isascii()
        assert re.search("[\u4e00-\u9fff]", finding.message_zh)


# ------------------------------------------------------------------ measures


def computed(value: float) -> Computed[float]:
    return Computed(value)


MEASURE_CASES = [
    # id, record, cumulative, cycles, (dosing days per cycle), reductions, escalations,
    # interruptions, final daily dose
    pytest.param(history(), 10080.0, 3, (21, 21, 21), 0, 0, 0, 160.0, id="label_3_cycles"),
    pytest.param(history(cycles=TWO, changes=(change(38, "reduction", 120.0),)),
                 3360.0 + 9 * 160 + 12 * 120, 2, (21, 21), 1, 0, 0, 120.0,
                 id="reduction_on_day_10_of_cycle_2"),
    pytest.param(history(cycles=label_cycles(1),
                         changes=(change(8, "interruption"), change(15, "restart"))),
                 14 * 160.0, 1, (14,), 0, 0, 1, 160.0, id="interrupted_days_8_14"),
    pytest.param(history(cycles=label_cycles(1),
                         changes=(change(8, "interruption"), change(15, "restart", 120.0))),
                 7 * 160.0 + 7 * 120, 1, (14,), 1, 0, 1, 120.0, id="restart_lower_is_reduction"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, 120.0, 49),
                                 cycle(3, 57, 160.0, 77))),
                 21 * (160.0 + 120 + 160), 3, (21, 21, 21), 1, 1, 0, 160.0,
                 id="cycle_start_levels_counted"),
    pytest.param(history(cycles=(cycle(1, 1),), stop_day=10), 1600.0, 1, (10,), 0, 0, 0, 160.0,
                 id="discontinued_on_day_10_inclusive"),
    pytest.param(history(cycles=()), 3360.0, 1, (21,), 0, 0, 0, 160.0,
                 id="no_cycle_rows_label_assumed"),
    pytest.param(history(cycles=TWO, changes=(change(18, "interruption"),)),
                 17 * 160.0 + 21 * 160, 2, (17, 21), 0, 0, 1, 160.0,
                 id="next_cycle_start_ends_interruption"),
    pytest.param(history(cycles=label_cycles(1), initial=80.0,
                         changes=(change(8, "escalation", 120.0), change(15, "escalation", 160.0))),
                 7 * (80.0 + 120 + 160), 1, (21,), 0, 2, 0, 160.0, id="redos_escalation"),
    pytest.param(history(cycles=(cycle(1, 1, None, 25),)), 25 * 160.0, 1, (25,), 0, 0, 0, 160.0,
                 id="overdosed_cycle_counts_actual_days"),
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, 120.0, 49)),
                         changes=(change(29, "reduction", 120.0),)),
                 21 * (160.0 + 120), 2, (21, 21), 1, 0, 0, 120.0,
                 id="same_reduction_entered_twice_counts_once"),
    # 160 mg days 1-9, 120 mg days 10-14, paused 15-19, 80 mg days 20-21; cycle 2 at 80 mg;
    # cycle 3 at 120 mg until discontinuation on day 70 (cycle 3 day 14).
    pytest.param(history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, 80.0, 49),
                                 cycle(3, 57, 120.0, None)),
                         changes=(change(10, "reduction", 120.0), change(15, "interruption"),
                                  change(20, "restart", 80.0), change(29, "reduction", 80.0)),
                         stop_day=70),
                 9 * 160.0 + 5 * 120 + 2 * 80 + 21 * 80 + 14 * 120, 3, (16, 21, 14), 2, 1, 1,
                 120.0, id="reduce_pause_restart_lower_escalate_discontinue"),
]  # fmt: skip


@pytest.mark.parametrize(
    (
        "record",
        "cumulative",
        "cycles",
        "dosing_days",
        "reductions",
        "escalations",
        "interruptions",
        "final",
    ),
    MEASURE_CASES,
)
def test_measures(
    record: DosingHistory,
    cumulative: float,
    cycles: int,
    dosing_days: tuple[int, ...],
    reductions: int,
    escalations: int,
    interruptions: int,
    final: float,
) -> None:
    summary = check_dosing(record)
    assert summary.cumulative_dose_mg == computed(cumulative)
    assert summary.number_of_cycles == cycles
    intensity = summary.relative_dose_intensity
    assert isinstance(intensity, Computed)
    assert intensity.value == pytest.approx(cumulative / (160 * 21 * cycles))
    assert tuple(c.dosing_days for c in summary.cycles) == dosing_days
    assert (summary.reductions, summary.escalations, summary.interruptions) == (
        reductions,
        escalations,
        interruptions,
    )
    assert summary.final_daily_dose_mg == computed(final)
    per_cycle = [value_or_none(c.cumulative_dose_mg) for c in summary.cycles]
    assert sum(v for v in per_cycle if v is not None) == cumulative
    assert None not in per_cycle


def test_calendar_for_a_mid_cycle_reduction() -> None:
    summary = check_dosing(history(cycles=TWO, changes=(change(38, "reduction", 120.0),)))
    calendar = summary.calendar
    assert next(iter(calendar)) == day(1)
    assert list(calendar)[-1] == day(49)
    assert len(calendar) == 49
    assert calendar[day(21)] == 160.0
    assert calendar[day(22)] == 0.0
    assert calendar[day(28)] == 0.0
    assert calendar[day(37)] == 160.0
    assert calendar[day(38)] == 120.0
    assert calendar[day(49)] == 120.0
    assert [c.dose_at_start_mg for c in summary.cycles] == [computed(160.0), computed(160.0)]
    assert [c.cumulative_dose_mg for c in summary.cycles] == [computed(3360.0), computed(2880.0)]
    assert summary.relative_dose_intensity == computed(6240 / 6720)


def test_reduced_cycle_start_carries_into_next_cycle() -> None:
    summary = check_dosing(history(changes=(change(40, "reduction", 120.0),)))
    assert [c.dose_at_start_mg for c in summary.cycles] == [
        computed(160.0),
        computed(160.0),
        computed(120.0),
    ]
    assert summary.calendar[day(57)] == 120.0


# ------------------------------------------------------------------ not computable

FEB_15 = "2024-02-15"  # day 10


@pytest.mark.parametrize(
    ("record", "missing"),
    [
        pytest.param(history(initial=None), ("initial daily dose",), id="no_initial_dose"),
        pytest.param(
            history(initial=-40.0),
            ("initial daily dose (entered -40 mg/day is not possible)",),
            id="impossible_initial_dose",
        ),
        pytest.param(
            history(changes=(change(10, "reduction"),)),
            (f"daily dose of the dose reduction on {FEB_15}",),
            id="reduction_without_new_dose",
        ),
    ],
)
def test_unknown_doses_make_totals_not_computable(
    record: DosingHistory, missing: tuple[str, ...]
) -> None:
    summary = check_dosing(record)
    expected: Derived[float] = NotComputable(missing)
    assert summary.cumulative_dose_mg == expected
    assert summary.relative_dose_intensity == expected
    assert summary.final_daily_dose_mg == expected
    assert summary.number_of_cycles == 3
    assert summary.cycles[2].cumulative_dose_mg == expected


def test_known_dose_after_an_unknown_one_is_computable_again() -> None:
    record = history(
        cycles=(cycle(1, 1, None, 21), cycle(2, 29, 120.0, 49)),
        changes=(change(10, "reduction"),),
    )
    summary = check_dosing(record)
    assert summary.cycles[0].cumulative_dose_mg == NotComputable(
        (f"daily dose of the dose reduction on {FEB_15}",)
    )
    assert summary.cycles[1].cumulative_dose_mg == computed(2520.0)
    assert summary.calendar[day(9)] == 160.0
    assert summary.calendar[day(10)] is None
    assert summary.reductions == 1
    assert summary.final_daily_dose_mg == computed(120.0)


# ------------------------------------------------------------------ messages


@pytest.mark.parametrize(
    ("record", "rule", "message", "message_zh"),
    [
        pytest.param(
            history(cycles=(*TWO, cycle(3, 57, None, 81))),
            "cycle.dosing_days",
            "Cycle 3: dosed on 25 days; the label allows 21 of 28.",
            "第3周期：用药 25 天；说明书规定每 28 天最多用药 21 天。",
            id="dosing_days",
        ),
        pytest.param(
            history(cycles=(cycle(1, 1, None, 21), cycle(2, 29, 200.0, 49))),
            "dose.range",
            "Cycle 2 (from 2024-03-05): 200 mg/day is above the label maximum of 160 mg/day.",
            "第2周期（2024-03-05起）：200 mg/天，高于说明书最大剂量 160 mg/天。",
            id="above_max",
        ),
        pytest.param(
            history(changes=(change(10, "reduction", 40.0),)),
            "dose.range",
            "Dose reduction on 2024-02-15: 40 mg/day is below the label minimum of 80 mg/day.",
            "2024-02-15 减量：40 mg/天，低于说明书最小剂量 80 mg/天。",
            id="below_min",
        ),
        pytest.param(
            history(initial=100.0),
            "dose.tablet",
            "Initial dose: 100 mg/day is not a whole number of 40 mg tablets.",
            "起始剂量：100 mg/天 不是 40 mg 片剂的整数倍。",
            id="tablets",
        ),
        pytest.param(
            history(cycles=(cycle(1, 1, None, 22),)),
            "cycle.off_days",
            "Cycle 1: dosed on 2024-02-27, after day 21; days 22-28 of each cycle are drug-free.",
            "第1周期：第 21 天之后（2024-02-27）仍用药；每周期第 22-28 天应停药。",
            id="one_off_day",
        ),
        pytest.param(
            history(cycles=(cycle(1, 1, None, 21), cycle(2, 25, None, 45))),
            "cycle.early_start",
            "Cycle 2 started on 2024-03-01, day 25 of cycle 1; "
            "it may start on day 29 (2024-03-05) at the earliest.",
            "第2周期于 2024-03-01 开始，即第1周期第 25 天；最早应在第 29 天（2024-03-05）开始。",
            id="early_start",
        ),
        pytest.param(
            history(initial=0.0),
            "dose.impossible",
            "Initial dose: 0 mg/day is not a possible daily dose; enter more than 0 and at most "
            "400 mg/day. To record a pause, enter an interruption.",
            "起始剂量：0 mg/天 不是可能的日剂量，应大于 0 且不超过 400 mg/天。"
            "如需记录停药，请录入“暂停用药”。",
            id="impossible_zero",
        ),
    ],
)
def test_messages(record: DosingHistory, rule: str, message: str, message_zh: str) -> None:
    [finding] = [f for f in check_dosing(record).findings if f.rule == rule]
    assert finding.message == message
    assert finding.message_zh == message_zh


def test_findings_are_in_date_order() -> None:
    record = history(
        initial=200.0,
        cycles=(cycle(1, 1, None, 25), cycle(2, 29, None, 49)),
        changes=(change(40, "restart"),),
    )
    findings = check_dosing(record).findings
    assert [f.rule for f in findings] == [
        "dose.range",
        "cycle.dosing_days",
        "cycle.off_days",
        "change.restart_without_interruption",
    ]
    assert [f.dates[0] for f in findings] == [day(1), day(1), day(22), day(40)]


def test_every_catalogued_rule_is_exercised() -> None:
    triggered: set[str] = set()
    for case in FINDING_CASES:
        record = case.values[0]
        assert isinstance(record, DosingHistory)
        triggered |= check_dosing(record).rules_triggered
    assert triggered == set(RULE_SEVERITY)


# ------------------------------------------------------------------ speed


def test_24_cycles_and_10_changes_well_under_5_ms() -> None:
    pauses: tuple[tuple[int, ChangeMethod], ...] = ((5, "interruption"), (8, "restart"))
    changes = tuple(
        change(28 * (k - 1) + offset, method) for k in range(2, 7) for offset, method in pauses
    )
    record = history(cycles=label_cycles(24), changes=changes)
    assert len(changes) == 10
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        summary = check_dosing(record)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.005
    assert summary.number_of_cycles == 24
    assert summary.interruptions == 5
    assert summary.cumulative_dose_mg == computed(24 * 3360.0 - 5 * 3 * 160)
    assert summary.findings == ()
