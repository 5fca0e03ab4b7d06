"""The Export screen shows what leaves the site and writes a verifiable transfer file."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from rego_desktop.demo.generator import generate
from rego_desktop.exchange.container import read_header
from rego_desktop.exchange.keys import generate_center_keys, write_center_public_key
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.export_dialog import ExportDialog
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.setup_wizard import stored_center_key
from tests.ui.conftest import snapshot


def test_export_screen_previews_then_writes(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, tmp_path: Path, shots: Path
) -> None:
    generate(study, 8, seed=4)
    center = generate_center_keys("Coordinating Center")
    stored_center_key().parent.mkdir(parents=True, exist_ok=True)
    write_center_public_key(stored_center_key(), center.public)
    dialog = ExportDialog(study, messages)
    qtbot.addWidget(dialog)
    dialog.show()
    text = dialog.preview.toPlainText()
    assert "8" in text
    assert "identif" in text.lower()
    assert dialog.key_path.text() == str(stored_center_key())
    out = tmp_path / "BJ01-test.rgt"
    dialog.out_path.setText(str(out))
    snapshot(dialog, shots, "export-preview")
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.exported is not None or dialog.error.isVisible(), timeout=20_000)
    assert dialog.exported is not None, dialog.error.text()
    assert out.exists()
    header = read_header(out)
    assert header.site_code == "BJ01"
    assert header.sequence == 1
    assert str(out) in dialog.done_label.text()
    # A second export in place of the same file is refused with a clear message.
    dialog.export_button.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=20_000)
    assert "exists" in dialog.error.text()
    assert messages.shown == []
