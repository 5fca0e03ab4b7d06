"""PDF summaries read from a study database: queries, the pdf command, printing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QApplication

from rego_desktop.auth.roles import Role
from rego_desktop.cli import main as cli_main
from rego_desktop.cli import report_commands, study_commands
from rego_desktop.demo.generator import DemoReport, generate
from rego_desktop.errors import PermissionDenied
from rego_desktop.reports.pdf import PdfOptions, page_count, patient_pdf
from rego_desktop.services.queries import QueryService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, FAST_KDF, PASSWORD


@pytest.fixture
def demo(study: OpenStudy) -> DemoReport:
    return generate(study, 20, seed=1)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line with the report commands wired in, signed in as the administrator."""
    monkeypatch.setattr(cli_main, "COMMAND_MODULES", (study_commands, report_commands))
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    monkeypatch.setenv("REGO_USER", ADMIN)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join((p.extract_text() or "") for p in reader.pages)


def test_answered_queries_show_their_answer_only_in_the_identified_copy(
    study: OpenStudy, demo: DemoReport
) -> None:
    code = demo.deviating[0]
    queries = QueryService(study)
    queries.sync(code)
    deviation = next(q for q in queries.list(code) if q.severity == "deviation")
    queries.answer(deviation.uid, "Dose set by the treating physician")
    identified = text_of(patient_pdf(study, code))
    assert "answered: Dose set by the treating physician" in " ".join(identified.split())
    assert deviation.message.split(";")[0] in " ".join(identified.split())
    copy = text_of(patient_pdf(study, code, PdfOptions(deidentified=True)))
    assert "answered" in copy
    assert "treating physician" not in copy


def test_pdf_command_writes_one_subject_or_all(
    study: OpenStudy, demo: DemoReport, db_path: Path, tmp_path: Path, cli: None
) -> None:
    code = demo.eligible[0]
    out = tmp_path / "one.pdf"
    assert (
        cli_main.main(["pdf", "--db", str(db_path), "--subject", code.lower(), "--out", str(out)])
        == 0
    )
    reader = PdfReader(out)
    assert code in (reader.pages[0].extract_text() or "")
    folder = tmp_path / "all"
    args = ["pdf", "--db", str(db_path), "--all", "--out", str(folder), "--language", "zh",
            "--deidentified"]  # fmt: skip
    assert cli_main.main(args) == 0
    written = sorted(folder.glob("*.pdf"))
    assert [p.stem for p in written] == sorted(demo.subject_codes)
    first = PdfReader(written[0]).pages[0].extract_text() or ""
    assert "患者摘要" in first
    assert "去标识化副本" in first


def test_pdf_command_usage_errors(
    demo: DemoReport, db_path: Path, tmp_path: Path, cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli_main.main(["pdf", "--db", str(db_path), "--all", "--out", str(tmp_path / "x.pdf")]) == 2
    )
    assert "give a folder" in capsys.readouterr().err
    code = cli_main.main(
        ["pdf", "--db", str(db_path), "--subject", "BJ01-9999", "--out", str(tmp_path / "y.pdf")]
    )
    assert code == 1
    assert "no subject BJ01-9999" in capsys.readouterr().err


def test_writing_pdf_files_needs_export_rights(
    study: OpenStudy, demo: DemoReport, db_path: Path, tmp_path: Path
) -> None:
    UserService(study, kdf=FAST_KDF).add_user("mon", "Monitor Ma", Role.MONITOR, "Quiet-review-42")
    monitor = open_study(db_path, "mon", "Quiet-review-42")
    try:
        from rego_desktop.reports.pdf import write_all

        with pytest.raises(PermissionDenied):
            write_all(monitor, tmp_path / "out")
        assert patient_pdf(monitor, demo.subject_codes[0])  # reading it on screen is fine
    finally:
        monitor.close()


# ---------------------------------------------------------------- printing (Qt)


def test_save_as_pdf_and_print_to_a_pdf_printer(
    qapp: QApplication, study: OpenStudy, demo: DemoReport, tmp_path: Path
) -> None:
    from PySide6.QtPrintSupport import QPrinter

    from rego_desktop.ui.print_casebook import print_casebook, save_casebook_pdf

    code = demo.eligible[0]
    saved = save_casebook_pdf(None, study, code, path=tmp_path / "saved.pdf")
    assert saved == tmp_path / "saved.pdf"
    expected = page_count(saved.read_bytes())
    assert len(PdfReader(saved).pages) == expected
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_casebook(None, study, code, printer=printer, ask=False, deidentified=True)
    printed = PdfReader(tmp_path / "printed.pdf")
    assert len(printed.pages) == expected
    assert "De-identified copy" in (printed.pages[0].extract_text() or "")


def test_printing_renders_each_page_on_the_printer(
    qapp: QApplication, study: OpenStudy, demo: DemoReport, tmp_path: Path
) -> None:
    pytest.importorskip("pypdfium2")
    from PySide6.QtPrintSupport import QPrinter

    from rego_desktop.ui.print_casebook import print_pdf, summary_pdf

    pdf = summary_pdf(study, demo.eligible[0])
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "raster.pdf"))
    assert print_pdf(pdf, printer, passthrough=False) == page_count(pdf)
    assert len(PdfReader(tmp_path / "raster.pdf").pages) == page_count(pdf)
    printer.setOutputFileName(str(tmp_path / "two.pdf"))
    printer.setFromTo(2, 2)
    assert print_pdf(pdf, printer, passthrough=False) == 1
