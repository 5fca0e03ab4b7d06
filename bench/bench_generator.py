"""Demo generator throughput: patients written through the patient service.

    python bench/bench_generator.py [--patients N]

Every record goes through ``Editor.save`` (validation, hard cross-record checks,
encryption, audit) and every batch through ``Editor.finish`` (query sync, patient
summaries), so this is also the cost of bulk data entry. A fresh study with a cheap
key derivation in a scratch folder; figures in the ``BENCH {json}`` protocol of
:mod:`benchkit` (seconds per patient, wall-clock and CPU). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchkit import emit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rego-bench-gen-") as scratch:
        os.environ["REGO_DATA_DIR"] = str(Path(scratch) / "data")
        from rego_desktop.crypto.keyslots import ScryptParams
        from rego_desktop.demo.generator import generate
        from rego_desktop.store.opening import create_study

        study = create_study(
            Path(scratch) / "site.rego",
            "BJ01",
            "admin",
            "Bench-password-1",
            kdf=ScryptParams(2**12, 8, 1),
        ).study
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            report = generate(study, args.patients, seed=1)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finally:
            study.close()
    emit(
        f"demo generator, per patient ({args.patients} patients)",
        wall / args.patients,
        cpu_s=cpu / args.patients,
        note=f"{report.records} records; CPU {cpu / args.patients * 1000:.1f} ms per patient",
    )


if __name__ == "__main__":
    main()
