"""Exact (Clopper-Pearson) intervals for response rates."""

import math

import pytest
from scipy import stats  # type: ignore[import-untyped]

from rego_desktop.endpoints import Proportion, clopper_pearson, proportion

TOLERANCE = 1e-8


def scipy_exact(x: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
    return float(ci.low), float(ci.high)


def scipy_beta(x: int, n: int, alpha: float) -> tuple[float, float]:
    # Beta quantiles directly; scipy gives NaN for the degenerate ends.
    lower = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
    upper = 1.0 if x == n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lower, upper


@pytest.mark.parametrize("n", range(1, 41))
def test_every_count_up_to_n_matches_scipy_binomtest(n: int) -> None:
    for x in range(n + 1):
        assert clopper_pearson(x, n) == pytest.approx(scipy_exact(x, n), abs=TOLERANCE)


@pytest.mark.parametrize("n", [57, 100, 250, 999, 5000, 100_000])
def test_larger_samples_match_scipy(n: int) -> None:
    counts = sorted({0, 1, 2, 3, n // 10, n // 3, n // 2, n - 3, n - 1, n})
    for x in counts:
        assert clopper_pearson(x, n) == pytest.approx(scipy_exact(x, n), abs=TOLERANCE)


@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.2])
def test_other_confidence_levels_match_beta_quantiles(alpha: float) -> None:
    for n in (1, 7, 30, 200):
        for x in range(0, n + 1, max(1, n // 9)):
            expected = scipy_beta(x, n, alpha)
            assert clopper_pearson(x, n, alpha) == pytest.approx(expected, abs=TOLERANCE)


def test_textbook_values() -> None:
    # 5/10: the classic exact interval (0.1871, 0.8129), symmetric about 1/2.
    lower, upper = clopper_pearson(5, 10)
    assert (lower, upper) == pytest.approx((0.187086, 0.812914), abs=1e-6)
    assert lower + upper == pytest.approx(1.0, abs=1e-12)
    # 0/10: upper = 1 - 0.025^(1/10) = 1 - 0.691503 = 0.308497.
    assert clopper_pearson(0, 10) == pytest.approx((0.0, 0.308497), abs=1e-6)
    # 10/10: lower = 0.025^(1/10) = 0.691503.
    assert clopper_pearson(10, 10) == pytest.approx((0.691503, 1.0), abs=1e-6)
    # 1/1: lower = 0.025; 0/1: upper = 0.975.
    assert clopper_pearson(1, 1) == pytest.approx((0.025, 1.0), abs=1e-15)
    assert clopper_pearson(0, 1) == pytest.approx((0.0, 0.975), abs=1e-15)
    # 1/20: (0.0013, 0.2487), as in exact-interval tables.
    assert clopper_pearson(1, 20) == pytest.approx((0.001265, 0.248733), abs=1e-6)


def test_interval_brackets_the_rate_and_edges_are_exact() -> None:
    for n in (1, 2, 13, 80):
        for x in range(n + 1):
            lower, upper = clopper_pearson(x, n)
            assert 0.0 <= lower <= x / n <= upper <= 1.0
            assert (lower == 0.0) == (x == 0)
            assert (upper == 1.0) == (x == n)


def test_proportion_record() -> None:
    orr = proportion(3, 12)
    assert orr == Proportion(n=12, count=3, rate=0.25, ci95=clopper_pearson(3, 12))
    assert orr.ci95 == pytest.approx((0.054861, 0.571858), abs=1e-6)
    with pytest.raises(AttributeError):
        orr.rate = 0.5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("successes", "n", "alpha", "message"),
    [
        (0, 0, 0.05, "at least one patient"),
        (1, -3, 0.05, "at least one patient"),
        (-1, 10, 0.05, "between 0 and n=10"),
        (11, 10, 0.05, "between 0 and n=10"),
        (1, 10, 0.0, "alpha"),
        (1, 10, 1.0, "alpha"),
        (1, 10, math.nan, "alpha"),
    ],
)
def test_invalid_arguments(successes: int, n: int, alpha: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clopper_pearson(successes, n, alpha)


def test_proportion_without_patients_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one patient"):
        proportion(0, 0)


def test_non_integer_counts_are_rejected() -> None:
    with pytest.raises(TypeError):
        clopper_pearson(2.5, 10)  # type: ignore[arg-type]
