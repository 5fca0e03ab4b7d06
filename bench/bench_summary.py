"""Timings of the endpoint summary on a large demo study (not part of the test suite).

Usage::

    python bench/bench_summary.py --db /tmp/demo-10000.rego              # 10,000 patients
    python bench/bench_summary.py --db /tmp/demo-1000.rego --patients 1000

The study is created with ``rego-desktop demo`` defaults (real key derivation) and
``--patients`` demo patients if the file does not exist (10,000 take about 7 minutes),
and reused as it is otherwise. Password: ``$REGO_PASSWORD`` (default below), user
``admin``. The row cache goes to ``$REGO_DATA_DIR`` (default: a folder beside the
database, so the real profile is never touched).

Reported:

- opening the study (scrypt key derivation);
- the summary recomputed for every patient (bulk decryption of the analysis forms,
  derivation, endpoints): ``use_cache=False``;
- the first summary with the row cache (computes everything and writes the cache), and
  later summaries (only changed patients are recomputed; here none);
- the whole ``rego-desktop summary --db FILE --json`` command as a new process (start-up,
  imports, sign-in, summary, printing), with and without ``--no-cache``: wall-clock
  time and the CPU time it used (on a busy machine the wall-clock time includes waiting
  for a processor; the CPU time does not).

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

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "Bench-password-42"
BENCH_USER = "admin"
BUDGET_S = 2.0

# Runs the CLI with the summary command registered even before cli/main.py lists it.
CLI_CHILD = (
    "import sys\n"
    "from rego_desktop.cli import main, summary_commands\n"
    "if summary_commands not in main.COMMAND_MODULES:\n"
    "    main.COMMAND_MODULES = (*main.COMMAND_MODULES, summary_commands)\n"
    "sys.exit(main.main(sys.argv[1:]))\n"
)


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
        [sys.executable, "-c", CLI_CHILD, "summary", "--db", str(db), "--json", *extra],
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

    from rego_desktop.analysis import cache as row_cache
    from rego_desktop.analysis import summarize_study
    from rego_desktop.store.opening import open_study

    seconds, study = _timed(lambda: open_study(args.db, BENCH_USER, password))
    print(f"open study (scrypt):                      {seconds:6.2f} s")
    try:
        seconds, summary = _timed(lambda: summarize_study(study, use_cache=False))
        patients = summary["patients"]
        print(
            f"patients: {patients['enrolled']} enrolled, {patients['analysed']} analysed; "
            f"OS {summary['os']['events']} events, median "
            f"{summary['os']['median_months']:.1f} months"
        )
        print(f"summary, every patient recomputed:        {seconds:6.2f} s")
        row_cache.clear(study)
        seconds, _ = _timed(lambda: summarize_study(study))
        print(f"summary, first run (writes the cache):    {seconds:6.2f} s")
        warm = [_timed(lambda: summarize_study(study))[0] for _ in range(args.repeat)]
        print(
            f"summary, cached rows (nothing changed):   {statistics.median(warm):6.2f} s "
            f"(median of {args.repeat}, best {min(warm):.2f} s)"
        )
    finally:
        study.close()

    runs = [_cli(args.db) for _ in range(args.repeat)]
    warm_cli = statistics.median(wall for wall, _ in runs)
    print(
        f"`rego-desktop summary --json`, cached:   {warm_cli:6.2f} s "
        f"(median of {args.repeat}, best {min(wall for wall, _ in runs):.2f} s; whole process; "
        f"CPU {statistics.median(cpu for _, cpu in runs):.2f} s)"
    )
    cold_wall, cold_cpu = _cli(args.db, "--no-cache")
    print(
        f"`rego-desktop summary --json --no-cache`: {cold_wall:6.2f} s "
        f"(whole process; CPU {cold_cpu:.2f} s)"
    )
    verdict = "within" if warm_cli < BUDGET_S else "OVER"
    print(f"budget {BUDGET_S:.0f} s for the summary command (cached): {verdict}")


if __name__ == "__main__":
    main()
