"""File and folder choosers behind a small service, so tests can answer them."""

from __future__ import annotations

from collections import deque

from PySide6.QtWidgets import QFileDialog, QWidget


class FileChooser:
    """Qt's file dialogs."""

    def open_file(self, parent: QWidget | None, title: str, start: str, filters: str) -> str:
        """A file name, or "" if cancelled."""
        name, _ = QFileDialog.getOpenFileName(parent, title, start, filters)
        return name

    def open_files(self, parent: QWidget | None, title: str, start: str, filters: str) -> list[str]:
        names, _ = QFileDialog.getOpenFileNames(parent, title, start, filters)
        return list(names)

    def save_file(self, parent: QWidget | None, title: str, start: str, filters: str) -> str:
        """A file name to create (may not exist yet), or "" if cancelled."""
        name, _ = QFileDialog.getSaveFileName(
            parent, title, start, filters, options=QFileDialog.Option.DontConfirmOverwrite
        )
        return name

    def folder(self, parent: QWidget | None, title: str, start: str) -> str:
        return QFileDialog.getExistingDirectory(parent, title, start)


class ScriptedChooser(FileChooser):
    """For tests: answers from queued replies (a str, or a list for open_files)."""

    def __init__(self) -> None:
        self.replies: deque[object] = deque()
        self.asked: list[str] = []

    def _next(self, title: str) -> object:
        self.asked.append(title)
        return self.replies.popleft() if self.replies else ""

    def open_file(self, parent: QWidget | None, title: str, start: str, filters: str) -> str:
        return str(self._next(title))

    def open_files(self, parent: QWidget | None, title: str, start: str, filters: str) -> list[str]:
        reply = self._next(title)
        return [str(r) for r in reply] if isinstance(reply, list | tuple) else []

    def save_file(self, parent: QWidget | None, title: str, start: str, filters: str) -> str:
        return str(self._next(title))

    def folder(self, parent: QWidget | None, title: str, start: str) -> str:
        return str(self._next(title))
