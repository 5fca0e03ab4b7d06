"""Fixtures of the center window tests: a key folder, registered site keys, a center
database, and the window opened on them (offscreen, 1366x768)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.center.registry import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE
from rego_desktop.center_ui.app import CenterApplication
from rego_desktop.center_ui.choosers import ScriptedChooser
from rego_desktop.center_ui.settings import center_settings
from rego_desktop.center_ui.window import CenterWindow
from rego_desktop.exchange.keys import (
    write_center_private_key,
    write_center_public_key,
    write_site_public_key,
)
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import Settings
from tests.center.conftest import (  # noqa: F401 (fixtures)
    CENTER,
    Network,
    network,
    postgres_server,
    postgres_url,
)
from tests.ui.conftest import activate, settle, shots

__all__ = ["activate", "settle", "shots"]

PASSPHRASE = "center passphrase 2024"


@dataclass
class Center:
    folder: Path
    key_folder: Path
    site_keys: Path
    database: Path
    inbox: Path
    network: Network


@pytest.fixture
def center(network: Network, tmp_path: Path) -> Center:  # noqa: F811
    """Center key (with passphrase), an empty site key folder, an inbox holding every
    site's transfer files, no database yet."""
    key_folder, site_keys, inbox = tmp_path / "key", tmp_path / "sites", tmp_path / "inbox"
    for folder in (key_folder, site_keys, inbox):
        folder.mkdir()
    write_center_private_key(key_folder / PRIVATE_KEY_FILE, CENTER, PASSPHRASE)
    write_center_public_key(key_folder / PUBLIC_KEY_FILE, CENTER.public)
    for path in network.all_files():
        (inbox / path.name).write_bytes(path.read_bytes())
    return Center(tmp_path, key_folder, site_keys, tmp_path / "center.db", inbox, network)


def register_all(center: Center) -> None:
    for code, site in center.network.sites.items():
        write_site_public_key(center.site_keys / f"{code}.json", site.public)


@pytest.fixture
def settings(data_dir: Path, center: Center) -> Settings:
    s = center_settings(data_dir / "center.ini")
    from rego_desktop.center_ui import settings as keys

    s.set(keys.DATABASE, str(center.database))
    s.set(keys.KEY_FOLDER, str(center.key_folder))
    s.set(keys.SITE_KEYS, str(center.site_keys))
    return s


@pytest.fixture
def messages() -> ScriptedMessages:
    return ScriptedMessages()


@pytest.fixture
def chooser() -> ScriptedChooser:
    return ScriptedChooser()


@pytest.fixture
def controller(
    qtbot: QtBot, settings: Settings, messages: ScriptedMessages, chooser: ScriptedChooser
) -> Iterator[CenterApplication]:
    app = CenterApplication(settings, messages, chooser)
    yield app
    settle()
    app.close()
    settle()
    app.set_language("en")  # the next tests (of the site's windows) expect English
    for widget in QApplication.topLevelWidgets():
        widget.close()
    settle()


def cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focused(), key, modifier)


def type_text(text: str) -> None:
    QTest.keyClicks(focused(), text)


def alt(letter: str) -> None:
    """Alt+letter: a mnemonic (a button is clicked, a label's buddy gets the focus)."""
    press(getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier)
    QTest.qWait(150)


def ctrl(key: str) -> None:
    press(getattr(Qt.Key, f"Key_{key.upper()}"), Qt.KeyboardModifier.ControlModifier)
    QTest.qWait(50)
    settle()


def open_by_keys(
    qtbot: QtBot, controller: CenterApplication, *, create: bool = False
) -> CenterWindow:
    """Start, type the passphrase into the focused field, press Enter: the window.
    ``create``: answer yes to creating the new database."""
    if create:
        messages = controller.messages
        assert isinstance(messages, ScriptedMessages)
        messages.replies.append(True)
    controller.start()
    dialog = controller.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    activate(qtbot, dialog)
    assert focused() is dialog.passphrase
    type_text(PASSPHRASE)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=15000)
    window = controller.window
    assert window is not None
    qtbot.waitExposed(window)
    activate(qtbot, window)
    settle()
    return window
