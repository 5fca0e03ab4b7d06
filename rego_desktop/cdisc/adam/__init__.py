"""ADaM datasets, one module each; :data:`DATASETS` lists their builders in output order."""

from __future__ import annotations

from collections.abc import Callable

from rego_desktop.cdisc.adam import adae, adrs, adsl, adtte
from rego_desktop.cdisc.source import Source
from rego_desktop.cdisc.table import Table

DATASETS: tuple[Callable[[Source], Table], ...] = (
    adsl.build,
    adtte.build,
    adrs.build,
    adae.build,
)
