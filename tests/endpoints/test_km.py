"""Kaplan-Meier on small data sets worked out by hand.

Band arithmetic used throughout (log(-log) transform, Greenwood variance V):
    sigma = sqrt(V) / -log(S)
    lower = S ** exp(+z * sigma),  upper = S ** exp(-z * sigma),  z = 1.959964
"""

import math

import pytest

from rego_desktop.endpoints import DAYS_PER_MONTH, KaplanMeier, kaplan_meier
from rego_desktop.endpoints.km import Z_95


def test_z_is_the_two_sided_95_percent_normal_quantile() -> None:
    # Phi(1.959964) = 0.975, via erf: Phi(z) = (1 + erf(z / sqrt 2)) / 2.
    assert (1 + math.erf(Z_95 / math.sqrt(2))) / 2 == pytest.approx(0.975, abs=1e-15)


# Six patients, ties and censoring (E = event, C = censored):
#   2E, 3E, 3C, 5E, 7E, 7C
#   t  at risk  d  c   S                         Greenwood V
#   0     6     0  0   1                         0
#   2     6     1  0   5/6             = 0.8333  1/(6*5)            = 1/30
#   3     5     1  1   5/6 * 4/5       = 0.6667  1/30 + 1/(5*4)     = 1/12
#   5     3     1  0   2/3 * 2/3 = 4/9 = 0.4444  1/12 + 1/(3*2)     = 1/4
#   7     2     1  1   4/9 * 1/2 = 2/9 = 0.2222  1/4 + 1/(2*1)      = 3/4
# Band:
#   t=2: -log S = 0.182322, sigma = 0.182574/0.182322 = 1.001386,
#        exp(z sigma) = 7.118377 -> lower = (5/6)^7.118377 = 0.273123
#        exp(-z sigma) = 0.140481 -> upper = (5/6)^0.140481 = 0.974712
#   t=3: sigma = 0.288675/0.405465 = 0.711960 -> lower 0.194617, upper 0.904434
#   t=5: sigma = 0.5/0.810930 = 0.616576      -> lower 0.066187, upper 0.784908
#   t=7: sigma = 0.866025/1.504077 = 0.575785 -> lower 0.009569, upper 0.614721
# Median: first S <= 0.5 is 4/9 at t=5.
# Median CI: lower band first <= 0.5 at t=2; upper band never <= 0.5 -> None.
SIX_DURATIONS = [2, 3, 3, 5, 7, 7]
SIX_EVENTS = [1, 1, 0, 1, 1, 0]


@pytest.fixture
def six() -> KaplanMeier:
    return kaplan_meier(SIX_DURATIONS, SIX_EVENTS)


def test_six_patients_life_table(six: KaplanMeier) -> None:
    assert six.n == 6
    assert six.events == 4
    assert six.timeline == (0.0, 2.0, 3.0, 5.0, 7.0)
    assert six.at_risk == (6, 6, 5, 3, 2)
    assert six.observed == (0, 1, 1, 1, 1)
    assert six.censored == (0, 0, 1, 0, 1)


def test_six_patients_survival_and_band(six: KaplanMeier) -> None:
    assert six.survival == pytest.approx([1, 5 / 6, 2 / 3, 4 / 9, 2 / 9], abs=1e-15)
    assert six.ci_lower == pytest.approx(
        [1.0, 0.2731228499, 0.1946166368, 0.0661867531, 0.0095691365], abs=1e-9
    )
    assert six.ci_upper == pytest.approx(
        [1.0, 0.9747124267, 0.9044341643, 0.7849083671, 0.6147205233], abs=1e-9
    )


def test_six_patients_median(six: KaplanMeier) -> None:
    assert six.median == 5.0
    assert six.median_ci95 == (2.0, None)


def test_six_patients_step_function_is_right_continuous(six: KaplanMeier) -> None:
    assert six.survival_at(-1.0) == 1.0
    assert six.survival_at(0.0) == 1.0
    assert six.survival_at(1.999) == 1.0
    assert six.survival_at(2.0) == pytest.approx(5 / 6)
    assert six.survival_at(4.5) == pytest.approx(2 / 3)
    assert six.survival_at(7.0) == pytest.approx(2 / 9)
    assert six.survival_at(1000.0) == pytest.approx(2 / 9)
    assert six.ci_at(1.0) == (1.0, 1.0)
    assert six.ci_at(3.5) == pytest.approx((0.1946166368, 0.9044341643), abs=1e-9)


def test_six_patients_number_at_risk(six: KaplanMeier) -> None:
    # Subjects with duration >= t.
    assert six.at_risk_at(-5.0) == 6
    assert six.at_risk_at(0.0) == 6
    assert six.at_risk_at(2.0) == 6
    assert six.at_risk_at(2.5) == 5
    assert six.at_risk_at(3.0) == 5
    assert six.at_risk_at(3.5) == 3
    assert six.at_risk_at(7.0) == 2
    assert six.at_risk_at(7.5) == 0


def test_six_patients_rates_stop_at_last_follow_up(six: KaplanMeier) -> None:
    assert six.rate_at(4.0) == pytest.approx((2 / 3, 0.1946166368, 0.9044341643), abs=1e-9)
    assert six.rate_at(7.0) == pytest.approx((2 / 9, 0.0095691365, 0.6147205233), abs=1e-9)
    assert six.last_time == 7.0
    assert six.rate_at(7.001) is None


# Ten patients, events at days 1..10, nobody censored: S(k) = (10 - k)/10 and
# V(k) = sum_{j<k} 1/((10-j)(9-j)) = k / (10 (10 - k)).
#   k  S    lower     upper
#   1  0.9  0.473009  0.985281   <- lower band first <= 0.5: CI starts at 1
#   5  0.5  0.183606  0.753174   <- median: S exactly 1/2
#   7  0.3  0.071134  0.577867
#   8  0.2  0.030909  0.474715   <- upper band first <= 0.5: CI ends at 8
#  10  0    0         0          <- everyone died: band collapses to (0, 0)
def test_all_events_distinct_times_median_and_ci() -> None:
    km = kaplan_meier(list(range(1, 11)), [1] * 10)
    assert km.survival[1:] == pytest.approx([0.9 - k / 10 for k in range(10)], abs=1e-15)
    assert km.ci_lower[8] == pytest.approx(0.030909, abs=1e-6)
    assert km.ci_upper[7] == pytest.approx(0.577867, abs=1e-6)
    assert km.ci_upper[8] == pytest.approx(0.474715, abs=1e-6)
    assert (km.ci_lower[10], km.ci_upper[10]) == (0.0, 0.0)
    assert km.median == 5.0
    assert km.median_ci95 == (1.0, 8.0)


# Four patients, 1E then three censored: S = 3/4 from t=1 on, V = 1/(4*3) = 1/12,
# sigma = 0.288675/0.287682 = 1.003452 -> lower = 0.75^7.147264 = 0.127947,
# upper = 0.75^0.139914 = 0.960549. S never reaches 0.5 and neither does the upper band.
def test_median_not_reached() -> None:
    km = kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])
    assert km.survival == pytest.approx([1, 0.75, 0.75, 0.75, 0.75])
    assert km.ci_lower[1] == pytest.approx(0.1279469176, abs=1e-9)
    assert km.ci_upper[1] == pytest.approx(0.9605486423, abs=1e-9)
    assert km.median is None
    assert km.median_ci95 == (1.0, None)


def test_all_censored() -> None:
    km = kaplan_meier([3, 1, 4, 1, 5], [0, 0, 0, 0, 0])
    assert km.events == 0
    assert km.timeline == (0.0, 1.0, 3.0, 4.0, 5.0)
    assert km.at_risk == (5, 5, 3, 2, 1)
    assert km.censored == (0, 2, 1, 1, 1)
    assert set(km.survival) == {1.0}
    assert set(km.ci_lower) == set(km.ci_upper) == {1.0}
    assert km.median is None
    assert km.median_ci95 == (None, None)
    assert km.rate_at(5.0) == (1.0, 1.0, 1.0)


# Three patients all die on day 4: S = 1 then (3-3)/3 = 0. Median 4; at S = 0
# both band curves are 0, so the median CI is (4, 4).
def test_all_events_at_the_same_time() -> None:
    km = kaplan_meier([4, 4, 4], [1, 1, 1])
    assert km.timeline == (0.0, 4.0)
    assert km.survival == (1.0, 0.0)
    assert (km.ci_lower, km.ci_upper) == ((1.0, 0.0), (1.0, 0.0))
    assert km.median == 4.0
    assert km.median_ci95 == (4.0, 4.0)
    assert km.rate_at(4.0) == (0.0, 0.0, 0.0)
    assert km.rate_at(4.5) is None


def test_single_patient_with_event() -> None:
    km = kaplan_meier([30.0], [1])
    assert (km.n, km.events) == (1, 1)
    assert km.survival == (1.0, 0.0)
    assert km.median == 30.0
    assert km.median_ci95 == (30.0, 30.0)


def test_single_patient_censored() -> None:
    km = kaplan_meier([30.0], [0])
    assert (km.n, km.events) == (1, 0)
    assert km.survival == (1.0, 1.0)
    assert km.median is None
    assert km.median_ci95 == (None, None)


# An event at time 0 merges with the time-0 row: S(0) = (2-1)/2 = 1/2, so the
# median is 0. V = 1/(2*1) = 1/2, sigma = 0.707107/0.693147 = 1.020140:
# exp(z sigma) = 7.384894 -> lower = 0.5^7.384894 = 0.005983,
# exp(-z sigma) = 0.135412 -> upper = 0.5^0.135412 = 0.910410.
def test_event_at_time_zero() -> None:
    km = kaplan_meier([0, 5], [1, 0])
    assert km.timeline == (0.0, 5.0)
    assert km.at_risk == (2, 1)
    assert km.survival == (0.5, 0.5)
    assert km.survival_at(-0.5) == 1.0
    assert km.ci_lower[0] == pytest.approx(0.005983, abs=1e-6)
    assert km.ci_upper[0] == pytest.approx(0.910410, abs=1e-6)
    assert km.median == 0.0
    assert km.median_ci95 == (0.0, None)


# 1E at t=1 of 6, then 2E at t=2 of 5: S(2) = 5/6 * 3/5 = 1/2 exactly, so the
# median is 2. lifelines' exp(sum(log)) gives 0.5000000000000001 here and says
# "not reached"; we decide such ties exactly.
def test_exact_half_is_the_median_despite_float_rounding() -> None:
    km = kaplan_meier([1, 2, 2, 3, 3, 3], [1, 1, 1, 0, 0, 0])
    assert km.survival_at(2) == pytest.approx(0.5, abs=1e-15)
    assert km.median == 2.0


# Days 91E, 183E, 183C, 365E, 400C analysed in months (days / 30.4375):
#   day  91: 5 at risk, 1 death  -> S = 4/5
#   day 183: 4 at risk, 1 death  -> S = 4/5 * 3/4 = 3/5
#   day 365: 2 at risk, 1 death  -> S = 3/5 * 1/2 = 3/10
# 6 months = 182.625 days (before day 183): S = 4/5.
# 12 months = 365.25 days (after day 365): S = 3/10.
# Median: first S <= 1/2 at day 365 = 11.992 months. Follow-up ends at 400 days = 13.142 months.
def test_float_durations_in_months() -> None:
    days = [91, 183, 183, 365, 400]
    km = kaplan_meier([d / DAYS_PER_MONTH for d in days], [1, 1, 0, 1, 0])
    six_months = km.rate_at(6.0)
    twelve_months = km.rate_at(12.0)
    assert six_months is not None
    assert twelve_months is not None
    assert six_months[0] == pytest.approx(0.8)
    assert twelve_months[0] == pytest.approx(0.3)
    assert km.at_risk_at(6.0) == 4
    assert km.at_risk_at(12.0) == 1
    assert km.median == pytest.approx(365 / DAYS_PER_MONTH)
    assert km.rate_at(13.2) is None


def test_result_is_immutable(six: KaplanMeier) -> None:
    with pytest.raises(AttributeError):
        six.median = 1.0  # type: ignore[misc]


def test_accepts_booleans_as_events() -> None:
    assert kaplan_meier([1, 2], [True, False]).events == 1


@pytest.mark.parametrize(
    ("durations", "events", "message"),
    [
        ([], [], "at least one subject"),
        ([1, 2], [1], "same length"),
        ([1, -2], [1, 1], r"durations\[1\] must be a finite number >= 0"),
        ([1, math.nan], [1, 1], r"durations\[1\]"),
        ([math.inf], [1], r"durations\[0\]"),
        ([1, 2], [1, 2], r"events\[1\] must be 1 \(event\) or 0 \(censored\)"),
        ([1, 2], [-1, 0], r"events\[0\]"),
    ],
)
def test_invalid_input_is_rejected(durations: list[float], events: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kaplan_meier(durations, events)


def test_nan_query_time_is_rejected(six: KaplanMeier) -> None:
    with pytest.raises(ValueError, match="NaN"):
        six.survival_at(math.nan)
    with pytest.raises(ValueError, match="NaN"):
        six.at_risk_at(math.nan)
