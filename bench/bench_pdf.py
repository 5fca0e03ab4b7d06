"""Time the per-patient PDF summaries: 1,000 patients must take under 2 minutes on one core.

Run with ``python bench/bench_pdf.py`` (``--patients N``, ``--language zh``,
``--deidentified``, ``--keep DIR`` to look at the files); not part of the test suite.
A throw-away study with demo patients is made in a temporary folder first (that time
is reported separately); then ``rego_desktop.reports.pdf.write_all`` writes every
summary exactly as ``rego-desktop pdf --all`` does: reading and decrypting each
casebook, its queries and signatures, deriving, checking and rendering. Python runs
this on one core; the limit is checked against the process's CPU time (equal to the
wall time on an idle machine). Exit code 1 if the limit is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

LIMIT_SECONDS = 120.0
LIMIT_PATIENTS = 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=LIMIT_PATIENTS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--language", choices=("en", "zh"), default="en")
    parser.add_argument("--deidentified", action="store_true")
    parser.add_argument("--keep", type=Path, help="write the PDFs here and keep them")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rego-bench-") as tmp:
        os.environ["REGO_DATA_DIR"] = str(Path(tmp) / "data")
        from rego_desktop.crypto.keyslots import ScryptParams
        from rego_desktop.demo.generator import generate
        from rego_desktop.reports.fonts import fonts
        from rego_desktop.reports.pdf import PdfOptions, write_all
        from rego_desktop.store.opening import create_study

        created = create_study(
            Path(tmp) / "bench.rego", "BJ01", "admin", "Bench-password-2024",
            kdf=ScryptParams(n=2**12, r=8, p=1),
        )  # fmt: skip
        study = created.study
        started = time.perf_counter()
        report = generate(study, args.patients, seed=args.seed)
        print(f"setup: {report.summary()} ({time.perf_counter() - started:.1f} s)")
        print(f"CJK font: {fonts().cjk_source} (embedded: {fonts().embedded})")

        out = args.keep or Path(tmp) / "pdf"
        options = PdfOptions(language=args.language, deidentified=args.deidentified)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        written = write_all(study, out, options)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        study.close()
        sizes = [p.stat().st_size for p in written]
        print(
            f"{len(written)} PDFs ({args.language}{', de-identified' if args.deidentified else ''})"
            f": {wall:.1f} s wall, {cpu:.1f} s CPU, {1000 * wall / len(written):.1f} ms each, "
            f"{sum(sizes) / len(sizes) / 1024:.0f} KiB each on average"
        )
        # One core: the process's CPU time is the cost; wall time is longer only when
        # other programs compete for the core (then it is shown as a warning).
        scaled = cpu * LIMIT_PATIENTS / len(written)
        ok = scaled < LIMIT_SECONDS
        print(
            f"{'OK' if ok else 'TOO SLOW'}: {scaled:.1f} s CPU for {LIMIT_PATIENTS} patients "
            f"(limit {LIMIT_SECONDS:.0f} s)"
        )
        if wall > 1.5 * cpu:
            print(f"note: wall time is {wall / cpu:.1f}x CPU time: the machine was busy")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
