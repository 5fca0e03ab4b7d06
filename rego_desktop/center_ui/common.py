"""Small pieces shared by the pages of the center window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from rego_desktop.center_ui.reasons import error_text
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.text import say
from rego_desktop.errors import RegoError
from rego_desktop.ui.errors import report_exception
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress


def when(moment: dt.datetime | None) -> str:
    """A UTC time as the center shows it (minutes)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") if moment else ""


def buddy(key: str, widget: QWidget, **values: object) -> QLabel:
    label = QLabel(say(key, **values))
    label.setObjectName(f"label_{widget.objectName()}")
    label.setBuddy(widget)
    label.setWordWrap(True)
    return label


def table(name: str, headers: Sequence[str]) -> QTableWidget:
    widget = QTableWidget(0, len(headers))
    widget.setObjectName(name)
    widget.setHorizontalHeaderLabels(list(headers))
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    widget.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
    widget.setAlternatingRowColors(True)
    widget.setWordWrap(False)
    widget.verticalHeader().hide()
    widget.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    widget.horizontalHeader().setStretchLastSection(True)
    return widget


def fill(
    widget: QTableWidget, rows: Sequence[Sequence[Any]], *, numeric: Sequence[int] = ()
) -> None:
    """Replace the rows (selection and sorting kept simple: first row current)."""
    widget.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            item.setToolTip(item.text())
            if c in numeric:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            widget.setItem(r, c, item)
    if rows and widget.currentRow() < 0:
        widget.setCurrentCell(0, 0)


def selected_row(widget: QTableWidget) -> int | None:
    row = widget.currentRow()
    return row if 0 <= row < widget.rowCount() else None


class Page(QWidget):
    """A page of the center window: knows the session, messages and how to run work."""

    def __init__(self, session: CenterSession, messages: MessageService) -> None:
        super().__init__()
        self.session = session
        self.messages = messages
        self.operation: Operation | None = None

    @property
    def busy(self) -> bool:
        return self.operation is not None and self.operation.running

    def run(
        self,
        work: Callable[[Progress], Any],
        label: str,
        done: Callable[[Any], None],
        *,
        failed: Callable[[object], None] | None = None,
    ) -> bool:
        """Run ``work`` in the background (progress dialog after a short delay); False
        if another operation of this page is still running."""
        if self.busy:
            return False
        self.operation = Operation(
            work, parent=self, label=label, messages=self.messages, report_errors=False
        )
        self.operation.finished.connect(self._reactivate)
        self.operation.succeeded.connect(done)

        def on_failure(exc: object) -> None:
            if not isinstance(exc, RegoError):
                assert isinstance(exc, BaseException)
                report_exception(self, exc, self.messages)  # a bug: logged
            elif failed is not None:
                failed(exc)
            else:
                self.messages.error(self, say("cannot"), error_text(exc))

        self.operation.failed.connect(on_failure)
        self.operation.start()
        return True

    def _reactivate(self) -> None:
        """Back from a progress dialog: the keyboard returns to this window."""
        window = self.window()
        if window.isVisible() and not window.isActiveWindow():
            window.activateWindow()

    def refresh(self) -> None:
        """Read what the page shows again (after a merge, a rollback, a restore)."""

    def first_focus(self) -> QWidget | None:
        """The widget that gets the keyboard when the page is shown."""
        return None
