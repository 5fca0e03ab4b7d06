"""Regorafenib label limits and the catalogue of dosing rule ids with their severity.

Source: Stivarga label as quoted in the protocol (40 mg tablets; 160 mg once daily on
days 1-21 of each 28-day cycle; 80 mg/day minimum, 160 mg/day maximum). Rule ids are
stable: stored deviation reasons and tests refer to them.
"""

from __future__ import annotations

import math
from typing import Final

from rego_desktop.rules.findings import Severity
from rego_desktop.study.schema import Label

TABLET_MG: Final = 40.0
MIN_DAILY_MG: Final = 80.0
MAX_DAILY_MG: Final = 160.0
# Above this a daily dose is a typing error, not a deviation (2.5 x the label maximum).
IMPOSSIBLE_ABOVE_MG: Final = 400.0
CYCLE_DAYS: Final = 28
DOSING_DAYS: Final = 21

RULE_SEVERITY: Final[dict[str, Severity]] = {
    # label deviations (soft)
    "dose.range": "deviation",
    "dose.tablet": "deviation",
    "cycle.dosing_days": "deviation",
    "cycle.off_days": "deviation",
    "cycle.early_start": "deviation",
    # impossible or contradictory entries (hard)
    "dose.impossible": "error",
    "dose.initial_mismatch": "error",
    "change.before_first_dose": "error",
    "cycle.before_first_dose": "error",
    "cycle.first_start": "error",
    "cycle.order": "error",
    "cycle.dosing_end_before_start": "error",
    "cycle.dosing_end_overlap": "error",
    "discontinuation.before_first_dose": "error",
    "discontinuation.conflict": "error",
    # interpretations the user should confirm
    "change.restart_without_interruption": "warning",
    "change.while_interrupted": "warning",
    "change.direction": "warning",
    "cycle.dosing_end_missing": "warning",
}

DEVIATION_NAMES: Final[dict[str, Label]] = {
    "dose.range": Label("Daily dose outside 80–160 mg", "日剂量超出 80–160 mg"),
    "dose.tablet": Label("Dose not in whole 40 mg tablets", "剂量非 40 mg 整片"),
    "cycle.dosing_days": Label("More than 21 dosing days in a cycle", "单周期给药超过 21 天"),
    "cycle.off_days": Label("Dosing on days 22–28 of a cycle", "周期第 22–28 天给药"),
    "cycle.early_start": Label("Cycle started before day 29", "周期在第 29 天前开始"),
}
"""Short names of the label deviations, for summaries that count them."""


def deviation_name(rule: str, language: str = "en") -> str:
    """The short name of a label deviation rule (its id if it has none)."""
    name = DEVIATION_NAMES.get(rule)
    return rule if name is None else name.text(language)


def is_possible_dose(dose: float) -> bool:
    """A daily dose someone could have taken: above 0 and at most 400 mg."""
    return math.isfinite(dose) and 0 < dose <= IMPOSSIBLE_ABOVE_MG


def is_whole_tablets(dose: float) -> bool:
    """True when the dose is a whole number of 40 mg tablets (to 1e-9 of a tablet)."""
    tablets = dose / TABLET_MG
    return abs(tablets - round(tablets)) < 1e-9
