"""First run, log-in, lock screen and the demo: the real windows, driven by keyboard."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from rego_desktop.store.opening import create_study, recover_access
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.idle_lock import LockDialog
from rego_desktop.ui.login import LoginDialog
from rego_desktop.ui.main_window import MainWindow
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import Settings
from rego_desktop.ui.setup_wizard import SetupWizard
from tests.conftest import FAST_KDF
from tests.ui.conftest import settle, snapshot

PASSWORD = "Ward-round-2024"


def test_setup_wizard_end_to_end(
    qtbot: QtBot, messages: ScriptedMessages, tmp_path: Path, shots: Path
) -> None:
    wizard = SetupWizard(messages)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.site_page.site, "bj 01")
    wizard.next()
    assert wizard.currentPage() is wizard.site_page  # refused: space in the code
    assert "Site code" in wizard.site_page.error.text()
    wizard.site_page.site.clear()
    qtbot.keyClicks(wizard.site_page.site, "bj01")
    snapshot(wizard, shots, "setup-1-site")
    wizard.next()
    assert wizard.site_page.site.text() == "BJ01"
    db = tmp_path / "study.rego"
    wizard.database_page.path.setText(str(db))
    snapshot(wizard, shots, "setup-2-database")
    wizard.next()
    page = wizard.admin_page
    qtbot.keyClicks(page.full_name, "Chen Hua")
    qtbot.keyClicks(page.password, "short1")
    qtbot.keyClicks(page.repeat, "short1")
    wizard.next()
    assert wizard.currentPage() is page
    assert "at least 10" in page.error.text()
    page.password.clear()
    page.repeat.clear()
    qtbot.keyClicks(page.password, PASSWORD)
    qtbot.keyClicks(page.repeat, PASSWORD)
    snapshot(wizard, shots, "setup-3-admin")
    wizard.next()
    snapshot(wizard, shots, "setup-4-center-key")
    wizard.next()
    assert wizard.currentPage() is wizard.recovery_page
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()  # recovery key not yet confirmed saved
    key_file = tmp_path / "recovery.txt"
    wizard.recovery_page.write_key(key_file)
    wizard.recovery_page.confirm.setFocus()
    qtbot.keyClick(wizard.recovery_page.confirm, Qt.Key.Key_Space)
    assert finish.isEnabled()
    snapshot(wizard, shots, "setup-5-recovery")
    assert not db.exists()  # nothing written before Finish
    with qtbot.waitSignal(wizard.created, timeout=30_000) as blocker:
        finish.click()
    study = blocker.args[0]
    assert isinstance(study, OpenStudy)
    assert study.info.site_code == "BJ01"
    assert study.user.full_name == "Chen Hua"
    study.close()
    key = key_file.read_text(encoding="utf-8").split("\n")[3]
    recover_access(db, key, "admin", "After-recovery-1", kdf=FAST_KDF).close()
    assert messages.shown == []


def make_site(tmp_path: Path) -> Path:
    path = tmp_path / "site.rego"
    created = create_study(path, "SH02", "nurse", PASSWORD, full_name="Wang Fang", kdf=FAST_KDF)
    created.study.close()
    return path


def test_login_wrong_then_right_password(
    qtbot: QtBot, messages: ScriptedMessages, tmp_path: Path, shots: Path
) -> None:
    path = make_site(tmp_path)
    dialog = LoginDialog(path, messages, username="nurse")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, "Wrong-password-9")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert dialog.error.text() == "Wrong user name or password."
    assert dialog.password.text() == ""
    snapshot(dialog, shots, "login-wrong-password")
    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.unlocked, timeout=10_000) as blocker:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    study = blocker.args[0]
    assert isinstance(study, OpenStudy)
    assert study.user.username == "nurse"
    study.close()


def test_main_window_lists_and_finds_patients(
    qtbot: QtBot, messages: ScriptedMessages, study: OpenStudy, shots: Path
) -> None:
    from rego_desktop.services.patients import PatientService

    service = PatientService(study)
    for name in ("张伟", "Wang Fang", "Li Na"):
        code = service.create_patient()
        service.save(code, "identification", {"full_name": name})
    window = MainWindow(study, messages, Settings())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10_000)
    window.search.setFocus()
    qtbot.keyClicks(window.search, "wang")
    assert window.proxy.rowCount() == 1
    assert window.count.text() == "1 of 3 patients"
    snapshot(window, shots, "patient-list")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    settle()
    assert "BJ01-0002" in window.casebooks
    assert window.casebooks["BJ01-0002"].isVisible()


def test_lock_dialog_unlocks_with_password(
    qtbot: QtBot, messages: ScriptedMessages, study: OpenStudy, shots: Path
) -> None:
    from tests.conftest import PASSWORD as ADMIN_PASSWORD

    dialog = LockDialog(study, messages)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, "not-it-123456")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert "Wrong password" in dialog.error.text()
    snapshot(dialog, shots, "lock-screen")
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.unlocked, timeout=10_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
