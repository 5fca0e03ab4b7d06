"""Message boxes behind a small service, so tests can answer them.

Widgets never call QMessageBox directly: they ask a :class:`MessageService`. Tests
install a :class:`ScriptedMessages` that records what was shown and answers
questions from a script.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtWidgets import QMessageBox, QWidget


class MessageService:
    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.critical(parent, title, text)

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def ask_text(self, parent: QWidget | None, title: str, label: str) -> str | None:
        """A line of text (e.g. the reason for a change), or None if cancelled."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        text, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal)
        return text if ok else None

    def ask_save(self, parent: QWidget | None, title: str, text: str) -> str:
        """'save', 'discard' or 'cancel' for closing with unsaved changes."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return "save"
        if answer == QMessageBox.StandardButton.Discard:
            return "discard"
        return "cancel"


class ScriptedMessages(MessageService):
    """For tests: records every message; answers from queued replies."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str, str]] = []
        self.replies: deque[object] = deque()

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("error", title, text))

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("info", title, text))

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        self.shown.append(("confirm", title, text))
        return bool(self.replies.popleft()) if self.replies else False

    def ask_text(self, parent: QWidget | None, title: str, label: str) -> str | None:
        self.shown.append(("ask_text", title, label))
        reply = self.replies.popleft() if self.replies else None
        return None if reply is None else str(reply)

    def ask_save(self, parent: QWidget | None, title: str, text: str) -> str:
        self.shown.append(("ask_save", title, text))
        return str(self.replies.popleft()) if self.replies else "cancel"

    def texts(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.shown if kind is None or k == kind]
