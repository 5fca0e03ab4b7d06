"""The center's site status (``rego-center status``) at 10,000 pooled patients.

Usage (from the repository root; not part of the test suite)::

    python bench/bench_center_status.py                        # 10,000 patients, 20 sites
    python bench/bench_center_status.py --workdir /tmp/rego-bench-center   # reuse the data

Setup (not benchmarked): the pooled center database of ``bench_center_summary`` (demo
patients exported once, split into ``--sites`` signed site files, merged into a new
SQLite center database); ``--workdir`` keeps and reuses it.

Reported (``BENCH`` lines, see ``benchkit``):

- in-process, the first status after the merge: it computes and stores every patient's
  facts (screen failure, forms complete), once per patient content;
- in-process, the status from stored facts (what every later status does; after a
  merge only the patients that package changed are computed);
- ``rego-center status --json`` as a new process (start-up and imports included);
- in-process, every patient recomputed (``use_stored=False``; what the status did
  before facts were stored).

Target (issue 15): the status from stored facts well under 1 s at 10,000 patients.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_center_summary import PASSWORD, USER, _best, _setup  # noqa: E402
from benchkit import emit  # noqa: E402

from rego_desktop.center.db import open_center_database  # noqa: E402
from rego_desktop.center.status import site_status  # noqa: E402

TARGET_S = 1.0


def main(args_list: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the site study and center database here and reuse them next time",
    )
    args = parser.parse_args(args_list)
    with tempfile.TemporaryDirectory(prefix="rego-bench-status-") as scratch:
        folder = args.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(REGO_DATA_DIR=str(folder / "data"), REGO_PASSWORD=PASSWORD, REGO_USER=USER)
        os.environ["REGO_DATA_DIR"] = env["REGO_DATA_DIR"]
        merged = folder / "center-merged.db"
        if not merged.exists():
            _site, center_db = _setup(folder, args.patients, args.sites)
            shutil.copyfile(center_db, merged)  # as the merge left it: no facts yet
        work = Path(scratch) / "status.db"
        shutil.copyfile(merged, work)
        n = f"{args.patients:,} patients, {args.sites} sites"
        with open_center_database(work) as db:
            start = time.perf_counter()
            sites = site_status(db)
            first = time.perf_counter() - start
            emit(
                f"center status, first after the merge (computes every patient's facts; {n})",
                first,
                note=f"{len(sites)} sites, {sum(s.patients for s in sites)} patients",
            )
            runs = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                site_status(db)
                runs.append(time.perf_counter() - start)
            emit(f"center status from stored facts, in-process ({n})", runs, target_s=TARGET_S)
        wall, mib = _best(
            ["rego_desktop.center", "status", "--db", str(work), "--json"],
            env,
            args.repeat,
            Path(scratch),
        )
        emit(
            f"rego-center status --json, whole process ({n})",
            wall,
            note=f"peak {mib:.0f} MiB; start-up and imports included",
        )
        with open_center_database(work) as db:
            start = time.perf_counter()
            site_status(db, use_stored=False)
            emit(
                f"center status, every patient recomputed (use_stored=False; {n})",
                time.perf_counter() - start,
            )


if __name__ == "__main__":
    main()
