"""Invariants of the Kaplan-Meier fit that hold for any input."""

from hypothesis import given, settings
from hypothesis import strategies as st

from rego_desktop.endpoints import kaplan_meier

subjects = st.lists(
    st.tuples(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=1)),
    min_size=1,
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(subjects)
def test_curve_invariants(data: list[tuple[int, int]]) -> None:
    durations = [float(d) for d, _ in data]
    events = [e for _, e in data]
    km = kaplan_meier(durations, events)

    assert km.timeline[0] == 0.0
    assert list(km.timeline) == sorted(set(km.timeline))
    assert sum(km.observed) == km.events == sum(events)
    assert sum(km.observed) + sum(km.censored) == km.n == len(data)
    for i in range(1, len(km.timeline)):
        # Everyone at risk at t[i-1] either left at t[i-1] or is still at risk.
        assert km.at_risk[i] == km.at_risk[i - 1] - km.observed[i - 1] - km.censored[i - 1]
        assert km.survival[i] <= km.survival[i - 1]
    for s, lower, upper in zip(km.survival, km.ci_lower, km.ci_upper, strict=True):
        assert 0.0 <= lower <= s <= upper <= 1.0


@settings(max_examples=200, deadline=None)
@given(subjects)
def test_median_and_its_ci_are_where_the_curves_cross_half(data: list[tuple[int, int]]) -> None:
    km = kaplan_meier([float(d) for d, _ in data], [e for _, e in data])
    lower_limit, upper_limit = km.median_ci95
    if km.median is None:
        assert km.survival[-1] > 0.5 - 1e-12
        assert upper_limit is None
    else:
        before = [s for t, s in zip(km.timeline, km.survival, strict=True) if t < km.median]
        assert km.survival_at(km.median) <= 0.5 + 1e-12
        assert all(s > 0.5 - 1e-12 for s in before)
        # The lower band sits below S, so it crosses 0.5 no later than S does.
        assert lower_limit is not None
        assert lower_limit <= km.median
        assert upper_limit is None or upper_limit >= km.median
