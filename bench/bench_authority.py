"""What authenticating the authority rows costs, on the cached 10,000-patient study.

    python bench/bench_authority.py

Reported (``BENCH`` lines, see ``benchkit``), on a private copy of the cached study:

- the authority check every unlocked open runs (every row's tag and the set digests,
  10,000 patients), in-process;
- a whole log-in (``open_study``: scrypt, integrity check, authority check);
- the first open after the upgrade from schema 0005 (migration, tagging every row,
  audit entry), once;
- the full check ``audit --verify`` adds (audit trail comparison, broken signatures).

Target: the open-time check well under 0.5 s at 10,000 patients.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from benchkit import PASSWORD, USER, demo_study, emit, times

from rego_desktop.authority.check import Rows, verify
from rego_desktop.authority.report import authority_report
from rego_desktop.store.opening import open_study


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="rego-bench-authority-"))
    try:
        db = folder / "site.rego"
        shutil.copyfile(demo_study(), db)
        study = open_study(db, USER, PASSWORD)  # upgrades and tags the copy if needed
        keyring = study.keyring

        def check() -> None:
            with study.reading() as session:
                assert not verify(session, keyring, with_audit=False, rows=Rows.load(session))

        emit("authority check at open (10,000 patients)", times(check, 5), target_s=0.5)
        start = time.perf_counter()
        report = authority_report(study)
        emit(
            "audit --verify authority part (trail comparison, signatures)",
            time.perf_counter() - start,
            note=f"{len(report.problems)} problems, {len(report.broken_signatures)} broken",
        )
        study.close()
        emit(
            "log-in with the authority check (open_study)",
            times(lambda: open_study(db, USER, PASSWORD).close(), 3),
        )
        from tests.authority.legacy import make_legacy  # the test helper: an older file

        make_legacy(db, keyring, "0005")
        start = time.perf_counter()
        open_study(db, USER, PASSWORD).close()
        emit("first open after the upgrade from 0005 (tags every row)", time.perf_counter() - start)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
