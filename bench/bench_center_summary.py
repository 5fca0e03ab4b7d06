"""The center's pooled summary, read from stored analysis rows, against the site's summary.

Usage (from the repository root; not part of the test suite)::

    python bench/bench_center_summary.py                        # 10,000 patients, 20 sites
    python bench/bench_center_summary.py --patients 2000 --sites 20

Setup (timed, not benchmarked): a site study with ``--patients`` demo patients (fast key
derivation), exported once; the de-identified patients are split into ``--sites`` site
files (subject codes renamed, each signed by its own site key) and merged into a new
SQLite center database. The merge stores every patient's analysis row.

``--workdir DIR`` keeps the study and the center database in DIR and reuses them (the
10,000 demo patients take about 3 minutes to generate).

Reported (``BENCH`` lines, see ``benchkit``), each command as a new process, wall-clock
time and the peak memory of that process (its ``VmHWM``):

- ``rego-desktop summary --json`` on the site study (all the patients; stored rows);
- ``rego-center summary --json`` on the center database (same patients, stored rows);
- ``rego-center summary --json --by-site``;
- in-process: the pooled summary from stored rows, and derived from every patient
  (``pooled_rows(use_stored=False)``, what the center did before rows were stored).

Targets (issue 15): the center summary no slower than 1.5 times the site's on the same
patients and under 300 MiB peak; ``--by-site`` within 1.2 times the pooled figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_exchange import site_file  # noqa: E402
from benchkit import emit  # noqa: E402

from rego_desktop.analysis.summary import summarize_rows  # noqa: E402
from rego_desktop.center.analysis_rows import pooled_rows  # noqa: E402
from rego_desktop.center.db import open_center_database  # noqa: E402
from rego_desktop.center.merge import merge_file  # noqa: E402
from rego_desktop.crypto.keyslots import ScryptParams  # noqa: E402
from rego_desktop.exchange.container import unseal_transfer  # noqa: E402
from rego_desktop.exchange.export import export_transfer  # noqa: E402
from rego_desktop.exchange.keys import SitePublicKey, generate_center_keys  # noqa: E402
from rego_desktop.exchange.payload import PayloadReader  # noqa: E402
from rego_desktop.exchange.site_keys import site_public_key  # noqa: E402
from rego_desktop.store.opening import create_study  # noqa: E402

USER, PASSWORD = "admin", "Bench-password-42"
RATIO_TARGET = 1.5
MEMORY_TARGET_MIB = 300.0
BY_SITE_RATIO = 1.2


def _setup(folder: Path, patients: int, sites: int) -> tuple[Path, Path]:
    from rego_desktop.demo.generator import generate

    center = generate_center_keys("Bench Center", created=dt.datetime.now(dt.UTC))
    site_db = folder / "site.rego"
    study = create_study(site_db, "BJ01", USER, PASSWORD, kdf=ScryptParams(2**12, 8, 1)).study
    try:
        start = time.perf_counter()
        generate(study, patients, seed=1)
        print(f"setup: {patients} demo patients in {time.perf_counter() - start:.0f} s")
        export = folder / "site.rgt"
        export_transfer(study, center.public, export)
        registry_site = {"BJ01": site_public_key(study)}
    finally:
        study.close()
    header, payload = unseal_transfer(export.read_bytes(), center, registry_site)
    reader = PayloadReader([payload], header)
    everyone = reader.read_all()
    per = -(-len(everyone) // sites)
    files: list[Path] = []
    registry: dict[str, SitePublicKey] = {}
    for i in range(sites):
        code = f"S{i + 1:02d}"
        part = everyone[i * per : (i + 1) * per]
        if part:
            path, public = site_file(folder, code, part, reader.manifest, center)
            files.append(path)
            registry[code] = public
    center_db = folder / "center.db"
    start = time.perf_counter()
    with open_center_database(center_db, create=True) as db:
        for path in files:
            merge_file(db, path, center, registry)
    print(f"setup: merged {len(files)} site files in {time.perf_counter() - start:.1f} s")
    return site_db, center_db


# Runs a module as __main__ and writes the process's peak resident memory (VmHWM, which
# exec resets, unlike ru_maxrss of a child forked from this large process) to a file.
_WRAPPER = """
import atexit, resource, runpy, sys
target = sys.argv[1]
def _hwm():
    # The largest process: this one, or a worker process it started and waited for.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            open(target, 'w').write(str(max(int(line.split()[1]), children)))
atexit.register(_hwm)
module = sys.argv[2]
sys.argv = [module] + sys.argv[3:]
runpy.run_module(module, run_name='__main__', alter_sys=True)
"""


def _process(argv: list[str], env: dict[str, str], folder: Path) -> tuple[float, float]:
    """Wall-clock seconds and peak MiB (of its largest process) of one command run as a
    new process."""
    hwm = folder / "hwm.txt"
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(hwm), *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.strip()}")
    return wall, int(hwm.read_text()) / 1024


def _best(argv: list[str], env: dict[str, str], repeat: int, folder: Path) -> tuple[float, float]:
    runs = [_process(argv, env, folder) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main(args_list: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the site study and center database here and reuse them next time",
    )
    args = parser.parse_args(args_list)
    with tempfile.TemporaryDirectory(prefix="rego-bench-center-") as scratch:
        folder = args.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(REGO_DATA_DIR=str(folder / "data"), REGO_PASSWORD=PASSWORD, REGO_USER=USER)
        os.environ["REGO_DATA_DIR"] = env["REGO_DATA_DIR"]
        site_db, center_db = folder / "site.rego", folder / "center.db"
        if not (site_db.exists() and center_db.exists()):
            site_db, center_db = _setup(folder, args.patients, args.sites)
        n = f"{args.patients:,} patients"
        site_s, site_mib = _best(
            ["rego_desktop", "summary", "--db", str(site_db), "--json"], env, args.repeat, folder
        )
        emit(f"site summary --json ({n})", site_s, note=f"peak {site_mib:.0f} MiB")
        center_s, center_mib = _best(
            ["rego_desktop.center", "summary", "--db", str(center_db), "--json"],
            env,
            args.repeat,
            folder,
        )
        emit(
            f"center summary --json ({n}, {args.sites} sites)",
            center_s,
            target_s=RATIO_TARGET * site_s,
            note=f"peak {center_mib:.0f} MiB (target < {MEMORY_TARGET_MIB:.0f}); "
            f"{center_s / site_s:.2f} x site (target <= {RATIO_TARGET})",
        )
        by_site_s, by_site_mib = _best(
            ["rego_desktop.center", "summary", "--db", str(center_db), "--json", "--by-site"],
            env,
            args.repeat,
            folder,
        )
        emit(
            f"center summary --json --by-site ({n})",
            by_site_s,
            target_s=BY_SITE_RATIO * center_s,
            note=f"peak {by_site_mib:.0f} MiB; {by_site_s / center_s:.2f} x pooled",
        )
        with open_center_database(center_db) as db:
            for label, stored in (("stored rows", True), ("derived from entries", False)):
                start = time.perf_counter()
                rows, definition = pooled_rows(db, use_stored=stored)
                summary: Any = summarize_rows(rows, definition) if definition else None
                emit(
                    f"center pooled summary in-process, {label} ({n})",
                    time.perf_counter() - start,
                    note=f"{summary.enrolled if summary else 0} enrolled",
                )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"(this process, setup included: peak {peak:.0f} MiB)")


if __name__ == "__main__":
    main()
