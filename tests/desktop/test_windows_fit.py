"""Every window of the daily flow fits a 1366x768 screen, frame and title bar included.

Where a window is and how big its frame is comes from the X server and the window
manager (``xwininfo``, ``_NET_FRAME_EXTENTS``), not from what Qt believes.
"""

from __future__ import annotations

import re
import subprocess

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.ui.casebook_window import CasebookWindow
from rego_desktop.ui.dashboard import Dashboard
from rego_desktop.ui.form_wizard import FormWizard
from rego_desktop.ui.login import LoginDialog
from rego_desktop.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.desktop.conftest import Screenshot, StartSite
from tests.desktop.keyboard import KeyScript, describe, visible_windows, window_active

SCREEN = QRect(0, 0, 1366, 768)


def rect(r: QRect) -> str:
    return f"{r.width()}x{r.height()} at ({r.x()},{r.y()})"


def _x11(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    return done.stdout if done.returncode == 0 else ""


def x_frame(window: QWidget) -> QRect | None:
    """The window's frame on the X screen; ``None`` until the window manager framed it."""
    window_id = str(int(window.winId()))
    info = _x11("xwininfo", "-id", window_id)
    extents = re.search(
        r"=\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+)",
        _x11("xprop", "-id", window_id, "_NET_FRAME_EXTENTS"),
    )
    fields = dict(
        re.findall(
            r"^\s*(Absolute upper-left [XY]|Width|Height|Map State):\s*(\S+)", info, re.MULTILINE
        )
    )
    if extents is None or fields.get("Map State") != "IsViewable" or len(fields) < 5:
        return None
    left, right, top, bottom = (int(v) for v in extents.groups())
    x, y = int(fields["Absolute upper-left X"]), int(fields["Absolute upper-left Y"])
    width, height = int(fields["Width"]), int(fields["Height"])
    return QRect(x - left, y - top, width + left + right, height + top + bottom)


def unframed() -> list[str]:
    return [f"{describe(w)} {w.windowTitle()!r}" for w in visible_windows() if x_frame(w) is None]


class Fit:
    """Checks every window on screen; remembers which kinds were seen and their frames."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self) -> None:
        problems = []
        for window in visible_windows():
            frame = x_frame(window)
            assert frame is not None, f"{describe(window)} has no frame on the screen"
            screen = window.screen() or QGuiApplication.primaryScreen()
            area = screen.availableGeometry()
            self.seen[type(window).__name__] = rect(frame)
            if not area.contains(frame):
                problems.append(
                    f"{describe(window)} {window.windowTitle()!r}: "
                    f"frame {rect(frame)} outside {rect(area)}"
                )
        assert not problems, "; ".join(problems)


def test_every_window_of_the_flow_fits_the_screen(
    qtbot: QtBot, start_site: StartSite, screenshot: Screenshot
) -> None:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    assert screen.geometry() == SCREEN, f"the X screen is {rect(screen.geometry())}"
    start_site()
    fits = Fit()
    script = KeyScript()

    def opened(kind: type[QWidget], what: str) -> None:
        script.until(window_active(kind), f"{what} is active")
        script.until(
            lambda: not unframed(),
            f"{what} has its window frame",
            explain=lambda: f"no frame yet: {', '.join(unframed())}",
        )
        script.check(fits, f"every window fits the screen with {what} open")
        script.check(lambda: screenshot(f"fit-{kind.__name__}"), "screenshot")

    opened(LoginDialog, "the log-in window")
    script.type(PASSWORD).key("Enter")
    opened(MainWindow, "the main window")
    script.key("Ctrl+N")  # new patient: its casebook opens
    opened(CasebookWindow, "the new casebook")
    script.key("Enter")  # the calendar has the focus: Enter opens the selected form
    opened(FormWizard, "a form")
    script.key("Escape")  # nothing typed: closes without a question
    script.until(window_active(CasebookWindow), "back in the casebook")
    script.key("Escape")  # closes the casebook
    script.until(window_active(MainWindow), "back in the main window")
    script.key("Ctrl+Shift+E")  # endpoint summary
    opened(Dashboard, "the endpoint summary")
    script.run(qtbot, timeout=60_000)
    kinds = {"LoginDialog", "MainWindow", "CasebookWindow", "FormWizard", "Dashboard"}
    assert set(fits.seen) >= kinds, fits.seen
