"""Window sizes: every window opens inside the available screen area and comes back
at the size its user last left it.

A site workstation often has a 1366x768 screen; a window taller than that hides its
buttons below the task bar. :func:`place` sizes a window from the size remembered for
the signed-in user (or a default), shrinks it to the screen's available area, centres
it there, and remembers the size when the window is closed or hidden.

The sizes live in the settings file (no patient data), under the user who is signed
in; before anyone signs in (log-in, set-up) they are shared.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

SETTINGS_PATH_PROPERTY = "regoSettingsPath"
USER_PROPERTY = "regoUser"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_MIN_SIDE = 200
_MAX_SIDE = 10_000


def set_session(settings_path: Path | None, username: str | None) -> None:
    """Tell the windows where sizes are kept and who is signed in (``None``: nobody)."""
    app = QCoreApplication.instance()
    if app is None:
        return
    app.setProperty(SETTINGS_PATH_PROPERTY, str(settings_path) if settings_path else "")
    app.setProperty(USER_PROPERTY, username or "")


def _store() -> tuple[QSettings, str] | None:
    app = QCoreApplication.instance()
    if app is None:
        return None
    path = app.property(SETTINGS_PATH_PROPERTY)
    if not path:
        return None
    user = str(app.property(USER_PROPERTY) or "")
    prefix = f"windows/{user}" if user and _NAME.match(user) else "windows/_"
    return QSettings(str(path), QSettings.Format.IniFormat), prefix


def available_area(widget: QWidget | None = None) -> QRect:
    """The part of the screen windows may use (without task bars and panels)."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)


def remembered_size(name: str) -> QSize | None:
    store = _store()
    if store is None or not _NAME.match(name):
        return None
    settings, prefix = store
    raw = settings.value(f"{prefix}/{name}")
    match = re.fullmatch(r"(\d{1,5})x(\d{1,5})", str(raw or ""))
    if match is None:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    if not (_MIN_SIDE <= width <= _MAX_SIDE and _MIN_SIDE <= height <= _MAX_SIDE):
        return None
    return QSize(width, height)


def remember_size(name: str, size: QSize) -> None:
    store = _store()
    if store is None or not _NAME.match(name):
        return
    settings, prefix = store
    settings.setValue(f"{prefix}/{name}", f"{size.width()}x{size.height()}")
    settings.sync()


FRAME_WIDTH = 16  # a window manager's borders, at most
FRAME_HEIGHT = 40  # title bar and bottom border


def fitted(size: QSize, area: QRect) -> QSize:
    """``size`` shrunk so that the window and its frame fit inside ``area``."""
    return QSize(
        max(1, min(size.width(), area.width() - FRAME_WIDTH)),
        max(1, min(size.height(), area.height() - FRAME_HEIGHT)),
    )


class _SizeKeeper(QObject):
    """Remembers the window's size when it is hidden or closed."""

    def __init__(self, window: QWidget, name: str) -> None:
        super().__init__(window)
        self.name = name
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in (QEvent.Type.Close, QEvent.Type.Hide) and isinstance(watched, QWidget):
            remember_size(self.name, watched.size())
        return False


def place(window: QWidget, name: str, default: QSize) -> None:
    """Size ``window`` (remembered size or ``default``), fit it to the screen and centre it.

    Call once, after the window's contents are built and before it is shown. The
    window's minimum size is lowered too when it would not fit the screen.
    """
    area = available_area(window)
    wanted = remembered_size(name) or default
    size = fitted(wanted, area)
    minimum = window.minimumSize()
    if minimum.width() > size.width() or minimum.height() > size.height():
        window.setMinimumSize(
            min(minimum.width(), size.width()), min(minimum.height(), size.height())
        )
    window.resize(size)
    left = area.left() + (area.width() - size.width() - FRAME_WIDTH) // 2
    top = area.top() + (area.height() - size.height() - FRAME_HEIGHT) // 2
    window.move(max(area.left(), left), max(area.top(), top))
    if window.findChild(_SizeKeeper) is None:
        _SizeKeeper(window, name)
