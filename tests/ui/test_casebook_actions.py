"""Signing from the casebook window, the query lists, the audit viewer and user
management: the real dialogs, with their answers scripted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QTableWidget
from pytestqt.qtbot import QtBot

from rego_desktop.auth.roles import Role
from rego_desktop.demo.generator import generate
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryService
from rego_desktop.services.signatures import SignatureService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.audit_view import AuditDialog
from rego_desktop.ui.casebook_window import CasebookWindow, PasswordDialog
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.queries_view import QueriesDialog
from rego_desktop.ui.users_dialog import UsersDialog
from tests.conftest import FAST_KDF
from tests.ui.conftest import settle, snapshot

DOCTOR_PASSWORD = "Clinic-rounds-123"


@pytest.fixture
def doctor(study: OpenStudy, db_path: Path) -> Iterator[OpenStudy]:
    generate(study, 12, seed=21)
    UserService(study, kdf=FAST_KDF).add_user(
        "drliu", "Liu Yang", Role.INVESTIGATOR, DOCTOR_PASSWORD
    )
    session = open_study(db_path, "drliu", DOCTOR_PASSWORD)
    yield session
    session.close()


def complete_subject(study: OpenStudy) -> str:
    for code in PatientService(study).subject_codes():
        if not SignatureService(study).incomplete_forms(code):
            return code
    raise AssertionError("no complete casebook in the demo")


def test_sign_and_unlock_from_the_casebook(
    qtbot: QtBot,
    doctor: OpenStudy,
    messages: ScriptedMessages,
    shots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code = complete_subject(doctor)
    window = CasebookWindow(doctor, code, messages)
    qtbot.addWidget(window)
    window.show()
    assert window.sign_action.isEnabled()

    def answer(dialog: PasswordDialog) -> int:
        meaning = dialog.findChild(QLabel, "meaning")
        assert meaning is not None
        if dialog.windowTitle().startswith("Sign"):
            snapshot(dialog, shots, "sign-dialog")
            assert "accurate and complete" in meaning.text()
        else:
            assert "revokes the signature" in meaning.text()
        dialog.password.setText(DOCTOR_PASSWORD)
        dialog.reason.setText("Monitoring finding on AE grade")
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(PasswordDialog, "exec", answer)
    window.sign()
    qtbot.waitUntil(lambda: window.book is not None and window.book.locked, timeout=10_000)
    assert "Signed by Liu Yang" in window.subtitle.text()
    assert not window.sign_action.isEnabled()
    assert window.unlock_action.isEnabled()
    snapshot(window, shots, "casebook-signed")
    # Locked: the forms cannot be opened for editing.
    assert window.open_form(doctor.definition.form("demographics"), "") is None
    assert messages.texts("info")
    window.unlock()
    qtbot.waitUntil(lambda: window.book is not None and not window.book.locked, timeout=10_000)
    assert SignatureService(doctor).signatures(code)[0].revoked_by == "drliu"


def test_site_and_patient_query_lists(
    qtbot: QtBot, doctor: OpenStudy, messages: ScriptedMessages, shots: Path
) -> None:
    dialog = QueriesDialog(doctor, messages, None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.rows, "the demo has open findings"
    snapshot(dialog, shots, "queries-site")
    first = dialog.rows[0]
    dialog.table.selectRow(0)
    messages.replies.append("Checked against the chart: correct as entered")
    dialog.answer()
    assert QueryService(doctor).get(first.uid).status == "answered"
    messages.replies.append("Accepted")
    dialog.status_filter.setCurrentIndex(dialog.status_filter.findData("answered"))
    dialog.table.selectRow(0)
    dialog.close_query()
    closed = QueryService(doctor).get(first.uid)
    assert closed.status == "closed"
    opened: list[str] = []
    dialog.open_subject.connect(opened.append)
    dialog.status_filter.setCurrentIndex(dialog.status_filter.findData(None))
    dialog.table.selectRow(0)
    dialog.go_to()
    assert opened == [dialog.rows[0].subject]
    mine = QueriesDialog(doctor, messages, first.subject)
    qtbot.addWidget(mine)
    assert {r.subject for r in mine.rows} <= {first.subject}
    assert mine.table.isColumnHidden(0)


def test_audit_viewer_shows_old_new_and_reason(qtbot: QtBot, study: OpenStudy, shots: Path) -> None:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "demographics", {"sex": "male", "ecog": 1})
    service.save(code, "demographics", {"sex": "male", "ecog": 2}, reason="Chart re-read")
    dialog = AuditDialog(study, code)
    qtbot.addWidget(dialog)
    dialog.show()
    grid = dialog.findChild(QTableWidget, "auditTable")
    assert grid is not None
    rows = []
    for r in range(grid.rowCount()):
        cells = [grid.item(r, c) for c in range(grid.columnCount())]
        rows.append([cell.text() if cell is not None else "" for cell in cells])
    assert ["ECOG performance status", "1", "2", "Chart re-read"] in [r[5:9] for r in rows]
    state = dialog.findChild(QLabel, "auditState")
    assert state is not None
    assert "chain intact" in state.text()
    snapshot(dialog, shots, "audit-viewer")


def test_users_dialog_adds_a_user(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rego_desktop.ui.users_dialog import UserEditor

    def fill(editor: UserEditor) -> int:
        editor.username.setText("nurse2")
        editor.full_name.setText("Zhou Min")
        editor.role.setCurrentIndex(editor.role.findData(Role.DATA_ENTRY))
        editor.password.setText("Ward-round-2025")
        editor.repeat.setText("Ward-round-2025")
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(UserEditor, "exec", fill)
    dialog = UsersDialog(study, messages)
    qtbot.addWidget(dialog)
    dialog.add_user()
    settle()
    assert ("nurse2", "Zhou Min", Role.DATA_ENTRY, True) in [
        (u.username, u.full_name, u.role, u.active) for u in UserService(study).list_users()
    ]
    assert dialog.table.rowCount() == 2
    assert messages.shown == []
