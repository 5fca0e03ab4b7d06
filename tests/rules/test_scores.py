"""BMI, Child-Pugh and ALBI, including every class boundary."""

from __future__ import annotations

import pytest

from rego_desktop.rules.derived import Computed, NotComputable
from rego_desktop.rules.scores import (
    ChildPugh,
    albi,
    albi_grade,
    albumin_points,
    bilirubin_points,
    bmi,
    child_pugh,
    child_pugh_class,
    inr_points,
)

# bilirubin, unit, albumin, unit, INR, ascites, encephalopathy
ChildPughInputs = tuple[
    float | None, str | None, float | None, str | None, float | None, str | None, str | None
]

# ---------------------------------------------------------------- BMI


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "expected"),
    [
        pytest.param(70.0, 175.0, 22.857142857142858, id="worked_example_70kg_175cm"),
        pytest.param(50.0, 160.0, 19.53125, id="50kg_160cm"),
        pytest.param(90.0, 150.0, 40.0, id="90kg_150cm"),
    ],
)
def test_bmi(weight_kg: float, height_cm: float, expected: float) -> None:
    result = bmi(weight_kg, height_cm)
    assert isinstance(result, Computed)
    assert result.value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "missing"),
    [
        pytest.param(None, 170.0, ("weight_kg",), id="no_weight"),
        pytest.param(60.0, None, ("height_cm",), id="no_height"),
        pytest.param(None, None, ("weight_kg", "height_cm"), id="neither"),
    ],
)
def test_bmi_not_computable(
    weight_kg: float | None, height_cm: float | None, missing: tuple[str, ...]
) -> None:
    assert bmi(weight_kg, height_cm) == NotComputable(missing)


@pytest.mark.parametrize(
    ("weight_kg", "height_cm"),
    [pytest.param(70.0, 0.0, id="zero_height"), pytest.param(-1.0, 170.0, id="negative_weight")],
)
def test_bmi_refuses_impossible_values(weight_kg: float, height_cm: float) -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        bmi(weight_kg, height_cm)


# ---------------------------------------------------------------- Child-Pugh items


@pytest.mark.parametrize(
    ("value", "unit", "points"),
    [
        pytest.param(1.99, "mg/dL", 1, id="mgdl_below_2"),
        pytest.param(2.0, "mg/dL", 2, id="mgdl_exactly_2"),
        pytest.param(3.0, "mg/dL", 2, id="mgdl_exactly_3"),
        pytest.param(3.01, "mg/dL", 3, id="mgdl_above_3"),
        pytest.param(33.9, "umol/L", 1, id="umol_below_34"),
        pytest.param(34.0, "umol/L", 2, id="umol_exactly_34_not_converted"),
        pytest.param(51.0, "umol/L", 2, id="umol_exactly_51"),
        pytest.param(51.1, "umol/L", 3, id="umol_above_51"),
    ],
)
def test_bilirubin_points(value: float, unit: str, points: int) -> None:
    assert bilirubin_points(value, unit) == points


@pytest.mark.parametrize(
    ("value", "unit", "points"),
    [
        pytest.param(3.6, "g/dL", 1, id="gdl_above_3_5"),
        pytest.param(3.5, "g/dL", 2, id="gdl_exactly_3_5"),
        pytest.param(2.8, "g/dL", 2, id="gdl_exactly_2_8"),
        pytest.param(2.79, "g/dL", 3, id="gdl_below_2_8"),
        pytest.param(35.1, "g/L", 1, id="gl_above_35"),
        pytest.param(35.0, "g/L", 2, id="gl_exactly_35"),
        pytest.param(28.0, "g/L", 2, id="gl_exactly_28"),
        pytest.param(27.9, "g/L", 3, id="gl_below_28"),
    ],
)
def test_albumin_points(value: float, unit: str, points: int) -> None:
    assert albumin_points(value, unit) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [
        pytest.param(1.69, 1, id="below_1_7"),
        pytest.param(1.7, 2, id="exactly_1_7"),
        pytest.param(2.3, 2, id="exactly_2_3"),
        pytest.param(2.31, 3, id="above_2_3"),
    ],
)
def test_inr_points(value: float, points: int) -> None:
    assert inr_points(value) == points


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        pytest.param(5, "A", id="5_A"),
        pytest.param(6, "A", id="6_A"),
        pytest.param(7, "B", id="7_B"),
        pytest.param(9, "B", id="9_B"),
        pytest.param(10, "C", id="10_C"),
        pytest.param(15, "C", id="15_C"),
    ],
)
def test_child_pugh_class(total: int, expected: str) -> None:
    assert child_pugh_class(total) == expected


@pytest.mark.parametrize("total", [4, 16])
def test_child_pugh_class_refuses_impossible_totals(total: int) -> None:
    with pytest.raises(ValueError, match="5 to 15"):
        child_pugh_class(total)


# ---------------------------------------------------------------- Child-Pugh overall


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        pytest.param(
            (1.0, "mg/dL", 4.0, "g/dL", 1.0, "none", "none"),
            ChildPugh(1, 1, 1, 1, 1, 5, "A"),
            id="A5_all_normal",
        ),
        pytest.param(
            (2.0, "mg/dL", 4.0, "g/dL", 1.1, "none", "none"),
            ChildPugh(2, 1, 1, 1, 1, 6, "A"),
            id="A6_bilirubin_exactly_2",
        ),
        pytest.param(
            (2.0, "mg/dL", 3.0, "g/dL", 1.1, "none", "none"),
            ChildPugh(2, 2, 1, 1, 1, 7, "B"),
            id="B7_first_B",
        ),
        pytest.param(
            (40.0, "umol/L", 30.0, "g/L", 2.0, "mild", "none"),
            ChildPugh(2, 2, 2, 2, 1, 9, "B"),
            id="B9_last_B",
        ),
        pytest.param(
            (60.0, "umol/L", 30.0, "g/L", 2.0, "mild", "none"),
            ChildPugh(3, 2, 2, 2, 1, 10, "C"),
            id="C10_first_C",
        ),
        pytest.param(
            (85.0, "umol/L", 2.5, "g/dL", 2.6, "moderate_severe", "grade_3_4"),
            ChildPugh(3, 3, 3, 3, 3, 15, "C"),
            id="C15_worst",
        ),
        pytest.param(
            (20.0, "µmol/L", 38.0, "g/L", 1.2, "none", "grade_1_2"),
            ChildPugh(1, 1, 1, 1, 2, 6, "A"),
            id="A6_encephalopathy_micro_sign_unit",
        ),
    ],
)
def test_child_pugh(
    inputs: tuple[float, str, float, str, float, str, str], expected: ChildPugh
) -> None:
    result = child_pugh(*inputs)
    assert result == Computed(expected)
    assert isinstance(result, Computed)
    assert result.value.label == f"{expected.class_}{expected.total}"


@pytest.mark.parametrize(
    ("inputs", "missing"),
    [
        pytest.param((1.0, "mg/dL", 4.0, "g/dL", None, "none", "none"), ("inr",), id="no_inr"),
        pytest.param(
            (1.0, None, 4.0, "g/dL", 1.0, "none", "none"),
            ("bilirubin_unit",),
            id="bilirubin_without_unit",
        ),
        pytest.param(
            (None, None, None, None, None, None, None),
            ("bilirubin", "albumin", "inr", "ascites", "encephalopathy"),
            id="nothing_entered",
        ),
        pytest.param(
            (1.0, "mg/dL", 40.0, None, 1.0, None, "none"),
            ("albumin_unit", "ascites"),
            id="albumin_unit_and_ascites",
        ),
    ],
)
def test_child_pugh_not_computable(
    inputs: ChildPughInputs,
    missing: tuple[str, ...],
) -> None:
    assert child_pugh(*inputs) == NotComputable(missing)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        pytest.param(
            (1.0, "mg/dL", 4.0, "g/dL", 1.0, "severe", "none"),
            "unknown ascites code 'severe'; allowed codes: none, mild, moderate_severe",
            id="unknown_ascites",
        ),
        pytest.param(
            (1.0, "mg/dL", 4.0, "g/dL", 1.0, "none", "grade_2"),
            "unknown encephalopathy code 'grade_2'",
            id="unknown_encephalopathy",
        ),
        pytest.param(
            (None, "mmol/L", 4.0, "g/dL", 1.0, "none", "none"),
            "unknown bilirubin unit 'mmol/L'; allowed units: umol/L, mg/dL",
            id="unknown_unit_even_without_value",
        ),
        pytest.param(
            (1.0, "mg/dL", 4.0, "g/dL", 0.0, "none", "none"),
            "inr must be a number greater than 0",
            id="inr_zero",
        ),
    ],
)
def test_child_pugh_refuses_bad_input(inputs: ChildPughInputs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        child_pugh(*inputs)


# ---------------------------------------------------------------- ALBI


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        pytest.param(-3.5, 1, id="well_below"),
        pytest.param(-2.61, 1, id="just_below_grade1_cut"),
        pytest.param(-2.60, 1, id="exactly_minus_2_60"),
        pytest.param(-2.5999, 2, id="just_above_minus_2_60"),
        pytest.param(-1.39, 2, id="exactly_minus_1_39"),
        pytest.param(-1.3899, 3, id="just_above_minus_1_39"),
        pytest.param(0.0, 3, id="zero"),
    ],
)
def test_albi_grade(score: float, grade: int) -> None:
    assert albi_grade(score) == grade


@pytest.mark.parametrize(
    ("inputs", "score", "grade"),
    [
        pytest.param((10.0, "umol/L", 40.0, "g/L"), -2.74, 1, id="umol_gl"),
        pytest.param((10.0 / 17.104, "mg/dL", 4.0, "g/dL"), -2.74, 1, id="same_in_mgdl_gdl"),
        pytest.param((2.0, "mg/dL", 3.0, "g/dL"), -1.5374757288710688, 2, id="grade2"),
        pytest.param((50.0, "umol/L", 25.0, "g/L"), -1.0036797971382276, 3, id="grade3"),
        # Mathematically -2.60 and -1.39 exactly; floating point gives -2.599999999999999.
        pytest.param((10.0, "umol/L", 3.26 / 0.085, "g/L"), -2.60, 1, id="on_minus_2_60"),
        pytest.param((10.0, "umol/L", 2.05 / 0.085, "g/L"), -1.39, 2, id="on_minus_1_39"),
    ],
)
def test_albi(inputs: tuple[float, str, float, str], score: float, grade: int) -> None:
    result = albi(*inputs)
    assert isinstance(result, Computed)
    assert result.value.score == pytest.approx(score, abs=1e-12)
    assert result.value.grade == grade


@pytest.mark.parametrize(
    ("inputs", "missing"),
    [
        pytest.param((None, "umol/L", 40.0, "g/L"), ("bilirubin",), id="no_bilirubin"),
        pytest.param((10.0, "umol/L", None, None), ("albumin",), id="no_albumin"),
        pytest.param((10.0, "umol/L", 40.0, None), ("albumin_unit",), id="no_albumin_unit"),
    ],
)
def test_albi_not_computable(
    inputs: tuple[float | None, str | None, float | None, str | None], missing: tuple[str, ...]
) -> None:
    assert albi(*inputs) == NotComputable(missing)


def test_albi_refuses_zero_bilirubin() -> None:
    with pytest.raises(ValueError, match="bilirubin must be a number greater than 0"):
        albi(0.0, "umol/L", 40.0, "g/L")
