"""GUI test helpers: scripted message boxes, screenshots, waiting for operations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.ui.app import install_translations
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.operations import wait_all

SHOTS_ENV = "REGO_SCREENSHOT_DIR"


@pytest.fixture
def messages() -> ScriptedMessages:
    return ScriptedMessages()


@pytest.fixture
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder for screenshots of the main screens (``REGO_SCREENSHOT_DIR`` to keep them)."""
    folder = os.environ.get(SHOTS_ENV)
    path = Path(folder) if folder else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


def settle(rounds: int = 5) -> None:
    """Let background operations finish and their results arrive on the main thread."""
    app = QApplication.instance()
    for _ in range(rounds):
        wait_all()
        if app is not None:
            app.processEvents()


def activate(qtbot: QtBot, widget: QWidget) -> None:
    """Make the window active, so focus moves (leaving a field) behave as on a desktop."""
    handle = widget.windowHandle()
    assert handle is not None
    handle.requestActivate()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5000)


def snapshot(widget: QWidget, folder: Path, name: str) -> Path:
    settle()
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path))
    assert path.stat().st_size > 1000
    return path


@pytest.fixture(autouse=True)
def _close_windows() -> Iterator[None]:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        # Every test starts in English, whatever an earlier one (e.g. a Chinese
        # screenshot of the center window) switched to.
        install_translations(app, "en")
    yield
    settle()
    for widget in QApplication.topLevelWidgets():
        widget.close()
    settle()
