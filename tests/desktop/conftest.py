"""The desktop tier: the real application in a real X server, driven by the keyboard only.

These tests are collected only with ``QT_QPA_PLATFORM=xcb`` (the X server's platform
plugin). ``tests/test_desktop_tier.py`` starts a private Xvfb and window manager and
runs them; so does ``python tests/desktop/run.py`` for a developer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.app import SiteApplication
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import wait_all
from rego_desktop.ui.settings import LAST_DATABASE, LAST_USER, Settings
from tests.conftest import ADMIN
from tests.desktop.keyboard import close_modal_dialogs
from tests.ui.conftest import SHOTS_ENV

ON_X11 = os.environ.get("QT_QPA_PLATFORM", "").startswith("xcb")
# Not collected at all (not even skipped) in the normal offscreen run.
collect_ignore_glob = [] if ON_X11 else ["test_*.py"]

StartSite = Callable[..., SiteApplication]
Screenshot = Callable[[str], Path]


@pytest.fixture(autouse=True)
def _on_x11(qapp: QApplication) -> None:
    platform = QGuiApplication.platformName()
    if platform != "xcb":
        pytest.fail(f"the desktop tier needs QT_QPA_PLATFORM=xcb, not {platform!r}")


@pytest.fixture
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots go to ``REGO_SCREENSHOT_DIR`` if set, else to a temporary folder."""
    folder = os.environ.get(SHOTS_ENV)
    path = Path(folder) if folder else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_screen(path: Path) -> Path:
    """The whole X screen as PNG (ImageMagick's ``import`` if installed, else Qt)."""
    app = QApplication.instance()
    if app is not None:
        app.processEvents()
    display = os.environ.get("DISPLAY", "")
    if display and shutil.which("import"):
        subprocess.run(
            ["import", "-display", display, "-window", "root", str(path)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    else:
        screen = QGuiApplication.primaryScreen()
        assert screen is not None
        assert screen.grabWindow(0).save(str(path))
    return path


@pytest.fixture
def screenshot(shots_dir: Path) -> Screenshot:
    """``screenshot("name")`` saves the whole screen as ``name.png``; returns the path."""
    return lambda name: save_screen(shots_dir / f"{name}.png")


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember a failed test body, for a screenshot before its windows close."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture
def start_site(
    qtbot: QtBot,
    created: tuple[OpenStudy, str],
    db_path: Path,
    tmp_path: Path,
    shots_dir: Path,
    request: pytest.FixtureRequest,
) -> Iterator[StartSite]:
    """Start the site application as ``rego-desktop`` does, on the study of ``created``.

    ``start_site(remember_user=True, messages=None)``: the settings name the study as
    the one opened last (and ``admin`` as the last user unless ``remember_user`` is
    false); ``messages`` defaults to the real :class:`MessageService` (real message
    boxes, as a user meets them). Returns the started :class:`SiteApplication`.
    """
    started: list[SiteApplication] = []

    def start(
        *, remember_user: bool = True, messages: MessageService | None = None
    ) -> SiteApplication:
        settings = Settings(tmp_path / "settings.ini")
        settings.set(LAST_DATABASE, str(db_path))
        if remember_user:
            settings.set(LAST_USER, ADMIN)
        app = SiteApplication(settings, messages or MessageService())
        started.append(app)
        app.start()
        return app

    yield start

    if request.node.stash.get(_CALL_FAILED, False):
        save_screen(shots_dir / f"FAILED-{request.node.name}.png")
    shut_down(started)


def shut_down(apps: list[SiteApplication]) -> None:
    """Close every window without blocking: a question asked on the way out (unsaved
    changes, a backup note) is dismissed by a timer, as Esc would."""
    reaper = QTimer()
    reaper.setInterval(50)
    reaper.timeout.connect(close_modal_dialogs)
    reaper.start()
    try:
        close_modal_dialogs()
        for app in apps:
            app.close_session()
            for dialog in (app.login, app.wizard):
                if dialog is not None:
                    dialog.close()
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible():
                widget.close()
                widget.hide()
        wait_all()
        QApplication.processEvents()
    finally:
        reaper.stop()
    for widget in QApplication.topLevelWidgets():
        widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
