"""Regularized incomplete beta function and its inverse, in pure Python.

Exact (Clopper-Pearson) binomial intervals are beta quantiles; scipy is not
shipped with the desktop app, so the few functions needed live here.
"""

import math

# Relative step at which the continued fraction counts as converged.
_CF_EPSILON = 1e-15
# Lentz's guard against division by zero.
_CF_TINY = 1e-300
# Convergence needs about sqrt(max(a, b)) terms; this covers a, b up to ~1e7.
_CF_MAX_TERMS = 20_000
# Newton converges in a handful of steps; beyond this only bisection is used.
_NEWTON_ITERATIONS = 100
# Bisection from [0, 1] reaches adjacent floats within ~1100 halvings.
_MAX_ITERATIONS = _NEWTON_ITERATIONS + 1_200
# Beyond this the density overflows a float (and below, underflows); bisect there.
_MAX_LOG_DENSITY = 700.0
# A Newton step this small (relative) means the root is found.
_QUANTILE_RELATIVE_TOLERANCE = 4e-16


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the Beta(a, b) distribution function at ``x``.

    Evaluated by the continued fraction of Numerical Recipes (``betacf``),
    switching to ``1 - I_{1-x}(b, a)`` where the fraction would converge slowly.
    """
    if not (a > 0 and b > 0):
        raise ValueError(f"beta parameters must be > 0, got a={a!r}, b={b!r}")
    if math.isnan(x):
        raise ValueError("x must be a number, got NaN")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        a * math.log(x)
        + b * math.log1p(-x)
        - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _continued_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _continued_fraction(1.0 - x, b, a) / b


def beta_quantile(p: float, a: float, b: float) -> float:
    """The x with I_x(a, b) = p: Newton's method inside a shrinking bracket.

    Every evaluation narrows the bracket [low, high] around the root; a Newton
    step that would leave it is replaced by bisection, and after
    ``_NEWTON_ITERATIONS`` only bisection is used, so the search always ends.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must lie strictly between 0 and 1, got {p!r}")
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    low, high = 0.0, 1.0
    x = a / (a + b)  # the mean: inside (0, 1) and usually near the root
    for iteration in range(_MAX_ITERATIONS):
        error = regularized_incomplete_beta(x, a, b) - p
        if error == 0.0:
            return x
        if error < 0.0:
            low = x
        else:
            high = x
        midpoint = 0.5 * (low + high)
        if midpoint <= low or midpoint >= high:
            return x  # bracket down to adjacent floats
        candidate = midpoint
        log_density = (a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_beta
        if iteration < _NEWTON_ITERATIONS and log_density < _MAX_LOG_DENSITY:
            density = math.exp(log_density)
            newton = x - error / density if density > 0.0 else midpoint
            if low < newton < high:
                candidate = newton
        if abs(candidate - x) <= _QUANTILE_RELATIVE_TOLERANCE * x:
            return candidate
        x = candidate
    return x


def _continued_fraction(x: float, a: float, b: float) -> float:
    """Modified Lentz evaluation of the incomplete beta continued fraction."""
    a_plus_b = a + b
    a_plus_1 = a + 1.0
    a_minus_1 = a - 1.0
    c = 1.0
    d = _nonzero(1.0 - a_plus_b * x / a_plus_1)
    d = 1.0 / d
    result = d
    tiny = _CF_TINY
    for m in range(1, _CF_MAX_TERMS + 1):
        two_m = 2 * m
        # Even step (the guard of _nonzero written out: this loop runs millions of times).
        term = m * (b - m) * x / ((a_minus_1 + two_m) * (a + two_m))
        d = 1.0 + term * d
        d = 1.0 / (tiny if abs(d) < tiny else d)
        c = 1.0 + term / c
        c = tiny if abs(c) < tiny else c
        result *= d * c
        # Odd step.
        term = -(a + m) * (a_plus_b + m) * x / ((a + two_m) * (a_plus_1 + two_m))
        d = 1.0 + term * d
        d = 1.0 / (tiny if abs(d) < tiny else d)
        c = 1.0 + term / c
        c = tiny if abs(c) < tiny else c
        delta = d * c
        result *= delta
        if abs(delta - 1.0) < _CF_EPSILON:
            return result
    raise ArithmeticError(
        f"incomplete beta continued fraction did not converge for x={x!r}, a={a!r}, b={b!r}"
    )


def _nonzero(value: float) -> float:
    return _CF_TINY if abs(value) < _CF_TINY else value
