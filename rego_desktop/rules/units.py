"""Explicit laboratory unit conversion.

Charts in participating hospitals report bilirubin and creatinine in umol/L or mg/dL and
albumin in g/L or g/dL. A value without its unit, or with a unit we do not know, is never
converted by guessing from its size: :func:`Analyte.convert` raises ``ValueError`` naming
the units allowed. The micro sign (``µmol/L``, ``μmol/L``) is accepted as a spelling of
``umol/L`` because it is the same unit, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

_SPELLINGS = {"µmol/L": "umol/L", "μmol/L": "umol/L"}


@dataclass(frozen=True, slots=True)
class Analyte:
    """A measured substance and the factor from each allowed unit to its base unit."""

    name: str
    # (unit, factor): value_in_unit * factor = value in the base unit (factor 1).
    units: tuple[tuple[str, float], ...]

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(unit for unit, _ in self.units)

    def canonical_unit(self, unit: str) -> str:
        """The unit's canonical spelling; ``ValueError`` if the unit is not allowed."""
        spelled = _SPELLINGS.get(unit, unit)
        for known, _ in self.units:
            if known == spelled:
                return spelled
        raise ValueError(
            f"unknown {self.name} unit {unit!r}; allowed units: {', '.join(self.allowed)}"
        )

    def convert(self, value: float, from_unit: str, to_unit: str) -> float:
        """``value`` expressed in ``from_unit``, converted to ``to_unit``."""
        source, target = self.canonical_unit(from_unit), self.canonical_unit(to_unit)
        if source == target:
            return value
        factors = dict(self.units)
        return value * factors[source] / factors[target]


BILIRUBIN = Analyte("bilirubin", (("umol/L", 1.0), ("mg/dL", 17.104)))
ALBUMIN = Analyte("albumin", (("g/L", 1.0), ("g/dL", 10.0)))
CREATININE = Analyte("creatinine", (("umol/L", 1.0), ("mg/dL", 88.42)))


def bilirubin_umol_l(value: float, unit: str) -> float:
    """Bilirubin in umol/L (1 mg/dL = 17.104 umol/L)."""
    return BILIRUBIN.convert(value, unit, "umol/L")


def bilirubin_mg_dl(value: float, unit: str) -> float:
    """Bilirubin in mg/dL."""
    return BILIRUBIN.convert(value, unit, "mg/dL")


def albumin_g_l(value: float, unit: str) -> float:
    """Albumin in g/L (1 g/dL = 10 g/L)."""
    return ALBUMIN.convert(value, unit, "g/L")


def albumin_g_dl(value: float, unit: str) -> float:
    """Albumin in g/dL."""
    return ALBUMIN.convert(value, unit, "g/dL")


def creatinine_umol_l(value: float, unit: str) -> float:
    """Creatinine in umol/L (1 mg/dL = 88.42 umol/L)."""
    return CREATININE.convert(value, unit, "umol/L")


def creatinine_mg_dl(value: float, unit: str) -> float:
    """Creatinine in mg/dL."""
    return CREATININE.convert(value, unit, "mg/dL")
