"""Regorafenib label limits and the catalogue of dosing rule ids with their severity.

Source: Stivarga label as quoted in the protocol (40 mg tablets; 160 mg once daily on
days 1-21 of each 28-day cycle; 80 mg/day minimum, 160 mg/day maximum). Rule ids are
stable: stored deviation reasons and tests refer to them.
"""

from __future__ import annotations

import math
from typing import Final

from rego_desktop.rules.findings import Severity

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


def is_possible_dose(dose: float) -> bool:
    """A daily dose someone could have taken: above 0 and at most 400 mg."""
    return math.isfinite(dose) and 0 < dose <= IMPOSSIBLE_ABOVE_MG


def is_whole_tablets(dose: float) -> bool:
    """True when the dose is a whole number of 40 mg tablets (to 1e-9 of a tablet)."""
    tablets = dose / TABLET_MG
    return abs(tablets - round(tablets)) < 1e-9
