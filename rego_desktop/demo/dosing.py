"""Regorafenib cycles and dose changes for one synthetic patient.

The plan follows the label (design.md section 3) unless a deviation is planted on
purpose: every dose entered is 80, 120 or 160 mg, each cycle is dosed on at most its
days 1-21 (``dosing_end`` no later than day 21) and the next cycle starts on day 29 of
the previous one at the earliest. Dose changes fall strictly inside a cycle's dosing
window (after its day 1, on or before its last dosing day), interruptions are always
followed by a re-start inside the same window, and a reduction always lowers the dose,
so the dose calendar never needs interpreting.

Planted deviations, recorded with the rule id the edit checks use and the cycle they
are reported in:

- ``dose.range``: 200 mg/day, either as an escalation inside a cycle (brought back to
  160 mg a few days later) or as the dose a cycle starts at (reduced to 160 mg).
- ``dose.tablet``: a change to 100 mg/day (not a whole number of 40 mg tablets); the
  next cycle starts at 80 or 120 mg.
- ``cycle.dosing_days`` and ``cycle.off_days`` together: a cycle dosed without a break
  up to its day 25 (25 dosing days, 4 of them in days 22-28).
- ``cycle.off_days`` alone: a cycle dosed into days 22-25 after an interruption long
  enough that it still has at most 21 dosing days.
- ``cycle.early_start``: a cycle starting on day 24 of the previous one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

LEVELS: Final = (80, 120, 160)
CYCLE_DAYS: Final = 28
DOSING_DAYS: Final = 21
MAX_CYCLES: Final = 20
EARLY_START_DAY: Final = 24
LONG_CYCLE_LAST_DAY: Final = 25
OVER_RANGE_MG: Final = 200
NOT_TABLETS_MG: Final = 100

PlantKind = Literal[
    "range_change", "range_start", "tablet", "dosing_days", "off_days", "early_start"
]
PLANT_KINDS: Final[tuple[PlantKind, ...]] = (
    "range_change",
    "range_start",
    "tablet",
    "dosing_days",
    "off_days",
    "early_start",
)
_PLANT_WEIGHTS: Final = (2, 1, 3, 2, 1, 3)


def day(start: date, offset: int) -> date:
    return start + timedelta(days=offset)


@dataclass(frozen=True, slots=True)
class CycleFrame:
    """A cycle's place on the calendar before doses are assigned."""

    number: int
    start: date
    dosing_end: date

    @property
    def window_days(self) -> int:
        return (self.dosing_end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Skeleton:
    cycles: tuple[CycleFrame, ...]
    last_dose: date | None  # the treatment ended inside the record
    capped: bool  # stopped after MAX_CYCLES cycles


@dataclass(frozen=True, slots=True)
class CycleRow:
    number: int
    start: date
    dosing_end: date
    daily_dose: int


@dataclass(frozen=True, slots=True)
class ChangeRow:
    on: date
    method: str  # dose_change_method code
    new_daily_dose: int | None
    reason: str  # dose_change_reason code
    ae_action: str | None  # ae_action code of the adverse event behind the change


@dataclass(frozen=True, slots=True)
class PlantedRule:
    rule: str
    cycle: int
    detail: str


@dataclass(frozen=True, slots=True)
class DosingPlan:
    initial_daily_dose: int
    cycles: tuple[CycleRow, ...]
    changes: tuple[ChangeRow, ...]
    last_dose: date | None
    capped: bool
    planted: tuple[PlantedRule, ...]


def build_skeleton(
    first_dose: date,
    stop: date | None,
    horizon: date,
    delays: list[int],
    short_ends: list[int | None],
    early_start_at: int | None = None,
) -> Skeleton:
    """Cycles from the first dose until ``stop`` (last day on treatment) or ``horizon``.

    With ``stop`` the last cycle's dosing ends on ``stop`` when it falls in the dosing
    window, else on the cycle's normal last dosing day. Without it (treatment ongoing
    at the last follow-up) only cycles whose dosing ended by ``horizon`` are kept.
    ``early_start_at`` makes that cycle start on day 24 of the one before.
    """
    cycles: list[CycleFrame] = []
    start = first_dose
    number = 1
    last_dose: date | None = None
    capped = False
    while True:
        short = short_ends[number - 1]
        planned_end = day(start, (DOSING_DAYS - 1) if short is None else short)
        if stop is not None and stop <= planned_end:
            cycles.append(CycleFrame(number, start, stop))
            last_dose = stop
            break
        if stop is None and planned_end > horizon:
            if number == 1:
                cycles.append(CycleFrame(1, start, max(start, horizon)))
            break
        cycles.append(CycleFrame(number, start, planned_end))
        if number == MAX_CYCLES:
            last_dose, capped = planned_end, True
            break
        if early_start_at == number + 1:
            following = day(start, EARLY_START_DAY - 1)
        else:
            following = day(start, CYCLE_DAYS + delays[number - 1])
        if stop is not None and following > stop:
            last_dose = planned_end
            break
        if stop is None and following > horizon:
            break
        start, number = following, number + 1
    return Skeleton(tuple(cycles), last_dose, capped)


@dataclass(slots=True)
class _Walk:
    rng: random.Random
    level: int
    cycles: list[CycleRow]
    changes: list[ChangeRow]
    planted: list[PlantedRule]
    next_start_dose: int | None = None

    def change(
        self,
        on: date,
        method: str,
        dose: int | None,
        reason: str,
        ae_action: str | None = None,
    ) -> None:
        self.changes.append(ChangeRow(on, method, dose, reason, ae_action))
        if dose is not None:
            self.level = dose

    def routine(self, frame: CycleFrame) -> None:
        """At most one label-conformant reduction or interruption/re-start in a cycle."""
        rng, width, start = self.rng, frame.window_days, frame.start
        p_reduce = {160: 0.14, 120: 0.08}.get(self.level, 0.0)
        draw = rng.random()
        if width >= 8 and draw < p_reduce:
            offset = rng.randint(3, min(17, width - 1))
            ae = rng.random() < 0.8
            reason = (
                "adverse_event" if ae else rng.choice(("physician_decision", "patient_decision"))
            )
            self.change(
                day(start, offset), "reduction", self.level - 40, reason, "reduced" if ae else None
            )
        elif width >= 10 and draw < p_reduce + 0.07:
            off = rng.randint(2, width - 4)
            back = rng.randint(off + 2, min(off + 8, width - 1))
            ae = rng.random() < 0.85
            reason = "adverse_event" if ae else "surgery_procedure"
            self.change(
                day(start, off), "interruption", None, reason, "interrupted" if ae else None
            )
            lower = self.level > LEVELS[0] and rng.random() < 0.4
            restart_dose = self.level - 40 if lower else None
            self.change(day(start, back), "restart", restart_dose, reason)

    def redos(self, frame: CycleFrame) -> None:
        """ReDOS-style weekly escalation 80 -> 120 -> 160 mg in cycle 1."""
        for offset, dose in ((7, 120), (14, 160)):
            if frame.window_days > offset:
                self.change(day(frame.start, offset), "escalation", dose, "planned_escalation")

    def plant(self, kind: PlantKind, frame: CycleFrame) -> CycleFrame:
        """Apply a planted deviation to ``frame``; returns the (possibly longer) frame."""
        rng, start, width, number = self.rng, frame.start, frame.window_days, frame.number
        if kind == "range_change":
            up = rng.randint(3, width - 5)
            down = rng.randint(up + 2, min(up + 6, width - 1))
            self.change(day(start, up), "escalation", OVER_RANGE_MG, "physician_decision")
            self.change(day(start, down), "reduction", 160, "adverse_event", "reduced")
            detail = f"escalated to {OVER_RANGE_MG} mg/day on {day(start, up)}"
            self.planted.append(PlantedRule("dose.range", number, detail))
        elif kind == "range_start":
            down = rng.randint(2, min(7, width - 1))
            self.change(day(start, down), "reduction", 160, "physician_decision")
            detail = f"cycle started at {OVER_RANGE_MG} mg/day on {start}"
            self.planted.append(PlantedRule("dose.range", number, detail))
        elif kind == "tablet":
            on = day(start, rng.randint(3, width - 2))
            if self.level > NOT_TABLETS_MG:
                self.change(on, "reduction", NOT_TABLETS_MG, "adverse_event", "reduced")
            else:
                self.change(on, "escalation", NOT_TABLETS_MG, "tolerability_improved")
            self.next_start_dose = rng.choice((80, 120))
            detail = f"{NOT_TABLETS_MG} mg/day from {on}"
            self.planted.append(PlantedRule("dose.tablet", number, detail))
        elif kind == "dosing_days":
            frame = CycleFrame(number, start, day(start, LONG_CYCLE_LAST_DAY - 1))
            detail = f"dosed every day from {start} to {frame.dosing_end} (day 25)"
            self.planted.append(PlantedRule("cycle.dosing_days", number, detail))
            self.planted.append(PlantedRule("cycle.off_days", number, detail))
        elif kind == "off_days":
            last = rng.randint(DOSING_DAYS, LONG_CYCLE_LAST_DAY - 1)  # offset: day 22-25
            frame = CycleFrame(number, start, day(start, last))
            off = rng.randint(3, 7)
            length = last + 1 - DOSING_DAYS + rng.randint(0, 2)
            reason = rng.choice(("adverse_event", "patient_decision"))
            action = "interrupted" if reason == "adverse_event" else None
            self.change(day(start, off), "interruption", None, reason, action)
            self.change(day(start, off + length), "restart", None, reason)
            detail = f"dosed until {frame.dosing_end} (day {last + 1}) after an interruption"
            self.planted.append(PlantedRule("cycle.off_days", number, detail))
        return frame


def _room_after(frames: tuple[CycleFrame, ...], index: int) -> int | None:
    """Days from the cycle's start to the next cycle's start, None for the last cycle."""
    if index + 1 >= len(frames):
        return None
    return (frames[index + 1].start - frames[index].start).days


def _eligible_cycles(
    kind: PlantKind, frames: tuple[CycleFrame, ...], redos: bool, taken: set[int]
) -> list[int]:
    out: list[int] = []
    for index, frame in enumerate(frames):
        number, width = frame.number, frame.window_days
        if number in taken or (number == 1 and redos):
            continue
        room = _room_after(frames, index)
        ok = {
            "range_change": width >= 10,
            "range_start": number >= 2 and width >= 6,
            "tablet": width >= 8,
            "dosing_days": room is not None and room > LONG_CYCLE_LAST_DAY,
            "off_days": room is not None and room > LONG_CYCLE_LAST_DAY,
            "early_start": False,
        }[kind]
        if ok:
            out.append(number)
    return out


def plan_dosing(
    rng: random.Random,
    first_dose: date,
    stop: date | None,
    horizon: date,
    *,
    plant: bool,
) -> DosingPlan:
    """Initial dose, cycles and changes; with ``plant``, one or two label deviations."""
    delays = [rng.randint(1, 14) if rng.random() < 0.15 else 0 for _ in range(MAX_CYCLES)]
    short_ends = [rng.randint(13, 19) if rng.random() < 0.06 else None for _ in range(MAX_CYCLES)]
    draw = rng.random()
    initial = 160 if draw < 0.68 else 120 if draw < 0.80 else 80
    redos = initial == 80 and rng.random() < 0.65

    kinds: list[PlantKind] = []
    if plant:
        first = rng.choices(PLANT_KINDS, _PLANT_WEIGHTS)[0]
        kinds.append(first)
        if rng.random() < 0.15:
            others = [k for k in PLANT_KINDS if k != first]
            kinds.append(rng.choice(others))

    skeleton = build_skeleton(first_dose, stop, horizon, delays, short_ends)
    taken: set[int] = set()
    early_at: int | None = None
    if "early_start" in kinds and len(skeleton.cycles) >= 2:
        early_at = rng.choice([c.number for c in skeleton.cycles[1:]])
        skeleton = build_skeleton(first_dose, stop, horizon, delays, short_ends, early_at)
        taken.update({early_at - 1, early_at})  # keep the cycle before it plain as well
    targets: dict[int, PlantKind] = {}
    for kind in kinds:
        if kind == "early_start":
            continue
        options = _eligible_cycles(kind, skeleton.cycles, redos, taken)
        if options:
            number = rng.choice(options)
            targets[number] = kind
            taken.add(number)

    walk = _Walk(rng, initial, [], [], [])
    for frame in skeleton.cycles:
        if frame.number == 1:
            start_dose = initial
        elif targets.get(frame.number) == "range_start":
            start_dose = OVER_RANGE_MG
        elif walk.next_start_dose is not None:
            start_dose = walk.next_start_dose
        elif walk.level < LEVELS[-1] and rng.random() < 0.06:
            start_dose = walk.level + 40
        else:
            start_dose = walk.level
        walk.next_start_dose = None
        walk.level = start_dose
        target = targets.get(frame.number)
        if target is not None:
            frame = walk.plant(target, frame)
        elif frame.number == 1 and redos:
            walk.redos(frame)
        elif frame.number != early_at:
            walk.routine(frame)
        walk.cycles.append(CycleRow(frame.number, frame.start, frame.dosing_end, start_dose))
    if early_at is not None:
        start = skeleton.cycles[early_at - 1].start
        detail = (
            f"cycle {early_at} started on {start}, day {EARLY_START_DAY} of cycle {early_at - 1}"
        )
        walk.planted.append(PlantedRule("cycle.early_start", early_at, detail))
    walk.planted.sort(key=lambda p: (p.cycle, p.rule))
    return DosingPlan(
        initial,
        tuple(walk.cycles),
        tuple(walk.changes),
        skeleton.last_dose,
        skeleton.capped,
        tuple(walk.planted),
    )
