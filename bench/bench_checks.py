"""Timings of the edit checks on a demo study (not part of the test suite).

Usage::

    python bench/bench_checks.py                      # new 1,000-patient demo study
    python bench/bench_checks.py --patients 300
    python bench/bench_checks.py --db site.rego       # reuse (or create) this file

Without ``--db`` a new study is created in a temporary folder with a fast key
derivation and deleted at the end; with ``--db`` a missing file is created there and
kept for the next run. An existing file is opened with ``$REGO_PASSWORD`` and
``$REGO_USER`` (default user ``admin``). Reported:

- ``run_checks`` per patient on casebooks already decrypted (median, p95, max): the
  rules alone, the budget is 5 ms;
- ``derived_values`` per patient (every derived field);
- loading (decrypting) a casebook, for comparison;
- the whole ``check`` command: first run (raises every query) and a second run
  (nothing changes), each with sign-in, sync, listing and printing;
- for a study created here, the planted deviations found against those reported by
  the demo generator.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rego_desktop.casebook import Casebook  # noqa: E402
from rego_desktop.checks import run_checks  # noqa: E402
from rego_desktop.cli import check_commands  # noqa: E402
from rego_desktop.crypto.keyslots import ScryptParams  # noqa: E402
from rego_desktop.derive import derived_values  # noqa: E402
from rego_desktop.services.patients import PatientService  # noqa: E402
from rego_desktop.services.queries import QueryService  # noqa: E402
from rego_desktop.store.opening import create_study, open_study  # noqa: E402

BENCH_PASSWORD = "Bench-password-2024"
BENCH_USER = "admin"
FAST_KDF = ScryptParams(n=2**12, r=8, p=1)
BUDGET_MS = 5.0


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _per_item(
    func: Callable[[Casebook], object], books: Sequence[Casebook], repeat: int = 3
) -> tuple[list[float], list[float]]:
    """Per patient: the first run's time and the best of ``repeat`` runs (ms)."""
    first, best = [], []
    for book in books:
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            func(book)
            runs.append(_ms(time.perf_counter() - start))
        first.append(runs[0])
        best.append(min(runs))
    return first, best


def _row(name: str, times: Sequence[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{name:<28} {statistics.median(ordered):>9.3f} {p95:>9.3f} {ordered[-1]:>9.3f}"
        f" {sum(ordered) / 1000:>9.2f}"
    )


def _prepare(args: argparse.Namespace) -> tuple[Path, str, str, set[tuple[str, str, int]] | None]:
    """The study to time, its credentials, and the planted deviations if created here."""
    if args.db is not None and args.db.exists():
        user = os.environ.get("REGO_USER", BENCH_USER)
        password = os.environ.get("REGO_PASSWORD", BENCH_PASSWORD)
        return args.db, user, password, None
    from rego_desktop.demo import generate

    path = args.db or Path(tempfile.mkdtemp(prefix="rego-bench-checks-")) / "demo.rego"
    print(f"creating {args.patients}-patient demo study {path} ...", flush=True)
    start = time.perf_counter()
    created = create_study(path, "DEMO", BENCH_USER, BENCH_PASSWORD, kdf=FAST_KDF)
    report = generate(created.study, args.patients, seed=args.seed)
    created.study.close()
    print(f"  {report.summary()}")
    print(f"  generated in {time.perf_counter() - start:.1f} s")
    return path, BENCH_USER, BENCH_PASSWORD, report.deviation_keys()


def _check_command(path: Path, user: str, password: str) -> float:
    parser = argparse.ArgumentParser()
    check_commands.register(parser.add_subparsers())
    args = parser.parse_args(["check", "--db", str(path), "--user", user])
    os.environ["REGO_PASSWORD"] = password
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = args.run(args)
    elapsed = time.perf_counter() - start
    assert code == 0
    summary = out.getvalue().strip().splitlines()[-1]
    print(f"  {summary}")
    return elapsed


def _compare(path: Path, user: str, password: str, planted: set[tuple[str, str, int]]) -> None:
    study = open_study(path, user, password)
    try:
        rows = QueryService(study).list(status="open")
    finally:
        study.close()
    found = {(r.subject, r.rule, r.cycle or 0) for r in rows if r.severity == "deviation"}
    errors = sum(1 for r in rows if r.severity == "error")
    print(
        f"  planted deviations found: {len(found & planted)}/{len(planted)}; "
        f"not planted: {len(found - planted)}; errors: {errors}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="demo study to reuse (created if missing)")
    parser.add_argument("--patients", type=int, default=1000, help="patients if created")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    path, user, password, planted = _prepare(args)

    study = open_study(path, user, password)
    try:
        service = PatientService(study)
        codes = service.subject_codes()
        start = time.perf_counter()
        load_times = []
        books = []
        for code in codes:
            t0 = time.perf_counter()
            books.append(service.casebook(code))
            load_times.append(_ms(time.perf_counter() - t0))
        load_total = time.perf_counter() - start
    finally:
        study.close()

    # The loaded casebooks stay in memory for the whole run (a GUI holds one): keep the
    # collector from re-scanning them between measurements.
    gc.collect()
    gc.freeze()
    for book in books[:20]:  # warm caches and imports
        run_checks(book)
    check_first, check_best = _per_item(run_checks, books)
    derive_first, derive_best = _per_item(derived_values, books)
    findings = sum(len(run_checks(book)) for book in books)

    print()
    print(f"{len(books)} patients, {findings} findings")
    print(f"{'per patient (ms)':<28} {'median':>9} {'p95':>9} {'max':>9} {'total s':>9}")
    print(_row("run_checks, best of 3", check_best))
    print(_row("run_checks, single run", check_first))
    print(_row("derived_values, best of 3", derive_best))
    print(_row("derived_values, single run", derive_first))
    print(_row("load casebook (decrypt)", load_times))
    print(f"  (loading all casebooks took {load_total:.2f} s)")
    print()
    print("check command (sign-in, sync every patient, list, print):")
    first = _check_command(path, user, password)
    print(f"  first run:  {first:.2f} s")
    second = _check_command(path, user, password)
    print(f"  second run: {second:.2f} s (nothing changed)")
    if planted is not None:
        _compare(path, user, password, planted)
    worst = max(check_best)
    verdict = "within" if worst < BUDGET_MS else "OVER"
    print()
    print(
        f"run_checks: median {statistics.median(check_best):.3f} ms, slowest patient "
        f"{worst:.3f} ms (best of 3): {verdict} the {BUDGET_MS:g} ms budget."
    )
    print("Single runs include whatever else the machine is doing (compare the two rows).")
    if args.db is None:
        shutil.rmtree(path.parent, ignore_errors=True)  # the throw-away study
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
