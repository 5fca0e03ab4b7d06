"""Site application timings on the cached 10,000-patient demo study.

    python bench/bench_site.py CASE      (CASE: see CASES below; run.py runs them all,
                                          each in its own process for its peak memory)

Figures are printed in the ``BENCH {json}`` protocol of :mod:`benchkit`. Nothing here
changes the cached study: saving works on a copy.
"""

from __future__ import annotations

import functools
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchkit import (
    PASSWORD,
    ROOT,
    USER,
    demo_study,
    emit,
    peak_mib,
    times,
    working_copy,
)

INTERACTIVE_S = 0.1
COLD_START_S = 1.5
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _db() -> Path:
    given = os.environ.get("REGO_BENCH_DB")
    return Path(given) if given else demo_study()


def _data_dir() -> None:
    os.environ["REGO_DATA_DIR"] = tempfile.mkdtemp(prefix="rego-bench-data-")


def cold_start() -> None:
    """New process to the log-in window on screen (offscreen platform), warm disk cache."""
    from rego_desktop.ui import settings as keys
    from rego_desktop.ui.settings import Settings

    db = _db()
    samples, peaks = [], []
    for _ in range(6):
        with tempfile.TemporaryDirectory(prefix="rego-bench-start-") as data:
            settings = Settings(Path(data) / "settings.ini")
            settings.set(keys.LAST_DATABASE, str(db))
            settings.set(keys.LAST_USER, USER)
            env = {**os.environ, "REGO_DATA_DIR": data, "QT_QPA_PLATFORM": "offscreen"}
            start = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, __file__, "_gui_start"],
                stdout=subprocess.PIPE,
                text=True,
                env=env,
                cwd=ROOT,
            )
            assert child.stdout is not None
            line = child.stdout.readline()
            samples.append(time.perf_counter() - start)
            child.wait(timeout=60)
            if not line.startswith("shown "):
                raise SystemExit(f"the log-in window did not appear: {line!r}")
            peaks.append(float(line.split()[1]))
    emit(
        "cold start to the log-in window (new process, offscreen)",
        samples[1:],  # the first run fills the disk cache
        target_s=COLD_START_S,
        peak_mib=max(peaks),
        note="Python start, imports, Qt, translations, log-in window shown",
    )


def _gui_start() -> None:
    from rego_desktop.cli.main import build_parser

    build_parser().parse_args([])
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from rego_desktop.ui import settings as keys
    from rego_desktop.ui.app import SiteApplication, install_translations
    from rego_desktop.ui.messages import MessageService
    from rego_desktop.ui.settings import Settings

    app = QApplication([sys.argv[0]])
    settings = Settings()
    install_translations(app, settings.get(keys.LANGUAGE))
    controller = SiteApplication(settings, MessageService())
    controller.start()

    def shown() -> None:
        login = controller.login
        if login is None or not login.isVisible():
            QTimer.singleShot(5, shown)
            return
        print(f"shown {peak_mib():.1f}", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)
    app.exec()
    controller.close_session()


def login() -> None:
    from rego_desktop.backup.integrity import quick_check
    from rego_desktop.crypto.keyslots import DEFAULT_SCRYPT, password_kek
    from rego_desktop.store.opening import open_study

    _data_dir()
    db = _db()
    salt = os.urandom(16)
    emit(
        "key derivation alone (scrypt n=2^17, r=8)",
        times(lambda: password_kek(PASSWORD, salt, DEFAULT_SCRYPT), 5),
    )
    emit(
        "integrity check at open (quick_check, 10,000 patients)",
        times(lambda: quick_check(db), 5),
        note=f"{db.stat().st_size / 2**20:.0f} MiB file, warm disk cache",
    )
    emit(
        "log-in: unlock and open (10,000 patients)",
        times(lambda: open_study(db, USER, PASSWORD).close(), 5),
        note="KDF + open (+ the integrity check where open_study runs it)",
    )


def cold_cache() -> None:
    """The same after dropping the disk cache (needs root on Linux; skipped otherwise)."""
    from rego_desktop.backup.integrity import quick_check

    drop = Path("/proc/sys/vm/drop_caches")
    db = _db()
    samples = []
    for _ in range(3):
        try:
            os.sync()
            drop.write_text("3\n")
        except OSError:
            print("cannot drop the disk cache here; skipped")
            return
        start = time.perf_counter()
        quick_check(db)
        samples.append(time.perf_counter() - start)
    emit(
        "integrity check at open, cold disk cache (after boot)",
        samples,
        note="reads the whole file: bound by disk speed",
    )


def _open_copy(name: str) -> object:
    from rego_desktop.store.opening import open_study

    _data_dir()
    return open_study(working_copy(_db(), name), USER, PASSWORD)


def save() -> None:
    from rego_desktop.services.patients import PatientService
    from rego_desktop.store.study import OpenStudy

    study = _open_copy("save.rego")
    assert isinstance(study, OpenStudy)
    service = PatientService(study)
    rng = random.Random(7)
    codes = rng.sample(service.subject_codes(), 60)
    changes: list[Callable[[], object]] = []
    for code in codes:
        values = dict(service.casebook(code).single("demographics"))
        weight = values.get("weight")
        values["weight"] = round(float(weight) + 0.5, 1) if isinstance(weight, float) else 70.0
        values.pop("bmi", None)
        changes.append(
            functools.partial(
                service.save, code, "demographics", values, reason="benchmark correction"
            )
        )
    samples = []
    for change in changes:
        start = time.perf_counter()
        change()
        samples.append(time.perf_counter() - start)
    emit(
        "save one form (10,000 patients in the study)",
        samples[10:],
        target_s=INTERACTIVE_S,
        note="demographics of an existing patient, with reason: validate, encrypt, audit, "
        "refresh the patient's summary, commit (synchronous=FULL)",
    )

    def new_patient() -> None:
        with service.editing() as editor:
            code = editor.create_patient()
            editor.save(code, "identification", {"full_name": "Bench Patient"})

    emit(
        "new patient with identification form (10,000 patients)",
        times(new_patient, 30),
        target_s=INTERACTIVE_S,
    )
    study.close()


def patient_list() -> None:
    from rego_desktop.services.patients import PatientService
    from rego_desktop.store.opening import open_study

    _data_dir()
    study = open_study(_db(), USER, PASSWORD)
    service = PatientService(study)
    emit(
        "patient list, domain (10,000 patients decrypted)",
        times(service.list_patients, 7),
        target_s=INTERACTIVE_S,
    )
    rng = random.Random(3)
    codes = rng.sample(service.subject_codes(), 40)
    emit(
        "open one casebook (10,000 patients in the study)",
        times(lambda: service.casebook(rng.choice(codes)), 40),
        target_s=INTERACTIVE_S,
    )
    study.close()


def patient_list_gui() -> None:
    """Main window with its patient table filled (offscreen)."""
    from PySide6.QtWidgets import QApplication

    from rego_desktop.store.opening import open_study
    from rego_desktop.ui.main_window import MainWindow
    from rego_desktop.ui.messages import ScriptedMessages
    from rego_desktop.ui.operations import wait_all
    from rego_desktop.ui.settings import Settings

    _data_dir()
    app = QApplication([sys.argv[0]])
    study = open_study(_db(), USER, PASSWORD)
    samples = []
    for _ in range(4):
        start = time.perf_counter()
        window = MainWindow(study, ScriptedMessages(), Settings())
        window.show()
        while window.model.rowCount() < 10_000:
            wait_all()
            app.processEvents()
        samples.append(time.perf_counter() - start)
        window.close()
        window.deleteLater()
        app.processEvents()
    emit(
        "open the patient list window (10,000 rows shown)",
        samples[1:],
        target_s=INTERACTIVE_S,
        note="main window built, summaries decrypted in the background, table model filled",
    )
    study.close()


def backup() -> None:
    from rego_desktop.backup.restore import check_backup
    from rego_desktop.backup.writer import write_backup

    _data_dir()
    db = _db()
    with tempfile.TemporaryDirectory(prefix="rego-bench-backup-", dir=db.parent) as folder:
        results = []

        def once() -> None:
            results.append(write_backup(db, Path(folder), keep=2))

        samples = times(once, 3, warmup=0)
        emit(
            "backup (online copy, check, checksum; 10,000 patients)",
            samples,
            note=f"{results[-1].manifest.size / 2**20:.0f} MiB backup file",
        )
        start = time.perf_counter()
        checked = check_backup(results[-1].path, USER, PASSWORD, work_dir=Path(folder))
        emit(
            "restore check: copy, integrity_check, unlock, audit chain, decrypt all",
            time.perf_counter() - start,
            note=f"{checked.records} records, {checked.audit_entries} audit entries",
        )


CASES: dict[str, Callable[[], None]] = {
    "cold_start": cold_start,
    "login": login,
    "save": save,
    "patient_list": patient_list,
    "patient_list_gui": patient_list_gui,
    "backup": backup,
    "cold_cache": cold_cache,
}


def main(argv: list[str]) -> int:
    if argv == ["_gui_start"]:
        _gui_start()
        return 0
    if len(argv) != 1 or argv[0] not in CASES:
        print(f"usage: python bench/bench_site.py {{{','.join(CASES)}}}", file=sys.stderr)
        return 2
    CASES[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
