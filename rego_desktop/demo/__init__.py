"""Realistic synthetic demo patients for training, demonstrations and load tests.

:func:`generate` writes them through the patient service (hard checks, encryption,
audit trail); :class:`DemoReport` lists what was planted on purpose (label deviations,
screen failures, deaths) so the edit checks can be confirmed against it.
"""

from __future__ import annotations

from rego_desktop.demo.generator import (
    Death,
    DemoReport,
    PlantedDeviation,
    ScreenFailure,
    generate,
)

__all__ = ["Death", "DemoReport", "PlantedDeviation", "ScreenFailure", "generate"]
