"""Kaplan-Meier estimate with a Greenwood, log(-log) 95% confidence band.

The statisticians check our numbers against lifelines' ``KaplanMeierFitter``
(and R ``survfit(conf.type="log-log")``), so this module reproduces lifelines'
conventions in pure Python; the desktop build ships no numpy or pandas.

Conventions (all from lifelines):

* The timeline holds time 0 and every distinct duration, events or not.
* The band is ``exp(-exp(log(-log S) -/+ z * sqrt(V) / log S))`` with Greenwood's
  ``V = sum d / (r * (r - d))``. Where S is 1 (no event yet) the band is (1, 1);
  where S is 0 (everyone left at risk died) it is (0, 0).
* The median is the smallest time with ``S(t) <= 0.5``; its 95% CI runs from the
  first time the lower band is ``<= 0.5`` to the first time the upper band is.
  Never reached means ``None`` (lifelines says ``inf``).

One deliberate difference: lifelines computes S as ``exp(sum(log(...)))`` and so
may store an exact 0.5 as 0.5000000000000001 and report "median not reached"
(e.g. 6 patients, 1 death at t=1, 2 deaths at t=2: S(2) = 5/6 * 3/5 = 1/2).
We settle such near-ties with exact rational arithmetic instead.
"""

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

Z_95 = 1.959963984540054
"""Two-sided 95% standard normal quantile, as lifelines' ``inv_normal_cdf(0.975)``."""

# Float S this close to 0.5 is re-decided exactly; rounding error is far smaller.
_HALF_TIE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """A fitted Kaplan-Meier curve; per-time tuples are aligned with ``timeline``."""

    n: int
    events: int
    timeline: tuple[float, ...]
    survival: tuple[float, ...]
    ci_lower: tuple[float, ...]
    ci_upper: tuple[float, ...]
    at_risk: tuple[int, ...]
    observed: tuple[int, ...]
    censored: tuple[int, ...]
    median: float | None
    median_ci95: tuple[float | None, float | None]

    @property
    def last_time(self) -> float:
        """Longest follow-up (largest duration)."""
        return self.timeline[-1]

    def survival_at(self, t: float) -> float:
        """S(t) of the right-continuous step function; 1 before time 0."""
        i = self._step_index(t)
        return 1.0 if i < 0 else self.survival[i]

    def ci_at(self, t: float) -> tuple[float, float]:
        """95% band (lower, upper) at ``t``, following the same steps as S."""
        i = self._step_index(t)
        return (1.0, 1.0) if i < 0 else (self.ci_lower[i], self.ci_upper[i])

    def at_risk_at(self, t: float) -> int:
        """Number still at risk at ``t``: subjects with duration >= t."""
        _check_query_time(t)
        i = bisect_left(self.timeline, t)
        return self.at_risk[i] if i < len(self.timeline) else 0

    def rate_at(self, t: float) -> tuple[float, float, float] | None:
        """(S, lower, upper) at ``t``, e.g. the 6- and 12-month rates.

        None when ``t`` lies beyond the longest follow-up: the curve says
        nothing there, so no rate should be reported (R's ``summary.survfit``
        drops such times too).
        """
        _check_query_time(t)
        if t > self.last_time:
            return None
        lower, upper = self.ci_at(t)
        return self.survival_at(t), lower, upper

    def _step_index(self, t: float) -> int:
        """Index of the last timeline point <= t (-1 before time 0)."""
        _check_query_time(t)
        return bisect_right(self.timeline, t) - 1


def kaplan_meier(durations: Sequence[float], events: Sequence[int]) -> KaplanMeier:
    """Fit the Kaplan-Meier curve to right-censored data.

    ``events[i]`` is 1 when subject i had the event at ``durations[i]`` and 0
    when censored then. Durations may be in any unit but must be >= 0.
    """
    observations = _validated(durations, events)
    timeline, at_risk, observed, censored = _event_table(observations)

    survival: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    s = 1.0
    greenwood = 0.0
    band = (1.0, 1.0)
    for r, d in zip(at_risk, observed, strict=True):
        if d == r:
            s = 0.0
            band = (0.0, 0.0)
        elif d:
            s *= (r - d) / r
            greenwood += d / (r * (r - d))
            if s < 1.0:  # _loglog_band written out (a curve has thousands of steps)
                log_s = math.log(s)
                centre = math.log(-log_s)
                half_width = Z_95 * math.sqrt(greenwood) / -log_s
                band = (_exp_neg_exp(centre + half_width), _exp_neg_exp(centre - half_width))
            else:
                band = _loglog_band(s, greenwood)
        # else: no event, the band stays that of the previous time (same s, greenwood)
        survival.append(s)
        lower.append(band[0])
        upper.append(band[1])

    count = len(timeline)
    median_index = _first_index(count, lambda i: _at_most_half(i, survival, at_risk, observed))
    lower_index = _first_index(count, lambda i: lower[i] <= 0.5)
    upper_index = _first_index(count, lambda i: upper[i] <= 0.5)

    def time_or_none(i: int | None) -> float | None:
        return None if i is None else timeline[i]

    return KaplanMeier(
        n=len(observations),
        events=sum(observed),
        timeline=tuple(timeline),
        survival=tuple(survival),
        ci_lower=tuple(lower),
        ci_upper=tuple(upper),
        at_risk=tuple(at_risk),
        observed=tuple(observed),
        censored=tuple(censored),
        median=time_or_none(median_index),
        median_ci95=(time_or_none(lower_index), time_or_none(upper_index)),
    )


def _validated(durations: Sequence[float], events: Sequence[int]) -> list[tuple[float, int]]:
    if len(durations) != len(events):
        raise ValueError(
            f"durations and events must have the same length, got {len(durations)} "
            f"durations and {len(events)} events"
        )
    if len(durations) == 0:
        raise ValueError("Kaplan-Meier needs at least one subject, got no durations")
    times = [float(t) for t in durations]
    if (
        all(math.isfinite(t) for t in times)
        and min(times) >= 0
        and all(type(e) is int and 0 <= e <= 1 for e in events)
    ):  # every observation valid (the usual case): no per-item checks below
        return list(zip(times, events, strict=True))
    observations: list[tuple[float, int]] = []
    for i, (raw_time, event) in enumerate(zip(durations, events, strict=True)):
        time = float(raw_time)
        if not math.isfinite(time) or time < 0:
            raise ValueError(f"durations[{i}] must be a finite number >= 0, got {raw_time!r}")
        if event not in (0, 1):
            raise ValueError(f"events[{i}] must be 1 (event) or 0 (censored), got {event!r}")
        observations.append((time, int(event)))
    return observations


def _event_table(
    observations: list[tuple[float, int]],
) -> tuple[list[float], list[int], list[int], list[int]]:
    """Life table over time 0 and every distinct duration: (time, at risk, events, censored)."""
    every = Counter(time for time, _event in observations)
    events_at = Counter(time for time, event in observations if event)
    timeline = sorted({0.0, *every})
    at_risk: list[int] = []
    observed: list[int] = []
    censored: list[int] = []
    remaining = len(observations)
    for time in timeline:
        n, d = every.get(time, 0), events_at.get(time, 0)
        at_risk.append(remaining)
        observed.append(d)
        censored.append(n - d)
        remaining -= n
    return timeline, at_risk, observed, censored


def _loglog_band(s: float, greenwood: float) -> tuple[float, float]:
    """95% band on the log(-log S) scale, mapped back to S."""
    if s >= 1.0:
        return 1.0, 1.0  # no event yet: lifelines fills the NaN with 1
    if s <= 0.0:
        return 0.0, 0.0
    log_s = math.log(s)
    centre = math.log(-log_s)
    half_width = Z_95 * math.sqrt(greenwood) / -log_s
    return _exp_neg_exp(centre + half_width), _exp_neg_exp(centre - half_width)


def _exp_neg_exp(x: float) -> float:
    # exp(-exp(x)) underflows to 0 long before exp(x) would overflow.
    return 0.0 if x > 700.0 else math.exp(-math.exp(x))


def _at_most_half(i: int, survival: list[float], at_risk: list[int], observed: list[int]) -> bool:
    """Whether S at timeline index ``i`` is <= 0.5, exactly even at a float near-tie."""
    if abs(survival[i] - 0.5) > _HALF_TIE_TOLERANCE:
        return survival[i] < 0.5
    exact = Fraction(1)
    for r, d in zip(at_risk[: i + 1], observed[: i + 1], strict=True):
        exact *= Fraction(r - d, r)
    return exact <= Fraction(1, 2)


def _first_index(count: int, test: Callable[[int], bool]) -> int | None:
    return next((i for i in range(count) if test(i)), None)


def _check_query_time(t: float) -> None:
    if math.isnan(t):
        raise ValueError("time must be a number, got NaN")
