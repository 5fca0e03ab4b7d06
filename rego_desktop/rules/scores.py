"""BMI, Child-Pugh and ALBI from baseline and per-cycle liver function.

Missing inputs give :class:`~rego_desktop.rules.derived.NotComputable` naming them; a
unit counts as missing only when its value is present. Values that cannot be real
(zero or negative, not finite) and unknown codes or units raise ``ValueError``: the
study's hard checks refuse them before they are stored, so reaching one is a bug.

Child-Pugh boundaries (the classic table; "2-3 mg/dL" includes both ends):

=============  =========  ===============  =========
item           1 point    2 points         3 points
=============  =========  ===============  =========
bilirubin      < 2 mg/dL  2 to 3 mg/dL     > 3 mg/dL
(umol/L)       < 34       34 to 51         > 51
albumin        > 3.5 g/dL 2.8 to 3.5 g/dL  < 2.8 g/dL
(g/L)          > 35       28 to 35         < 28
INR            < 1.7      1.7 to 2.3       > 2.3
=============  =========  ===============  =========

Points are scored in the unit the value was entered in, against that unit's published
cut-offs. The umol/L cut-offs (34, 51) are the clinical conventions, not exact
conversions: 34 umol/L is 1.988 mg/dL yet scores 2 points, as it would on any ward that
reports umol/L. Converting first would move patients across a class by rounding alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from rego_desktop.rules.derived import Computed, Derived, NotComputable, missing_inputs
from rego_desktop.rules.units import ALBUMIN, BILIRUBIN, albumin_g_l, bilirubin_umol_l

ChildPughClass = Literal["A", "B", "C"]
AlbiGrade = Literal[1, 2, 3]

ASCITES_POINTS = {"none": 1, "mild": 2, "moderate_severe": 3}
ENCEPHALOPATHY_POINTS = {"none": 1, "grade_1_2": 2, "grade_3_4": 3}

# (2-point lower bound, 2-point upper bound), both inclusive, per canonical unit.
_BILIRUBIN_CUTS = {"mg/dL": (2.0, 3.0), "umol/L": (34.0, 51.0)}
_ALBUMIN_CUTS = {"g/dL": (2.8, 3.5), "g/L": (28.0, 35.0)}
_INR_CUTS = (1.7, 2.3)

ALBI_GRADE_1_MAX = -2.60
ALBI_GRADE_2_MAX = -1.39
# Grading ignores binary floating-point noise far below any reported precision, so a
# score that is mathematically on a cut-off is not pushed over it.
_ALBI_GRADING_DECIMALS = 10


@dataclass(frozen=True, slots=True)
class ChildPugh:
    """Child-Pugh points per item, total (5-15) and class."""

    bilirubin_points: int
    albumin_points: int
    inr_points: int
    ascites_points: int
    encephalopathy_points: int
    total: int
    class_: ChildPughClass

    @property
    def label(self) -> str:
        """Class and total as written in charts, e.g. ``"B7"``."""
        return f"{self.class_}{self.total}"


@dataclass(frozen=True, slots=True)
class Albi:
    """ALBI score (unrounded) and grade 1-3."""

    score: float
    grade: AlbiGrade


def _require_positive(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number greater than 0, got {value!r}")


def _require_code(name: str, code: str, allowed: dict[str, int]) -> int:
    if code not in allowed:
        raise ValueError(f"unknown {name} code {code!r}; allowed codes: {', '.join(allowed)}")
    return allowed[code]


def _check_units(bilirubin_unit: str | None, albumin_unit: str | None) -> None:
    """An unknown unit is an error even while its value is still blank."""
    if bilirubin_unit is not None:
        BILIRUBIN.canonical_unit(bilirubin_unit)
    if albumin_unit is not None:
        ALBUMIN.canonical_unit(albumin_unit)


def _missing_with_units(**pairs: tuple[float | None, str | None]) -> tuple[str, ...]:
    """Missing values, plus a unit when its value is present without one."""
    missing: list[str] = []
    for name, (value, unit) in pairs.items():
        if value is None:
            missing.append(name)
        elif unit is None:
            missing.append(f"{name}_unit")
    return tuple(missing)


def bmi(weight_kg: float | None, height_cm: float | None) -> Derived[float]:
    """Body-mass index in kg/m^2; the unit is in each parameter's name, never guessed."""
    if weight_kg is None or height_cm is None:
        return NotComputable(missing_inputs(weight_kg=weight_kg, height_cm=height_cm))
    _require_positive("weight_kg", weight_kg)
    _require_positive("height_cm", height_cm)
    height_m = height_cm / 100.0
    return Computed(weight_kg / (height_m * height_m))


def _middle_band_points(value: float, low: float, high: float) -> int:
    """1 below ``low``, 2 within ``[low, high]``, 3 above ``high``."""
    if value < low:
        return 1
    return 2 if value <= high else 3


def bilirubin_points(value: float, unit: str) -> int:
    """Child-Pugh bilirubin points, scored in the unit given."""
    _require_positive("bilirubin", value)
    low, high = _BILIRUBIN_CUTS[BILIRUBIN.canonical_unit(unit)]
    return _middle_band_points(value, low, high)


def albumin_points(value: float, unit: str) -> int:
    """Child-Pugh albumin points (higher albumin is better), scored in the unit given."""
    _require_positive("albumin", value)
    low, high = _ALBUMIN_CUTS[ALBUMIN.canonical_unit(unit)]
    return 4 - _middle_band_points(value, low, high)


def inr_points(value: float) -> int:
    """Child-Pugh INR points."""
    _require_positive("inr", value)
    return _middle_band_points(value, *_INR_CUTS)


def child_pugh_class(total: int) -> ChildPughClass:
    """Class A for 5-6 points, B for 7-9, C for 10-15."""
    if not 5 <= total <= 15:
        raise ValueError(f"a Child-Pugh total is 5 to 15, got {total}")
    if total <= 6:
        return "A"
    return "B" if total <= 9 else "C"


def child_pugh(
    bilirubin: float | None,
    bilirubin_unit: str | None,
    albumin: float | None,
    albumin_unit: str | None,
    inr: float | None,
    ascites: str | None,
    encephalopathy: str | None,
) -> Derived[ChildPugh]:
    """Child-Pugh score and class; ascites and encephalopathy use the study's codes."""
    _check_units(bilirubin_unit, albumin_unit)
    if ascites is not None:
        _require_code("ascites", ascites, ASCITES_POINTS)
    if encephalopathy is not None:
        _require_code("encephalopathy", encephalopathy, ENCEPHALOPATHY_POINTS)
    if (
        bilirubin is None
        or bilirubin_unit is None
        or albumin is None
        or albumin_unit is None
        or inr is None
        or ascites is None
        or encephalopathy is None
    ):
        return NotComputable(
            _missing_with_units(
                bilirubin=(bilirubin, bilirubin_unit), albumin=(albumin, albumin_unit)
            )
            + missing_inputs(inr=inr, ascites=ascites, encephalopathy=encephalopathy)
        )
    points = (
        bilirubin_points(bilirubin, bilirubin_unit),
        albumin_points(albumin, albumin_unit),
        inr_points(inr),
        ASCITES_POINTS[ascites],
        ENCEPHALOPATHY_POINTS[encephalopathy],
    )
    total = sum(points)
    return Computed(ChildPugh(*points, total=total, class_=child_pugh_class(total)))


def albi_grade(score: float) -> AlbiGrade:
    """Grade 1 if score <= -2.60, grade 2 if <= -1.39, otherwise grade 3."""
    rounded = round(score, _ALBI_GRADING_DECIMALS)
    if rounded <= ALBI_GRADE_1_MAX:
        return 1
    return 2 if rounded <= ALBI_GRADE_2_MAX else 3


def albi(
    bilirubin: float | None,
    bilirubin_unit: str | None,
    albumin: float | None,
    albumin_unit: str | None,
) -> Derived[Albi]:
    """ALBI = 0.66 x log10(bilirubin umol/L) - 0.085 x albumin g/L, with its grade."""
    _check_units(bilirubin_unit, albumin_unit)
    if bilirubin is None or bilirubin_unit is None or albumin is None or albumin_unit is None:
        return NotComputable(
            _missing_with_units(
                bilirubin=(bilirubin, bilirubin_unit), albumin=(albumin, albumin_unit)
            )
        )
    _require_positive("bilirubin", bilirubin)
    _require_positive("albumin", albumin)
    score = 0.66 * math.log10(bilirubin_umol_l(bilirubin, bilirubin_unit)) - 0.085 * albumin_g_l(
        albumin, albumin_unit
    )
    return Computed(Albi(score=score, grade=albi_grade(score)))
