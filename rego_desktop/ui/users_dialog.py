"""User management for administrators: add users, change roles, reset passwords."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.auth.passwords import RULES
from rego_desktop.auth.roles import Role
from rego_desktop.errors import RegoError
from rego_desktop.services.users import UserRow, UserService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.errors import report_exception
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.widgets import error_label, language


class UserEditor(QDialog):
    """Name, role and password of a new user (or only the password, for a reset)."""

    def __init__(self, parent: QWidget | None, *, reset_for: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(
            self.tr("Reset password of {user}").format(user=reset_for)
            if reset_for
            else self.tr("Add user")
        )
        self.username = QLineEdit()
        self.username.setObjectName("newUsername")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("newFullName")
        self.role = QComboBox()
        self.role.setObjectName("newRole")
        for role in Role:
            self.role.addItem(role.label.text(language()), role)
        self.password = QLineEdit()
        self.password.setObjectName("newPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("newRepeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        if reset_for is None:
            form.addRow(self.tr("&User name:"), self.username)
            form.addRow(self.tr("&Full name:"), self.full_name)
            form.addRow(self.tr("&Role:"), self.role)
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow(self.tr("R&epeat password:"), self.repeat)
        form.addRow("", QLineEdit(RULES.text(language()), readOnly=True, frame=False))
        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if self.password.text() != self.repeat.text():
            self.error.setText(self.tr("The two passwords differ."))
            self.error.show()
            return
        self.accept()


class UsersDialog(QDialog):
    def __init__(
        self, study: OpenStudy, messages: MessageService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = UserService(study)
        self.messages = messages
        self.setWindowTitle(self.tr("Users"))
        self.resize(640, 360)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("usersTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("User name"), self.tr("Full name"), self.tr("Role"), self.tr("Active")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        add = QPushButton(self.tr("&Add user…"))
        add.clicked.connect(self.add_user)
        reset = QPushButton(self.tr("&Reset password…"))
        reset.clicked.connect(self.reset_password)
        toggle = QPushButton(self.tr("&Deactivate / activate"))
        toggle.clicked.connect(self.toggle_active)
        self.role = QComboBox()
        for r in Role:
            self.role.addItem(r.label.text(language()), r)
        set_role = QPushButton(self.tr("Set &role"))
        set_role.clicked.connect(self.change_role)
        row = QHBoxLayout()
        for widget in (add, reset, toggle, self.role, set_role):
            row.addWidget(widget)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(close)
        self.rows: list[UserRow] = []
        self.reload()

    def reload(self) -> None:
        self.rows = self.service.list_users()
        self.table.setRowCount(len(self.rows))
        for i, user in enumerate(self.rows):
            cells = [
                user.username,
                user.full_name,
                user.role.label.text(language()),
                self.tr("yes") if user.active else self.tr("no"),
            ]
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def _selected(self) -> UserRow | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _run(self, action: object) -> None:
        try:
            assert callable(action)
            action()
        except RegoError as exc:
            self.messages.error(self, self.tr("Users"), str(exc))
        except Exception as exc:
            report_exception(self, exc, self.messages)
        self.reload()

    def add_user(self) -> None:
        editor = UserEditor(self)
        if editor.exec():
            role = editor.role.currentData()
            self._run(
                lambda: self.service.add_user(
                    editor.username.text(), editor.full_name.text(), role, editor.password.text()
                )
            )

    def reset_password(self) -> None:
        user = self._selected()
        if user is None:
            return
        editor = UserEditor(self, reset_for=user.username)
        if editor.exec():
            self._run(lambda: self.service.reset_password(user.username, editor.password.text()))

    def toggle_active(self) -> None:
        user = self._selected()
        if user is not None:
            self._run(lambda: self.service.set_active(user.username, not user.active))

    def change_role(self) -> None:
        user = self._selected()
        if user is not None:
            role = self.role.currentData()
            self._run(lambda: self.service.set_role(user.username, role))
