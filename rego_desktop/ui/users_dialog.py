"""User management for administrators: add users, change roles, reset passwords."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.auth.passwords import RULES, password_problems
from rego_desktop.auth.roles import Role
from rego_desktop.errors import RegoError
from rego_desktop.services.users import UserRow, UserService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.errors import report_exception
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.widgets import error_label, language


class UserEditor(QDialog):
    """Name, role and password of a new user (or only the password, for a reset).

    With ``submit`` the editor hands its values to the domain when OK is pressed and
    stays open if they are refused: the message is shown, the password fields are
    cleared and get the focus, everything else typed is kept.
    """

    def __init__(
        self,
        parent: QWidget | None,
        *,
        reset_for: str | None = None,
        submit: Callable[[UserEditor], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.submit = submit
        self.submitted = False
        self.reset_for = reset_for
        self.setObjectName("userEditor")
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
        # Least privilege first: a higher role is a deliberate choice.
        self.role.setCurrentIndex(self.role.findData(Role.DATA_ENTRY))
        self.password = QLineEdit()
        self.password.setObjectName("newPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("newRepeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        rules = QLabel(RULES.text(language()))
        rules.setObjectName("passwordRules")
        rules.setWordWrap(True)
        rules.setStyleSheet("color: #555555;")
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        if reset_for is None:
            form.addRow(self.tr("&User name:"), self.username)
            form.addRow(self.tr("&Full name:"), self.full_name)
            form.addRow(self.tr("&Role:"), self.role)
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow(self.tr("R&epeat password:"), self.repeat)
        form.addRow("", rules)
        self.error = error_label()
        self.error.setObjectName("userError")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        set_default_button(self, buttons.button(QDialogButtonBox.StandardButton.Ok))
        place(self, "userEditor", QSize(560, 340 if reset_for is None else 240))
        (self.username if reset_for is None else self.password).setFocus()

    def refused(self, message: str) -> None:
        """The password (or another value) was refused: say why, retype the password."""
        self.error.setText(message)
        self.error.show()
        self.password.clear()
        self.repeat.clear()
        self.password.setFocus()

    def _check(self) -> None:
        if self.password.text() != self.repeat.text():
            self.refused(self.tr("The two passwords differ."))
            return
        if self.submit is not None:
            try:
                self.submit(self)
            except RegoError as exc:
                if password_problems(self.password.text(), self.reset_for or self.username.text()):
                    # In Chinese the whole rule is shown, not only what this password broke.
                    self.refused(
                        exc.text(language())
                        if not language().startswith("zh")
                        else self.tr("Password not accepted. {rules}").format(
                            rules=RULES.text(language())
                        )
                    )
                else:  # e.g. the user name is taken: keep everything, say why
                    self.error.setText(exc.text(language()))
                    self.error.show()
                    (self.username if self.username.isVisible() else self.password).setFocus()
                return
            self.submitted = True
        self.accept()


class UsersDialog(QDialog):
    def __init__(
        self, study: OpenStudy, messages: MessageService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = UserService(study)
        self.messages = messages
        self.setObjectName("usersDialog")
        self.setWindowTitle(self.tr("Users"))
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
        self.role.setObjectName("changeRole")
        for r in Role:
            self.role.addItem(r.label.text(language()), r)
        set_role = QPushButton(self.tr("Set r&ole"))
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
        set_default_button(self, None)
        place(self, "users", QSize(700, 400))
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
            self.messages.error(self, self.tr("Users"), exc.text(language()))
        except Exception as exc:
            report_exception(self, exc, self.messages)
        self.reload()

    def _add(self, editor: UserEditor) -> None:
        self.service.add_user(
            editor.username.text(),
            editor.full_name.text(),
            editor.role.currentData(),
            editor.password.text(),
        )

    def add_user(self) -> None:
        editor = UserEditor(self, submit=self._add)
        if editor.exec():
            if not editor.submitted:
                self._run(lambda: self._add(editor))
            self.reload()

    def reset_password(self) -> None:
        user = self._selected()
        if user is None:
            return

        def reset(editor: UserEditor) -> None:
            self.service.reset_password(user.username, editor.password.text())

        editor = UserEditor(self, reset_for=user.username, submit=reset)
        if editor.exec():
            if not editor.submitted:
                self._run(lambda: reset(editor))
            self.reload()

    def toggle_active(self) -> None:
        user = self._selected()
        if user is not None:
            self._run(lambda: self.service.set_active(user.username, not user.active))

    def change_role(self) -> None:
        user = self._selected()
        if user is not None:
            role = self.role.currentData()
            self._run(lambda: self.service.set_role(user.username, role))
