"""The GUI side of issue 16: importing a query file of the center, center queries marked
in the query list, answered and corrected from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from rego_desktop.center import queries as cq
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.merge import merge_file
from rego_desktop.exchange.export import export_transfer
from rego_desktop.exchange.keys import generate_center_keys, write_center_public_key
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.queries_view import ImportQueriesDialog, QueriesDialog
from tests.exchange.sitefill import new_site

CENTER = generate_center_keys("GUI Test Center")


@pytest.fixture
def setting(tmp_path: Path) -> Iterator[tuple[OpenStudy, CenterDatabase, Path, Path]]:
    study, _ = new_site(tmp_path, "BJ01", 2, seed=77)
    public = site_public_key(study)
    db = open_center_database(tmp_path / "center.db", create=True)
    try:
        transfer = tmp_path / "t1.rgt"
        export_transfer(study, CENTER.public, transfer)
        merge_file(db, transfer, CENTER, {"BJ01": public})
        cq.raise_manual(db, site="BJ01", subject="BJ01-0001", form="demographics",
                        field="ecog", text="ECOG 请核实。")  # fmt: skip
        queries = tmp_path / "q1.rgq"
        cq.export_query_file(db, "BJ01", queries, CENTER, public)
        key = tmp_path / "center-public-key.json"
        write_center_public_key(key, CENTER.public)
        yield study, db, queries, key
    finally:
        study.close()
        db.close()


def test_import_dialog_mark_answer_and_correct(
    qtbot: QtBot,
    messages: ScriptedMessages,
    setting: tuple[OpenStudy, CenterDatabase, Path, Path],
) -> None:
    study, _db, queries, key = setting
    dialog = ImportQueriesDialog(study, messages, center_key=key)
    qtbot.addWidget(dialog)
    assert CENTER.fingerprint in dialog.key_label.text()
    dialog.path.setText(str(queries))
    result = dialog.run_import()
    assert result is not None
    assert result.added == ["Q000001"]
    assert "Q000001" in dialog.report.toPlainText()
    # The same file again: refused, one message, nothing changed.
    assert dialog.run_import() is None
    assert "already imported" in messages.texts("error")[-1]

    listing = QueriesDialog(study, messages, None)
    qtbot.addWidget(listing)
    row = next(i for i, r in enumerate(listing.rows) if r.center_id == "Q000001")
    cell = listing.table.item(row, 4)
    assert cell is not None
    finding = cell.text()
    assert finding.startswith("[From the center, Q000001]")
    assert "ECOG 请核实。" in finding
    listing.table.selectRow(row)
    before = PatientService(study).casebook("BJ01-0001").value("demographics", "ecog")
    new = 3 if before != 3 else 2
    messages.replies.extend([str(new), "Typing error in the chart abstraction"])
    listing.correct()
    assert PatientService(study).casebook("BJ01-0001").value("demographics", "ecog") == new
    assert all(r.center_id != "Q000001" for r in listing.rows)  # list shows open ones
    corrected = next(r for r in listing.service.list() if r.center_id == "Q000001")
    assert corrected.status == "answered"
    assert corrected.corrections[0]["reason"] == "Typing error in the chart abstraction"
    assert "Value the center saw" in listing.describe(corrected)
