"""Message boxes behind a small service, so tests can answer them.

Widgets never call QMessageBox directly: they ask a :class:`MessageService`. Tests
install a :class:`ScriptedMessages` that records what was shown and answers
questions from a script.

:meth:`MessageService.notify` confirms that something was done without a box to
click away: in the status bar of the window (when it has one), else as information.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button

STATUS_MS = 15_000


def status_window(parent: QWidget | None) -> QMainWindow | None:
    """The main window (with a status bar) that ``parent`` belongs to, if any."""
    window = parent.window() if parent is not None else None
    return window if isinstance(window, QMainWindow) else None


class TextDialog(QDialog):
    """One line of text (a reason, an answer), with what it is about shown above it."""

    def __init__(self, parent: QWidget | None, title: str, label: str, context: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("textDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        if context:
            about = QLabel(context)
            about.setObjectName("textContext")
            about.setWordWrap(True)
            about.setTextFormat(Qt.TextFormat.PlainText)
            about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            about.setStyleSheet("background: #f3f2f1; border: 1px solid #c8c6c4; padding: 6px;")
            layout.addWidget(about)
        self.text = QLineEdit()
        self.text.setObjectName("textValue")
        prompt = QLabel(label)
        prompt.setWordWrap(True)
        prompt.setBuddy(self.text)
        layout.addWidget(prompt)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addStretch(1)
        layout.addWidget(buttons)
        set_default_button(self, buttons.button(QDialogButtonBox.StandardButton.Ok))
        place(self, "textDialog", QSize(560, 230 if context else 150))
        self.text.setFocus()


class MessageService:
    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.critical(parent, title, text)

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def notify(self, parent: QWidget | None, title: str, text: str) -> None:
        """Confirm a finished action: in the window's status bar, else as information."""
        window = status_window(parent)
        if window is not None:
            window.statusBar().showMessage(text, STATUS_MS)
        else:
            self.info(parent, title, text)

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def ask_text(
        self, parent: QWidget | None, title: str, label: str, context: str = ""
    ) -> str | None:
        """A line of text (e.g. the reason for a change), or None if cancelled.
        ``context`` (e.g. the query being answered) is shown above the question."""
        dialog = TextDialog(parent, title, label, context)
        return dialog.text.text() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_save(self, parent: QWidget | None, title: str, text: str) -> str:
        """'save', 'discard' or 'cancel' for closing with unsaved changes."""
        box = save_box(parent, title, text)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return "save"
        if answer == QMessageBox.StandardButton.Discard:
            return "discard"
        return "cancel"


def save_box(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """The unsaved-changes box: Save (Enter), Discard, Cancel (Esc), each with Alt+letter."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    for which, label in (
        (QMessageBox.StandardButton.Save, QCoreApplication.translate("MessageService", "&Save")),
        (
            QMessageBox.StandardButton.Discard,
            QCoreApplication.translate("MessageService", "&Discard changes"),
        ),
        (QMessageBox.StandardButton.Cancel, QCoreApplication.translate("MessageService", "Cancel")),
    ):
        button = box.button(which)
        if button is not None:
            button.setText(label)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    return box


class ScriptedMessages(MessageService):
    """For tests: records every message; answers from queued replies."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str, str]] = []
        self.replies: deque[object] = deque()
        self.contexts: list[str] = []

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("error", title, text))

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("info", title, text))

    def notify(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("notify", title, text))
        window = status_window(parent)
        if window is not None:
            window.statusBar().showMessage(text, STATUS_MS)

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        self.shown.append(("confirm", title, text))
        return bool(self.replies.popleft()) if self.replies else False

    def ask_text(
        self, parent: QWidget | None, title: str, label: str, context: str = ""
    ) -> str | None:
        self.shown.append(("ask_text", title, label))
        self.contexts.append(context)
        reply = self.replies.popleft() if self.replies else None
        return None if reply is None else str(reply)

    def ask_save(self, parent: QWidget | None, title: str, text: str) -> str:
        self.shown.append(("ask_save", title, text))
        return str(self.replies.popleft()) if self.replies else "cancel"

    def texts(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.shown if kind is None or k == kind]
