"""The application controller: first run, log-in, lock after idle, log out, demo mode."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from rego_desktop.paths import default_database
from rego_desktop.ui.app import DEMO_PASSWORD, DEMO_USER, SiteApplication
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import LAST_DATABASE, LAST_USER, Settings
from tests.conftest import ADMIN, PASSWORD
from tests.ui.conftest import settle, snapshot


def logged_in(qtbot: QtBot, messages: ScriptedMessages, db_path: Path) -> SiteApplication:
    """The application started on the study of ``db_path`` and logged in as admin."""
    settings = Settings()
    settings.set(LAST_DATABASE, str(db_path))
    app = SiteApplication(settings, messages)
    app.start()
    assert app.login is not None
    app.login.username.setText(ADMIN)
    app.login.password.setText(PASSWORD)
    app.login.try_login()
    qtbot.waitUntil(lambda: app.window is not None, timeout=10_000)
    return app


def test_first_run_without_a_database_opens_the_setup_wizard(
    qtbot: QtBot, messages: ScriptedMessages
) -> None:
    assert not default_database().exists()
    app = SiteApplication(Settings(), messages)
    app.start()
    assert app.wizard is not None
    assert app.wizard.isVisible()
    assert app.wizard.database_page.chosen() == default_database()
    app.wizard.close()


def test_login_then_idle_lock_returns_to_the_same_screen(
    qtbot: QtBot, messages: ScriptedMessages, created: object, db_path: Path
) -> None:
    app = logged_in(qtbot, messages, db_path)
    assert app.window is not None
    window = app.window
    settle()
    assert window.isVisible()
    assert app.idle is not None
    app.idle.set_interval_ms(50)
    qtbot.waitUntil(lambda: app.lock_dialog is not None, timeout=5000)
    assert not window.isVisible()
    lock = app.lock_dialog
    assert lock is not None
    lock.password.setText(PASSWORD)
    lock.try_unlock()
    qtbot.waitUntil(lambda: app.lock_dialog is None, timeout=10_000)
    assert window.isVisible()
    app.idle.pause()
    app.logout()
    assert app.window is None
    assert app.login is not None
    assert app.login.isVisible()
    app.login.close()


def test_demo_mode_shows_the_demo_password(
    qtbot: QtBot, messages: ScriptedMessages, tmp_path: Path, shots: Path
) -> None:
    app = SiteApplication(Settings(), messages, demo_folder=tmp_path)
    app.start()
    qtbot.waitUntil(lambda: app.login is not None or bool(messages.shown), timeout=60_000)
    assert messages.shown == []
    assert app.login is not None
    hint = app.login.demo_hint.text()
    assert DEMO_PASSWORD in hint
    assert DEMO_USER in hint
    assert app.login.username.text() == DEMO_USER
    snapshot(app.login, shots, "demo-login")
    app.login.password.setText(DEMO_PASSWORD)
    app.login.try_login()
    qtbot.waitUntil(lambda: app.window is not None, timeout=10_000)
    assert app.window is not None
    qtbot.waitUntil(
        lambda: app.window is not None and app.window.model.rowCount() > 100, timeout=10_000
    )
    snapshot(app.window, shots, "demo-patient-list")
    app.close_session()


def test_after_the_idle_lock_the_same_field_takes_the_next_key(
    qtbot: QtBot, messages: ScriptedMessages, created: object, db_path: Path
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from rego_desktop.services.patients import PatientService
    from tests.ui.conftest import activate

    settings = Settings()
    settings.set(LAST_DATABASE, str(db_path))
    settings.set(LAST_USER, ADMIN)
    app = SiteApplication(settings, messages)
    app.start()
    assert app.login is not None
    activate(qtbot, app.login)
    qtbot.keyClicks(QApplication.focusWidget(), PASSWORD)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: app.window is not None, timeout=10_000)
    assert app.window is not None
    assert app.study is not None
    code = PatientService(app.study).create_patient()
    app.window.open_patient(code)
    book = app.window.casebooks[code]
    activate(qtbot, book)
    wizard = book.open_form(app.study.definition.form("demographics"), None)
    assert wizard is not None
    activate(qtbot, wizard)
    settle()
    before = QApplication.focusWidget()
    assert before is not None
    assert wizard.isAncestorOf(before)
    assert app.idle is not None
    app.idle.set_interval_ms(50)
    qtbot.waitUntil(lambda: app.lock_dialog is not None, timeout=5000)
    lock = app.lock_dialog
    assert lock is not None
    activate(qtbot, lock)
    qtbot.keyClicks(QApplication.focusWidget(), PASSWORD)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: app.lock_dialog is None, timeout=10_000)
    app.idle.pause()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is before, timeout=5000)
    wizard.close()
    app.close_session()


def test_a_second_log_in_never_opens_a_second_main_window(
    qtbot: QtBot, messages: ScriptedMessages, created: object, db_path: Path
) -> None:
    from rego_desktop.store.opening import open_study

    app = logged_in(qtbot, messages, db_path)
    first = app.window
    app.show_login(db_path)  # e.g. a log-in left open behind the main window
    app.logged_in(open_study(db_path, ADMIN, PASSWORD))
    assert app.window is first
    mains = [w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow"]
    assert len([w for w in mains if w.isVisible()]) == 1
    app.close_session()
