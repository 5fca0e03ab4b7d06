"""``rego-desktop --self-test``: prove an installed (frozen) build works, headless.

In a temporary folder it creates a study with the real key derivation, stores an
encrypted record, closes it, unlocks it again and reads the record back, checks that
nothing readable reached the file, verifies the audit chain and the SQLite integrity,
writes and checks a backup, renders the per-patient PDF summary and turns its first
page into an image as printing does. It needs no network, no display and no existing
study, and touches nothing of the user's: the data folder is redirected to the
temporary folder for the run. Exit code 0 when every step passed.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rego_desktop import __version__

if TYPE_CHECKING:
    from rego_desktop.store.study import OpenStudy

USER = "selftest"
PASSWORD = "Self-test-2024!"
SITE = "ST01"
NAME = "Selftest Patient 自检患者"
RECORD_NUMBER = "ST-REC-0042"
BIRTH = dt.date(1961, 7, 14)


class SelfTestFailed(Exception):
    pass


@contextmanager
def _data_dir(folder: Path) -> Iterator[None]:
    old = os.environ.get("REGO_DATA_DIR")
    os.environ["REGO_DATA_DIR"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("REGO_DATA_DIR", None)
        else:
            os.environ["REGO_DATA_DIR"] = old


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestFailed(message)


def run(out: TextIO | None = None) -> int:
    """Run every step, print one line per step; 0 if all passed, 1 otherwise."""
    stream = out or sys.stdout
    frozen = bool(getattr(sys, "frozen", False))
    print(
        f"rego-desktop {__version__} self-test ({'frozen' if frozen else 'source'}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.machine()})",
        file=stream,
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="rego-selftest-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        with _data_dir(folder / "data"):
            return _steps(folder, stream)


def _steps(folder: Path, stream: TextIO) -> int:
    run = _Run(folder)
    steps: list[tuple[str, Callable[[], str]]] = [
        ("create a study (memory-hard key derivation, migrations)", run.create),
        ("store an encrypted record", run.store),
        ("unlock again and read the record back", run.reopen),
        ("nothing readable in the database file", run.no_plaintext),
        ("audit chain verifies", run.audit),
        ("database integrity check", run.integrity),
        ("write and check an encrypted backup", run.backup),
        ("render a PDF", run.pdf),
        ("render a PDF page for printing", run.render),
    ]
    failed = False
    try:
        for label, step in steps:
            start = time.perf_counter()
            try:
                detail = step()
            except Exception as exc:
                failed = True
                print(f"FAIL  {label}: {type(exc).__name__}: {exc}", file=stream, flush=True)
                break
            ms = (time.perf_counter() - start) * 1000
            extra = f" ({detail})" if detail else ""
            print(f"ok    {label}{extra} [{ms:.0f} ms]", file=stream, flush=True)
    finally:
        run.close()
    print("Self-test " + ("FAILED." if failed else "passed."), file=stream, flush=True)
    return 1 if failed else 0


class _Run:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "selftest.rego"
        self.code = ""
        self.pdf_bytes = b""
        self._study: OpenStudy | None = None

    @property
    def study(self) -> OpenStudy:
        _expect(self._study is not None, "the study is not open")
        assert self._study is not None
        return self._study

    def close(self) -> None:
        if self._study is not None:
            self._study.close()
            self._study = None

    def create(self) -> str:
        from rego_desktop.store.opening import create_study

        self._study = create_study(self.path, SITE, USER, PASSWORD, full_name="Self test").study
        return ""

    def store(self) -> str:
        from rego_desktop.services.patients import PatientService

        service = PatientService(self.study)
        self.code = service.create_patient()
        service.save(
            self.code,
            "identification",
            {"full_name": NAME, "hospital_record_number": RECORD_NUMBER, "date_of_birth": BIRTH},
        )
        self.close()
        return self.code

    def reopen(self) -> str:
        from rego_desktop.services.patients import PatientService
        from rego_desktop.store.opening import open_study

        self._study = open_study(self.path, USER, PASSWORD)
        values = PatientService(self.study).casebook(self.code).single("identification")
        _expect(values.get("full_name") == NAME, "the name read back differs from the one stored")
        _expect(values.get("date_of_birth") == BIRTH, "the date read back differs")
        return ""

    def no_plaintext(self) -> str:
        needles = [NAME.encode(), NAME.split()[-1].encode(), RECORD_NUMBER.encode()]
        needles.append(BIRTH.isoformat().encode())
        files = [p for p in self.folder.iterdir() if p.name.startswith(self.path.name)]
        for file in files:
            data = file.read_bytes()
            for needle in needles:
                _expect(needle not in data, f"a stored value is readable in {file.name}")
        return f"{len(files)} files"

    def audit(self) -> str:
        from rego_desktop.audit import trail

        with self.study.reading() as session:
            count, problems = trail.verify(session, self.study.keyring)
        _expect(not problems, problems[0].message if problems else "")
        return f"{count} entries"

    def integrity(self) -> str:
        from rego_desktop.backup.integrity import check_integrity

        check_integrity(self.path)
        return ""

    def backup(self) -> str:
        from rego_desktop.backup.restore import check_backup
        from rego_desktop.backup.writer import write_backup

        result = write_backup(self.path, self.folder / "backups", reason="manual")
        checked = check_backup(result.path, USER, PASSWORD, work_dir=self.folder)
        _expect(checked.patients == 1, "the backup does not hold the patient")
        _expect(NAME.encode() not in result.path.read_bytes(), "a value is readable in the backup")
        return f"{result.manifest.size // 1024} KiB"

    def pdf(self) -> str:
        from rego_desktop.reports.fonts import fonts
        from rego_desktop.reports.pdf import patient_pdf

        out = self.folder / "selftest.pdf"
        out.write_bytes(patient_pdf(self.study, self.code))
        data = out.read_bytes()
        _expect(data.startswith(b"%PDF-"), "the PDF does not start with a PDF header")
        _expect(b"%%EOF" in data[-1024:], "the PDF has no end-of-file marker")
        used = fonts()
        font = Path(used.cjk_source).name if used.embedded else used.cjk_source
        self.pdf_bytes = data
        return f"per-patient summary, {len(data) // 1024} KiB, Chinese font {font}"

    def render(self) -> str:
        """The printing path turns PDF pages into images with PDFium (pypdfium2)."""
        try:
            pdfium = importlib.import_module("pypdfium2")
        except ImportError:
            return "skipped: pypdfium2 is not installed"
        document = pdfium.PdfDocument(self.pdf_bytes)
        try:
            pages = len(document)
            page = document[0]
            bitmap = page.render(scale=50 / 72)
            try:
                size = (bitmap.width, bitmap.height)
            finally:
                bitmap.close()
                page.close()
        finally:
            document.close()
        _expect(size[0] > 100 and size[1] > 100, "the PDF page rendered empty")
        return f"{pages} page(s), page 1 at 50 dpi: {size[0]}x{size[1]}"
