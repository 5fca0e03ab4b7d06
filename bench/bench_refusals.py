"""Refusal time of odd transfer payloads (issue 14: refusal is linear in the input).

Every case of ``tests/exchange/slow_payloads.py`` (about 2 MB each, delivered in the
smallest chunks the container allows and in the default chunks) is read until it is
refused; the target is 0.5 s per case. Run ``python bench/bench_refusals.py`` from the
repository root; not part of the test suite.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rego_desktop.exchange.payload import PayloadError, PayloadReader
from tests.exchange.casebooks import header
from tests.exchange.slow_payloads import cases

TARGET_S = 0.5


def main() -> int:
    worst = 0.0
    print(f"{'case':<34}{'MB':>6}{'seconds':>10}")
    for case in cases():
        start = time.perf_counter()
        try:
            PayloadReader(case.chunks(), header(), source="odd.rgt").read_all()
            outcome = "ACCEPTED"
        except PayloadError:
            outcome = ""
        took = time.perf_counter() - start
        worst = max(worst, took)
        print(f"{case.name:<34}{len(case.data) / 1e6:>6.2f}{took:>10.3f} {outcome}")
    verdict = "within" if worst <= TARGET_S else "OVER"
    print(f"slowest refusal {worst:.3f} s: {verdict} the {TARGET_S} s target")
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
