"""Logging in with the keyboard, as a nurse does at the start of the day."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QFileDialog, QWizard
from pytestqt.qtbot import QtBot

from rego_desktop.ui.login import LoginDialog
from rego_desktop.ui.main_window import MainWindow
from tests.conftest import ADMIN, PASSWORD
from tests.desktop.conftest import StartSite
from tests.desktop.keyboard import (
    KeyScript,
    focus_named,
    visible_windows,
    window_active,
    windows_of,
)


def only_one_main_window() -> None:
    mains = windows_of(MainWindow)
    assert len(mains) == 1, f"{len(mains)} main windows on screen"
    assert not windows_of(QFileDialog), "a file dialog is open"
    assert not windows_of(QWizard), "a set-up wizard is open"
    assert not windows_of(LoginDialog), "a log-in window is still on screen"


def test_password_and_enter_open_exactly_one_main_window(
    qtbot: QtBot, start_site: StartSite
) -> None:
    app = start_site()
    script = (
        KeyScript()
        .until(window_active(LoginDialog), "the log-in window is active")
        .until(focus_named("password"), "the password field has the focus")
        .type(PASSWORD)
        .key("Enter")
        .until(window_active(MainWindow), "the main window is active")
        .pause(1500)  # anything opened by the same Enter would show by now
        .check(only_one_main_window, "exactly one main window, nothing else")
        .check(lambda: app.window is not None and app.window.isActiveWindow(), "it is active")
    )
    script.run(qtbot, timeout=30_000)
    assert script.keystrokes == len(PASSWORD) + 1


def test_user_name_enter_password_enter(qtbot: QtBot, start_site: StartSite) -> None:
    """No user remembered: the user name has the focus; Enter moves on to the password."""
    start_site(remember_user=False)
    script = (
        KeyScript()
        .until(window_active(LoginDialog), "the log-in window is active")
        .until(focus_named("username"), "the user name field has the focus")
        .type(ADMIN)
        .key("Enter")
        .until(focus_named("password"), "Enter moved on to the password")
        .check(lambda: windows_of(LoginDialog), "the log-in window is still open")
        .type(PASSWORD)
        .key("Enter")
        .until(window_active(MainWindow), "the main window is active")
        .pause(1500)
        .check(only_one_main_window, "exactly one main window, nothing else")
    )
    script.run(qtbot, timeout=30_000)


def test_wrong_password_keeps_focus_in_the_cleared_password_field(
    qtbot: QtBot, start_site: StartSite
) -> None:
    app = start_site()

    def error_shown() -> bool:
        login = app.login
        return login is not None and login.error.isVisible() and bool(login.error.text())

    def password_cleared_and_focused() -> None:
        login = app.login
        assert login is not None
        assert login.isActiveWindow(), "the log-in window lost the focus"
        assert QApplication.focusWidget() is login.password, "focus left the password"
        assert login.password.text() == "", "the wrong password was not cleared"

    script = (
        KeyScript()
        .until(window_active(LoginDialog), "the log-in window is active")
        .until(focus_named("password"), "the password field has the focus")
        .type("Wrong-horse-42")
        .key("Enter")
        .until(error_shown, "the error is shown in the log-in window")
        .check(password_cleared_and_focused, "the password is cleared and keeps the focus")
        .check(lambda: not windows_of(MainWindow), "no main window")
        # The next attempt is typed straight away, with no click.
        .type(PASSWORD)
        .key("Enter")
        .until(window_active(MainWindow), "the main window is active")
        .check(only_one_main_window, "exactly one main window, nothing else")
    )
    script.run(qtbot, timeout=30_000)


def test_escape_on_the_log_in_opens_nothing_else(qtbot: QtBot, start_site: StartSite) -> None:
    start_site()
    script = (
        KeyScript()
        .until(window_active(LoginDialog), "the log-in window is active")
        .key("Escape")
        .until(lambda: not windows_of(LoginDialog), "the log-in window closed")
        .pause(1500)
        .check(
            lambda: not visible_windows(),
            "no other window opened (file dialog, set-up wizard, main window)",
        )
    )
    script.run(qtbot, timeout=20_000)
