"""Endpoint summaries computed at sites and the coordinating center.

Pure standard library on purpose: the desktop build ships no numpy/scipy, and
results must match lifelines/R, which the tests use as oracles.
"""

from rego_desktop.endpoints.adverse_events import AeRow, ae_table
from rego_desktop.endpoints.km import KaplanMeier, kaplan_meier
from rego_desktop.endpoints.proportions import Proportion, clopper_pearson, proportion

DAYS_PER_MONTH = 30.4375
"""Protocol month: months = days / 30.4375 (365.25 / 12)."""

__all__ = [
    "DAYS_PER_MONTH",
    "AeRow",
    "KaplanMeier",
    "Proportion",
    "ae_table",
    "clopper_pearson",
    "kaplan_meier",
    "proportion",
]
