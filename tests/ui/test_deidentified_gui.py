"""The application's de-identified outputs: the workbook from the Export screen and the
summary saved as PDF, as the command line writes them (issue 13)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui import print_casebook
from rego_desktop.ui.export_dialog import ExportDialog
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.workbooks.sheets import read_rows
from tests.exchange.sitefill import FillReport, fill_site


@pytest.fixture
def filled(study: OpenStudy) -> FillReport:
    return fill_site(study, 3, seed=5, without_first_dose=0, aged_90_plus=1)


def written(qtbot: QtBot, dialog: ExportDialog) -> None:
    qtbot.waitUntil(
        lambda: dialog.workbook_written is not None or dialog.error.isVisible(), timeout=30_000
    )
    assert dialog.workbook_written is not None, dialog.error.text()


def test_site_workbook_is_written_only_after_saying_it_keeps_dates(
    qtbot: QtBot, study: OpenStudy, filled: FillReport, tmp_path: Path
) -> None:
    messages = ScriptedMessages()
    dialog = ExportDialog(study, messages)
    qtbot.addWidget(dialog)
    dialog.show()
    out = tmp_path / "site.xlsx"
    messages.replies.append(False)  # the user declines
    dialog.save_workbook(deidentified=False, path=out)
    [(kind, _title, text)] = messages.shown
    assert kind == "confirm"
    assert "NOT de-identified" in text
    assert "calendar date" in text
    assert not out.exists()
    messages.replies.append(True)
    dialog.save_workbook(deidentified=False, path=out)
    written(qtbot, dialog)
    assert out.exists()
    assert "NOT de-identified" in dialog.done_label.text()
    readme = read_rows(out, "README")
    assert readme[1][0] == "SITE COPY"


def test_deidentified_workbook_is_written_without_asking(
    qtbot: QtBot, study: OpenStudy, filled: FillReport, tmp_path: Path
) -> None:
    messages = ScriptedMessages()
    dialog = ExportDialog(study, messages)
    qtbot.addWidget(dialog)
    dialog.show()
    out = tmp_path / "deid.xlsx"
    dialog.save_workbook(deidentified=True, path=out)
    written(qtbot, dialog)
    assert messages.shown == []
    assert "de-identified workbook" in dialog.done_label.text()
    readme = read_rows(out, "README")
    assert readme[1][0] == "DE-IDENTIFIED"
    ages = [r[2] for r in read_rows(out, "demographics")[1:]]
    assert "90+" in ages
    assert not any(isinstance(a, int) and a > 89 for a in ages)
    treatment = read_rows(out, "treatment")
    assert not any(isinstance(v, dt.date | dt.datetime) for row in treatment for v in row)


@pytest.mark.parametrize("deidentified", [False, True])
def test_save_as_pdf_offers_the_deidentified_copy(
    qtbot: QtBot,
    study: OpenStudy,
    filled: FillReport,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    deidentified: bool,
) -> None:
    code = PatientService(study).subject_codes()[0]
    target = tmp_path / "summary"  # the suffix is added
    offered: list[str] = []

    def choose(*args: Any) -> tuple[str, str]:
        filters = args[3].split(";;")
        offered.extend(filters)
        return str(target), filters[1 if deidentified else 0]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    messages = ScriptedMessages()
    saved = print_casebook.save_casebook_pdf(None, study, code, messages=messages)
    assert saved == target.with_suffix(".pdf")
    assert len(offered) == 2
    assert "De-identified" in offered[1]
    reader = PdfReader(io.BytesIO(saved.read_bytes()))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    name = next(p for p in filled.patients if p.subject_code == code).identifying[0]
    assert (name[:6] in text) != deidentified
    assert ("De-identified copy" in text) == deidentified
    [(_kind, _title, said)] = messages.shown
    assert ("de-identified" in said) == deidentified
