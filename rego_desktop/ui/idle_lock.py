"""Locking the screen after idle time, and the lock dialog that unlocks it.

:class:`IdleWatcher` watches keyboard and mouse input application-wide and emits
``idle()`` when nothing happened for the configured minutes. :class:`LockDialog`
asks the signed-in user for the password again (through the domain, which checks it
against the user's key slot) and emits ``unlocked()`` or ``logout_requested()``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.services.users import UserService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.errors import show_failure
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.widgets import error_label, heading

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class IdleWatcher(QObject):
    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self._timer.setInterval(max(1, minutes) * 60_000)
        self._timer.start()

    def set_interval_ms(self, ms: int) -> None:
        self._timer.setInterval(ms)
        self._timer.start()

    def pause(self) -> None:
        self._timer.stop()

    def resume(self) -> None:
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockDialog(QDialog):
    unlocked = Signal()
    logout_requested = Signal()

    def __init__(
        self, study: OpenStudy, messages: MessageService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.study = study
        self.messages = messages
        self.operation: Operation | None = None
        self.setWindowTitle(self.tr("rego-desktop – locked"))
        self.setObjectName("lockDialog")
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        user = study.user
        info = QLabel(
            self.tr("The screen was locked. {name} ({user}) is still signed in.").format(
                name=user.full_name, user=user.username
            )
        )
        info.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setObjectName("lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("&Password:"), self.password)
        self.error = error_label()
        buttons = QDialogButtonBox()
        unlock = buttons.addButton(self.tr("&Unlock"), QDialogButtonBox.ButtonRole.AcceptRole)
        logout = buttons.addButton(self.tr("&Log out"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.try_unlock)
        logout.clicked.connect(self._logout)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Locked")))
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        set_default_button(self, unlock)
        place(self, "lock", QSize(460, 210))
        self.password.setFocus()

    def reject(self) -> None:
        """Escape does not unlock."""

    def try_unlock(self) -> None:
        password = self.password.text()
        service = UserService(self.study)

        def work(_progress: Progress) -> object:
            return service.confirm_identity(password)

        self.operation = Operation(
            work,
            parent=self,
            label=self.tr("Checking…"),
            messages=self.messages,
            report_errors=False,
        )
        self.operation.succeeded.connect(self._ok)
        self.operation.failed.connect(self._failed)
        self.operation.start()

    def _ok(self, _user: object) -> None:
        self.unlocked.emit()
        self.done(QDialog.DialogCode.Accepted)

    def _failed(self, exc: object) -> None:
        self.password.clear()
        show_failure(self, self.error, exc, self.messages)

    def _logout(self) -> None:
        self.logout_requested.emit()
        self.done(QDialog.DialogCode.Rejected)
