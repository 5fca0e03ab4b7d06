"""Start-up of the center window: the open dialog, then the main window.

:class:`CenterApplication` owns the windows of one run (no global state); tests create
it with scripted messages and file choosers.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QObject, QTranslator
from PySide6.QtWidgets import QApplication

from rego_desktop import __version__
from rego_desktop.center_ui import settings as keys
from rego_desktop.center_ui.choosers import FileChooser
from rego_desktop.center_ui.open_dialog import OpenDialog
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.settings import center_settings
from rego_desktop.center_ui.window import CenterWindow
from rego_desktop.ui.app import install_translations
from rego_desktop.ui.geometry import set_session
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import wait_all
from rego_desktop.ui.settings import Settings


class CenterApplication(QObject):
    def __init__(self, settings: Settings, messages: MessageService, chooser: FileChooser) -> None:
        super().__init__()
        self.settings = settings
        self.messages = messages
        self.chooser = chooser
        self.dialog: OpenDialog | None = None
        self.window: CenterWindow | None = None
        self.session: CenterSession | None = None
        self.translators: list[QTranslator] = []

    def set_language(self, code: str) -> None:
        app = QApplication.instance()
        if app is None:
            return
        for translator in self.translators:
            QApplication.removeTranslator(translator)
        assert isinstance(app, QApplication)
        self.translators = install_translations(app, code)

    def start(self) -> None:
        set_session(self.settings.path, None)
        self.set_language(self.settings.get(keys.LANGUAGE))
        self.show_open()

    def show_open(self) -> None:
        old = self.dialog
        self.dialog = OpenDialog(self.settings, self.messages, self.chooser)
        if old is not None:
            self.dialog.passphrase.setText(old.passphrase.text())
        self.dialog.opened.connect(self.opened)
        self.dialog.language_chosen.connect(self._dialog_language)
        self.dialog.rejected.connect(self._open_cancelled)
        self.dialog.show()  # before the old one closes, so the application does not quit
        if old is not None:
            old.rejected.disconnect(self._open_cancelled)
            old.close()
            old.deleteLater()

    def _dialog_language(self, code: str) -> None:
        self.set_language(code)
        self.show_open()
        if self.dialog is not None:
            self.dialog.language.setFocus()

    def _open_cancelled(self) -> None:
        if self.window is None and QApplication.instance() is not None:
            QApplication.quit()

    def opened(self, session: object) -> None:
        assert isinstance(session, CenterSession)
        if self.session is not None and self.session is not session:
            self.session.close()
        self.session = session
        self.show_window()

    def show_window(self) -> None:
        assert self.session is not None
        old = self.window
        current = old.tabs.currentIndex() if old is not None else 0
        if old is not None:
            wait_all()
        self.window = CenterWindow(self.session, self.settings, self.messages, self.chooser)
        self.window.open_other.connect(self.show_open)
        self.window.language_chosen.connect(self._window_language)
        self.window.tabs.setCurrentIndex(current)
        self.window.show()  # before the old one closes, so the application does not quit
        if old is not None:
            old.close()
            old.deleteLater()

    def _window_language(self, code: str) -> None:
        self.set_language(code)
        self.show_window()

    def close_window(self) -> None:
        if self.window is not None:
            wait_all()
            window, self.window = self.window, None
            window.close()
            window.deleteLater()

    def close(self) -> None:
        self.close_window()
        if self.dialog is not None:
            self.dialog.close()
        if self.session is not None:
            self.session.close()
            self.session = None


def display_available() -> bool:
    """Whether a window can be shown (on Linux: an X or Wayland display, or a Qt
    platform chosen explicitly); Windows and macOS always have one."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def run_center_gui(argv: list[str] | None = None) -> int:
    """``rego-center`` without a command: open the center window."""
    if QApplication.instance() is None and not display_available():
        print(
            "rego-center: there is no display to open the center window on. Use a command "
            "instead (rego-center --help lists them).",
            file=sys.stderr,
        )
        return 2
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("rego-center")
    app.setApplicationVersion(__version__)
    controller = CenterApplication(center_settings(), MessageService(), FileChooser())
    controller.start()
    try:
        code = app.exec()
    finally:
        controller.close()
    return int(code)
