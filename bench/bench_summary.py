"""Timings of the endpoint summary on a large demo study (not part of the test suite).

Usage::

    python bench/bench_summary.py --db /tmp/demo-10000.rego              # 10,000 patients
    python bench/bench_summary.py --db /tmp/demo-1000.rego --patients 1000

The study is created with ``rego-desktop demo`` defaults (real key derivation) and
``--patients`` demo patients if the file does not exist (10,000 take several minutes),
and reused as it is otherwise. Every measurement runs on a private copy (summaries
store rows they had to derive). Password: ``$REGO_PASSWORD`` (default below), user
``admin``.

Reported (``BENCH`` lines, see ``benchkit``):

- opening the study (scrypt key derivation beside the integrity check);
- the summary computed from the analysis rows the saves stored (the normal case);
- the summary with every patient derived from the records (``use_cache=False``);
- the first summary of a study saved before rows were stored (derives and stores them);
- the whole ``rego-desktop summary --db FILE --json`` command as a new process (start-up,
  imports, sign-in, summary, printing), and the same with ``--no-cache``: wall-clock
  time, with the CPU time it used in the note.

The budget for the ``summary`` command on 10,000 patients is 2 seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchkit import emit, times, working_copy  # noqa: E402

BENCH_PASSWORD = "Bench-password-42"
BENCH_USER = "admin"
BUDGET_S = 2.0


def _timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def _build(db: Path, patients: int, seed: int, password: str) -> None:
    from rego_desktop.demo.generator import generate
    from rego_desktop.store.opening import create_study

    print(f"creating {db} with {patients} demo patients (seed {seed}); this takes a while")
    created = create_study(db, "BJ01", BENCH_USER, password, full_name="Bench administrator")

    def progress(done: int, total: int) -> None:
        print(f"\r  {done}/{total} patients", end="", flush=True)

    try:
        seconds, report = _timed(lambda: generate(created.study, patients, seed, progress))
    finally:
        created.study.close()
    print(f"\n  {report.summary()}\n  written in {seconds:.0f} s")


def _children_cpu() -> float:
    """CPU seconds used by finished child processes (0 where not available)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cli(db: Path, *extra: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``summary`` command in a new process."""
    env = dict(os.environ)
    cpu = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "rego_desktop", "summary", "--db", str(db), "--json", *extra],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"summary command failed: {result.stderr.strip()}")
    return seconds, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="demo study (created if missing)")
    parser.add_argument("--patients", type=int, default=10_000, help="patients if created")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of quick timings")
    args = parser.parse_args()

    password = os.environ.setdefault("REGO_PASSWORD", BENCH_PASSWORD)
    os.environ.setdefault("REGO_USER", BENCH_USER)
    os.environ.setdefault("REGO_DATA_DIR", str(args.db.with_name(args.db.name + ".bench-data")))
    if not args.db.exists():
        _build(args.db, args.patients, args.seed, password)

    from sqlalchemy import delete

    from rego_desktop.analysis import summarize_study
    from rego_desktop.models import StoredAnalysisRow
    from rego_desktop.store.opening import open_study

    copy = working_copy(args.db, "summary.rego")
    seconds, study = _timed(lambda: open_study(copy, BENCH_USER, password))
    emit("open study (scrypt beside the integrity check)", seconds)
    try:
        # A study written before rows were stored (or by an older version) has none:
        # the first summary derives and stores them all.
        with study.transaction() as session:
            missing = session.execute(delete(StoredAnalysisRow)).rowcount
        seconds, summary = _timed(lambda: summarize_study(study))
        emit(
            "summary computation, first after an upgrade (derives and stores every row)",
            seconds,
            note=f"{missing} rows had been stored before",
        )
        patients = summary["patients"]
        print(
            f"patients: {patients['enrolled']} enrolled, {patients['analysed']} analysed; "
            f"OS {summary['os']['events']} events, median "
            f"{summary['os']['median_months']:.1f} months"
        )
        stored = times(lambda: summarize_study(study), args.repeat)
        emit("summary computation from stored rows", stored)
        seconds, derived = _timed(lambda: summarize_study(study, use_cache=False))
        if derived != summary:
            raise SystemExit("stored and derived rows give different summaries")
        emit("summary computation, every patient derived from the records", seconds)
    finally:
        study.close()

    runs = [_cli(copy) for _ in range(args.repeat)]
    emit(
        "rego-desktop summary --json (whole process)",
        [wall for wall, _ in runs],
        target_s=BUDGET_S,
        note=f"CPU {statistics.median(cpu for _, cpu in runs):.2f} s",
    )
    cold = [_cli(copy, "--no-cache") for _ in range(2)]
    emit(
        "rego-desktop summary --json --no-cache (whole process)",
        [wall for wall, _ in cold],
        note=f"CPU {statistics.median(cpu for _, cpu in cold):.2f} s; derives every patient",
    )


if __name__ == "__main__":
    main()
