"""Response rates (ORR, DCR) with exact Clopper-Pearson confidence intervals.

The protocol asks for exact binomial intervals: they never fall outside
[0, 1] and keep their nominal coverage with the small counts seen per site.
"""

import operator
from dataclasses import dataclass

from rego_desktop.endpoints.incomplete_beta import beta_quantile


@dataclass(frozen=True, slots=True)
class Proportion:
    """``count`` of ``n`` patients, with the rate and its exact 95% CI."""

    n: int
    count: int
    rate: float
    ci95: tuple[float, float]


def proportion(count: int, n: int) -> Proportion:
    """Rate ``count / n`` with its Clopper-Pearson 95% interval."""
    lower, upper = clopper_pearson(count, n)
    return Proportion(n=n, count=count, rate=count / n, ci95=(lower, upper))


def clopper_pearson(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact two-sided ``1 - alpha`` interval for a binomial proportion.

    Lower = Beta(alpha/2; x, n-x+1) quantile, upper = Beta(1-alpha/2; x+1, n-x)
    quantile; at x = 0 and x = n the open end is 0 or 1 and the other end has
    the closed form ``(alpha/2) ** (1/n)``.
    """
    x = operator.index(successes)
    n = operator.index(n)
    if n <= 0:
        raise ValueError(f"a proportion needs at least one patient in the denominator, got n={n}")
    if not 0 <= x <= n:
        raise ValueError(f"successes must lie between 0 and n={n}, got {x}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    tail = alpha / 2.0
    if x == 0:
        return 0.0, 1.0 - tail ** (1.0 / n)
    if x == n:
        return tail ** (1.0 / n), 1.0
    return beta_quantile(tail, x, n - x + 1), beta_quantile(1.0 - tail, x + 1, n - x)
