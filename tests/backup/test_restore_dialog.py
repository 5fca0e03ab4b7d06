"""The restore screen: lists the study's backups, checks, confirms, restores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from rego_desktop.backup.manifest import manifest_path
from rego_desktop.backup.restore import RestoreResult
from rego_desktop.backup.writer import write_backup
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.restore_dialog import RestoreDialog
from tests.backup.conftest import NAMES, damage_pages, names_in
from tests.conftest import ADMIN, PASSWORD
from tests.ui.conftest import settle, snapshot

pytestmark = pytest.mark.gui


@pytest.fixture
def messages() -> ScriptedMessages:
    return ScriptedMessages()


@pytest.fixture
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    folder = os.environ.get("REGO_SCREENSHOT_DIR")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _close_windows() -> Iterator[None]:
    yield
    settle()
    for widget in QApplication.topLevelWidgets():
        widget.close()
    settle()


@pytest.fixture
def usb(filled: OpenStudy, db_path: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "usb"
    write_backup(db_path, folder)
    PatientService(filled).create_patient()
    write_backup(db_path, folder)
    filled.close()
    return folder


def test_restore_a_damaged_study_by_keyboard(
    qtbot: QtBot, messages: ScriptedMessages, db_path: Path, usb: Path, shots: Path
) -> None:
    damage_pages(db_path)
    dialog = RestoreDialog(db_path, messages, folders=[usb], username=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 2
    newest = dialog.selected_backup()
    assert newest is not None
    assert dialog.table.item(0, 2).text() == "4"  # patients in the newest backup
    qtbot.keyClicks(dialog.password, PASSWORD)
    snapshot(dialog, shots, "restore-1-choose")
    messages.replies.append(True)  # yes, replace
    with qtbot.waitSignal(dialog.restored, timeout=30_000) as blocker:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    result = blocker.args[0]
    assert isinstance(result, RestoreResult)
    assert result.check.backup == newest
    assert result.kept is not None
    assert messages.shown[0][0] == "confirm"
    assert messages.shown[-1][:2] == ("info", "Study restored")
    assert str(result.kept) in messages.texts("info")[0]
    restored = open_study(db_path, ADMIN, PASSWORD)
    try:
        assert names_in(restored) >= set(NAMES)
        assert len(PatientService(restored).list_patients()) == 4
    finally:
        restored.close()


def test_wrong_password_is_shown_and_nothing_changes(
    qtbot: QtBot, messages: ScriptedMessages, db_path: Path, usb: Path, shots: Path
) -> None:
    before = db_path.read_bytes()
    dialog = RestoreDialog(db_path, messages, folders=[usb], username=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, "Not-the-password-9")
    messages.replies.append(True)
    dialog.restore_button.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=30_000)
    assert "cannot sign in to the study site.rego" in dialog.error.text()
    snapshot(dialog, shots, "restore-2-wrong-password")
    assert db_path.read_bytes() == before
    assert dialog.password.text() == ""


def test_check_only_and_other_file(
    qtbot: QtBot, messages: ScriptedMessages, db_path: Path, usb: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"  # a folder no backup was written to by this PC
    elsewhere.mkdir()
    newest = write_backup(db_path, tmp_path / "tmp-write").path
    other = elsewhere / newest.name
    shutil.copyfile(newest, other)
    shutil.copyfile(manifest_path(newest), manifest_path(other))
    shutil.rmtree(newest.parent)
    dialog = RestoreDialog(db_path, messages, folders=[usb], username=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    rows = dialog.table.rowCount()
    dialog.choose_file(other)
    assert dialog.table.rowCount() == rows + 1
    assert dialog.selected_backup() == other
    dialog.choose_file(other)  # already listed: selected, not added again
    assert dialog.table.rowCount() == rows + 1
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(messages.texts("info")), timeout=30_000)
    assert "The backup is good: 4 patients" in messages.texts("info")[0]
    assert not [m for m in messages.shown if m[0] == "confirm"]


def test_no_backups_found_says_where_it_looked(
    qtbot: QtBot, messages: ScriptedMessages, db_path: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    dialog = RestoreDialog(db_path, messages, folders=[empty])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 0
    assert str(empty) in dialog.empty.text()
    dialog.restore_button.click()
    assert dialog.error.text() == "Choose a backup first."
