"""Shared by the benchmark scripts: the cached demo study, timing, reporting figures.

Protocol with ``bench/run.py``: a script prints one line per figure,

    BENCH {"name": "save one form (10,000 patients)", "median_s": 0.031, "p95_s": 0.044,
           "target_s": 0.1, "n": 50, "note": "..."}

(JSON after ``BENCH``; only ``name`` and ``median_s`` are required). ``run.py`` adds the
peak memory of the script's process. Other output is kept in the log, not parsed.

The 10,000-patient demo study takes minutes to generate, so it is built once with
:func:`demo_study` and cached (default ``/tmp/rego-bench/bench-site-10000.rego``;
``REGO_BENCH_DIR`` moves it). It uses the real key derivation, so log-in is real.
``run.py`` passes its path to every script as ``REGO_BENCH_DB`` (with
``REGO_BENCH_USER`` and ``REGO_BENCH_PASSWORD``); scripts that change data must work
on a copy (:func:`working_copy`).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
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

BENCH_DIR = Path(os.environ.get("REGO_BENCH_DIR", "/tmp/rego-bench"))
USER = "admin"
PASSWORD = "Bench-study-2024"
SITE = "BENCH"
SEED = 1


def demo_study(patients: int = 10_000) -> Path:
    """The cached demo study with ``patients`` patients, generated if missing."""
    path = BENCH_DIR / f"bench-site-{patients}.rego"
    if path.exists():
        return path
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    print(f"generating {patients} demo patients into {path} (minutes, once) ...", flush=True)
    env = {**os.environ, "REGO_PASSWORD": PASSWORD, "REGO_DATA_DIR": str(BENCH_DIR / "data")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rego_desktop",
            "demo",
            "--db",
            str(partial),
            "--patients",
            str(patients),
            "--seed",
            str(SEED),
            "--site",
            SITE,
            "--user",
            USER,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.replace(partial, path)
    return path


def working_copy(source: Path, name: str) -> Path:
    """A private copy of a study to change (the cache stays as generated)."""
    folder = BENCH_DIR / "work"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def times(action: Callable[[], object], repeat: int, *, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        action()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def peak_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def emit(
    name: str,
    values: list[float] | float,
    *,
    target_s: float | None = None,
    note: str = "",
    **extra: Any,
) -> None:
    """Print one figure in the ``BENCH {json}`` protocol (and a readable line)."""
    samples = values if isinstance(values, list) else [values]
    record: dict[str, Any] = {
        "name": name,
        "median_s": statistics.median(samples),
        "n": len(samples),
        "note": note,
        **extra,
    }
    if len(samples) >= 5:
        record["p95_s"] = p95(samples)
    if target_s is not None:
        record["target_s"] = target_s
    print("BENCH " + json.dumps(record, ensure_ascii=False), flush=True)
