"""Rough timings of the endpoint computations at study scale and beyond.

Run with ``python bench/bench_endpoints.py``; not part of the test suite.
"""

import random
import timeit

from rego_desktop.endpoints import ae_table, clopper_pearson, kaplan_meier


def _time_km(durations: list[float], events: list[int]) -> float:
    return min(timeit.repeat(lambda: kaplan_meier(durations, events), number=1, repeat=3))


def main() -> None:
    rng = random.Random(0)
    for n in (300, 10_000, 100_000):
        durations = [float(rng.randint(0, 1500)) for _ in range(n)]
        events = [int(rng.random() < 0.6) for _ in range(n)]
        print(f"kaplan_meier n={n:>7}: {_time_km(durations, events) * 1000:8.1f} ms")

    pairs = [(x, n) for n in (10, 100, 1000, 100_000) for x in (0, 1, n // 3, n - 1, n)]
    seconds = timeit.timeit(lambda: [clopper_pearson(x, n) for x, n in pairs], number=5) / 5
    print(f"clopper_pearson x{len(pairs)}: {seconds * 1000:8.1f} ms")

    reports = [
        (f"S{rng.randint(1, 300)}", f"term{rng.randint(1, 80)}", rng.randint(1, 5))
        for _ in range(20_000)
    ]
    seconds = min(timeit.repeat(lambda: ae_table(reports), number=1, repeat=3))
    print(f"ae_table 20000 reports: {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
