"""Every screen of the center window at 1366x768, in English and Chinese: fits the
screen, unique mnemonics, screenshots (``REGO_SCREENSHOT_DIR`` keeps them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.center.db import open_center_database
from rego_desktop.center.merge import merge_files, order_for_merge
from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.app import CenterApplication
from rego_desktop.center_ui.choosers import ScriptedChooser
from rego_desktop.center_ui.key_dialog import KeyDialog
from rego_desktop.center_ui.register_dialog import RegisterDialog
from rego_desktop.ui import geometry
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import Settings
from tests.center.conftest import CENTER
from tests.center_ui.conftest import Center, ctrl, open_by_keys, register_all
from tests.ui.conftest import settle, snapshot
from tests.ui.mnemonics import assert_unique_mnemonics

SCREEN = QRect(0, 0, 1366, 728)  # 1366x768 less a 40-pixel task bar


@pytest.fixture(autouse=True)
def screen(monkeypatch: pytest.MonkeyPatch) -> QRect:
    """Windows are placed as on a 1366x768 screen with a task bar."""
    monkeypatch.setattr(geometry, "available_area", lambda _widget=None: QRect(SCREEN))
    return SCREEN


def fits(window: QWidget, area: QRect = SCREEN) -> None:
    size, hint = window.size(), window.minimumSizeHint()
    assert size.width() <= area.width(), size
    assert size.height() <= area.height(), size
    assert hint.width() <= area.width(), hint
    assert hint.height() <= area.height(), hint
    assert area.contains(QRect(window.pos(), size)), (window.pos(), size)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_screen_fits_and_has_unique_mnemonics(
    qtbot: QtBot,
    controller: CenterApplication,
    center: Center,
    settings: Settings,
    messages: ScriptedMessages,
    shots: Path,
    language: str,
) -> None:
    register_all(center)
    with open_center_database(center.database, create=True) as db:
        merge_files(
            db,
            order_for_merge(center.network.all_files()),
            CENTER,
            center.network.registry,
            allow_removals=True,
        )
    backups = center.folder / "backups"
    settings.set(keys.BACKUP_FOLDER, str(backups))
    settings.set(keys.LANGUAGE, language)
    controller.start()
    dialog = controller.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    fits(dialog)
    assert_unique_mnemonics(dialog)
    snapshot(dialog, shots, f"center-open-{language}")
    key_dialog = KeyDialog(ScriptedChooser(), "", dialog)
    key_dialog.show()
    qtbot.waitExposed(key_dialog)
    fits(key_dialog)
    assert_unique_mnemonics(key_dialog)
    snapshot(key_dialog, shots, f"center-keygen-{language}")
    key_dialog.close()
    window = open_by_keys(qtbot, controller)
    fits(window)
    for number, (key, page) in enumerate(window.pages, start=1):
        ctrl(str(number))
        settle()
        assert window.current_page() is page
        assert_unique_mnemonics(window)
        if page is window.backups:
            page.backup()
            settle()
        if page is window.inbox:
            page.add_paths([str(p) for p in center.network.all_files()])
            page.merge()
            settle()
        snapshot(window, shots, f"center-{number}-{key}-{language}")

    def in_dialog() -> None:
        active = QApplication.activeModalWidget()
        assert isinstance(active, RegisterDialog)
        active.file.setText(str(center.network.folder / "none.json"))
        active.read_file()
        fits(active)
        assert_unique_mnemonics(active)
        snapshot(active, shots, f"center-register-{language}")
        active.reject()

    ctrl("1")
    QTimer.singleShot(300, in_dialog)
    window.sites.register()
    settle()
