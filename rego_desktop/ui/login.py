"""Log-in and password recovery dialogs.

Unlocking runs the memory-hard KDF (about half a second), so it runs as an
:class:`Operation` and the dialog stays responsive.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.auth.passwords import RULES
from rego_desktop.store.opening import open_study, recover_access
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT
from rego_desktop.ui.errors import show_failure
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import EnterKey, set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.widgets import error_label, language


class LoginDialog(QDialog):
    """Asks who is there and unlocks the study.

    Signals: ``unlocked(object)`` with the :class:`OpenStudy`; ``other_study()`` when
    the user wants to open a different database file.
    """

    unlocked = Signal(object)
    other_study = Signal()
    restore_requested = Signal()

    def __init__(
        self,
        db_path: Path,
        messages: MessageService,
        *,
        username: str = "",
        demo_password: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.messages = messages
        self.operation: Operation | None = None
        self.setWindowTitle(self.tr("rego-desktop – log in"))
        self.setMinimumSize(580, 300)

        title = QLabel(CURRENT.title.text(language()))
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        where = QLabel(self.tr("Study database: {path}").format(path=db_path))
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("&User name:"), self.username)
        form.addRow(self.tr("&Password:"), self.password)

        self.error = error_label()
        self.demo_hint = QLabel()
        self.demo_hint.setObjectName("demoHint")
        self.demo_hint.setWordWrap(True)
        if demo_password:
            self.demo_hint.setText(
                self.tr(
                    "Demo study with synthetic patients. User name: {user}  Password: {pw}"
                ).format(user=username, pw=demo_password)
            )
            self.demo_hint.setStyleSheet(
                "background: #fff4ce; border: 1px solid #e0c060; padding: 6px;"
            )
        else:
            self.demo_hint.hide()

        buttons = QDialogButtonBox()
        self.login_button = buttons.addButton(
            self.tr("Log in"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.forgot_button = QPushButton(self.tr("Forgot password…"))
        buttons.addButton(self.forgot_button, QDialogButtonBox.ButtonRole.HelpRole)
        self.other_button = QPushButton(self.tr("Other study…"))
        buttons.addButton(self.other_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.restore_button = QPushButton(self.tr("Restore from backup…"))
        self.restore_button.setObjectName("restoreFromBackup")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        EnterKey(self.username, self._username_entered)
        self.forgot_button.clicked.connect(self.recover)
        self.other_button.clicked.connect(self._other)
        self.restore_button.clicked.connect(self.restore_requested)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(where)
        layout.addWidget(self.demo_hint)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.password.textEdited.connect(self.error.hide)
        place(self, "login", QSize(640, 340))
        # Enter logs in and does nothing else: "Other study…" and the rest are never
        # auto-default. Enter in the user name moves on to the password.
        set_default_button(self, self.login_button)
        (self.password if username else self.username).setFocus()

    def _username_entered(self) -> None:
        if self.username.text().strip() and not self.password.text():
            self.password.setFocus()
        else:
            self.try_login()

    def try_login(self) -> None:
        if self.operation is not None and self.operation.running:
            return
        user = self.username.text().strip()
        password = self.password.text()
        if not user or not password:
            self.show_error(self.tr("Type your user name and password."))
            return
        self._busy(True)
        path = self.db_path

        def work(_progress: Progress) -> OpenStudy:
            return open_study(path, user, password)

        self.operation = Operation(
            work,
            parent=self,
            label=self.tr("Unlocking the study…"),
            messages=self.messages,
            report_errors=False,
        )
        self.operation.succeeded.connect(self._on_unlocked)
        self.operation.failed.connect(self._on_failed)
        self.operation.start()

    def _on_unlocked(self, study: object) -> None:
        self._busy(False)
        self.unlocked.emit(study)
        self.accept()

    def _on_failed(self, exc: object) -> None:
        self._busy(False)
        self.password.clear()
        self.password.setFocus()
        show_failure(self, self.error, exc, self.messages)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _busy(self, busy: bool) -> None:
        for widget in (self.username, self.password, self.login_button, self.forgot_button):
            widget.setEnabled(not busy)

    def _other(self) -> None:
        self.other_study.emit()
        self.reject()

    def recover(self) -> None:
        dialog = RecoveryDialog(self.db_path, self.messages, self.username.text(), self)
        dialog.unlocked.connect(self._on_unlocked)
        dialog.open()


class RecoveryDialog(QDialog):
    """Forgotten password: the recovery key sets a new one.

    Signals: ``unlocked(object)`` with the :class:`OpenStudy`.
    """

    unlocked = Signal(object)

    def __init__(
        self, db_path: Path, messages: MessageService, username: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.messages = messages
        self.operation: Operation | None = None
        self.setWindowTitle(self.tr("Set a new password with the recovery key"))
        self.setMinimumWidth(560)
        intro = QLabel(
            self.tr(
                "Type the recovery key printed when the study was set up. It unlocks the "
                "study and sets a new password for the user below."
            )
        )
        intro.setWordWrap(True)
        self.key = QLineEdit()
        self.key.setObjectName("recoveryKey")
        self.key.setPlaceholderText("XXXX-XXXX-XXXX-…")
        self.username = QLineEdit(username)
        self.new_password = QLineEdit()
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        rules = QLabel(RULES.text(language()))
        rules.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Recovery &key:"), self.key)
        form.addRow(self.tr("&User name:"), self.username)
        form.addRow(self.tr("&New password:"), self.new_password)
        form.addRow(self.tr("&Repeat password:"), self.repeat)
        form.addRow("", rules)
        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        set_default_button(self, buttons.button(QDialogButtonBox.StandardButton.Ok))
        self.key.setFocus()

    def submit(self) -> None:
        if self.new_password.text() != self.repeat.text():
            self.error.setText(self.tr("The two passwords differ."))
            self.error.show()
            return
        key, user, password = (
            self.key.text(),
            self.username.text().strip(),
            self.new_password.text(),
        )
        path = self.db_path

        def work(_progress: Progress) -> OpenStudy:
            return recover_access(path, key, user, password)

        self.operation = Operation(
            work,
            parent=self,
            label=self.tr("Unlocking with the recovery key…"),
            messages=self.messages,
            report_errors=False,
        )
        self.operation.succeeded.connect(self._done)
        self.operation.failed.connect(self._failed)
        self.operation.start()

    def _done(self, study: object) -> None:
        self.unlocked.emit(study)
        self.accept()

    def _failed(self, exc: object) -> None:
        show_failure(self, self.error, exc, self.messages)
