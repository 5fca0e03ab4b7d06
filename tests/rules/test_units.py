"""Explicit unit conversion: known factors, no guessing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rego_desktop.rules import units


@pytest.mark.parametrize(
    ("convert", "value", "unit", "expected"),
    [
        pytest.param(units.bilirubin_umol_l, 1.0, "mg/dL", 17.104, id="bili_1mgdl_to_umol"),
        pytest.param(units.bilirubin_umol_l, 2.0, "mg/dL", 34.208, id="bili_2mgdl_to_umol"),
        pytest.param(units.bilirubin_mg_dl, 51.312, "umol/L", 3.0, id="bili_umol_to_mgdl"),
        pytest.param(units.bilirubin_mg_dl, 2.5, "mg/dL", 2.5, id="bili_same_unit"),
        pytest.param(units.bilirubin_umol_l, 17.104, "µmol/L", 17.104, id="bili_micro_sign"),
        pytest.param(units.bilirubin_mg_dl, 17.104, "μmol/L", 1.0, id="bili_greek_mu"),
        pytest.param(units.albumin_g_l, 3.5, "g/dL", 35.0, id="alb_gdl_to_gl"),
        pytest.param(units.albumin_g_dl, 28.0, "g/L", 2.8, id="alb_gl_to_gdl"),
        pytest.param(units.albumin_g_l, 41.0, "g/L", 41.0, id="alb_same_unit"),
        pytest.param(units.creatinine_umol_l, 1.0, "mg/dL", 88.42, id="crea_mgdl_to_umol"),
        pytest.param(units.creatinine_mg_dl, 176.84, "umol/L", 2.0, id="crea_umol_to_mgdl"),
    ],
)
def test_conversion(
    convert: Callable[[float, str], float], value: float, unit: str, expected: float
) -> None:
    assert convert(value, unit) == pytest.approx(expected, rel=1e-12)


def test_round_trip_is_stable() -> None:
    there = units.bilirubin_umol_l(1.7, "mg/dL")
    assert units.bilirubin_mg_dl(there, "umol/L") == pytest.approx(1.7, rel=1e-12)


@pytest.mark.parametrize(
    ("convert", "unit", "allowed"),
    [
        pytest.param(units.bilirubin_umol_l, "mmol/L", "umol/L, mg/dL", id="bili_mmol"),
        pytest.param(units.bilirubin_umol_l, "mg/dl", "umol/L, mg/dL", id="bili_lowercase_dl"),
        pytest.param(units.albumin_g_l, "mg/dL", "g/L, g/dL", id="alb_wrong_unit"),
        pytest.param(units.creatinine_mg_dl, "", "umol/L, mg/dL", id="crea_blank_unit"),
    ],
)
def test_unknown_unit_names_the_allowed_units(
    convert: Callable[[float, str], float], unit: str, allowed: str
) -> None:
    with pytest.raises(ValueError, match=f"allowed units: {allowed}$"):
        convert(1.0, unit)
