"""Long work off the GUI thread, with results back on the main thread.

An :class:`Operation` runs a plain function (domain code, no Qt) in the thread pool.
A progress dialog appears only if the work takes longer than a short delay, so quick
operations never flash a window. Known errors become a friendly message; anything
else is logged as a bug.

Signals of :class:`Operation` (always delivered on the main thread):
``succeeded(object)`` with the function's result, ``failed(object)`` with the
exception, ``progressed(int, int)`` with (done, total), and ``finished()`` last.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from rego_desktop.ui.errors import report_exception
from rego_desktop.ui.messages import MessageService

Progress = Callable[[int, int], None]
SHOW_AFTER_MS = 400


class _Relay(QObject):
    """Lives on the main thread; worker threads emit through it (queued)."""

    done = Signal(object)
    error = Signal(object)
    progress = Signal(int, int)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn(self.relay.progress.emit)
        except BaseException as exc:  # reported on the main thread
            self.relay.error.emit(exc)
        else:
            self.relay.done.emit(result)


class Operation(QObject):
    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)
    finished = Signal()

    def __init__(
        self,
        fn: Callable[[Progress], Any],
        *,
        parent: QWidget | None,
        label: str,
        messages: MessageService,
        report_errors: bool = True,
        show_after_ms: int = SHOW_AFTER_MS,
    ) -> None:
        super().__init__(parent)
        self._fn = fn
        self._parent_widget = parent
        self._label = label
        self._messages = messages
        self._report = report_errors
        self._show_after = show_after_ms
        self._relay = _Relay()
        self._relay.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._relay.error.connect(self._on_error, Qt.ConnectionType.QueuedConnection)
        self._relay.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._dialog: QProgressDialog | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_dialog)
        self.running = False
        self._last_progress = (0, 0)

    def start(self) -> None:
        self.running = True
        self._timer.start(self._show_after)
        QThreadPool.globalInstance().start(_Job(self._fn, self._relay))

    def _show_dialog(self) -> None:
        if not self.running:
            return
        dialog = QProgressDialog(self._label, "", 0, 0, self._parent_widget)
        dialog.setWindowTitle(self._label)
        dialog.setCancelButton(None)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setMinimumWidth(360)
        done, total = self._last_progress
        if total:
            dialog.setRange(0, total)
            dialog.setValue(done)
        dialog.show()
        self._dialog = dialog

    def _on_progress(self, done: int, total: int) -> None:
        self._last_progress = (done, total)
        if self._dialog is not None and total:
            self._dialog.setRange(0, total)
            self._dialog.setValue(done)
        self.progressed.emit(done, total)

    def _close(self) -> None:
        self.running = False
        self._timer.stop()
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None

    def _on_done(self, result: object) -> None:
        self._close()
        self.succeeded.emit(result)
        self.finished.emit()

    def _on_error(self, exc: BaseException) -> None:
        self._close()
        if self._report:
            report_exception(self._parent_widget, exc, self._messages)
        self.failed.emit(exc)
        self.finished.emit()


def wait_all(timeout_ms: int = 30_000) -> bool:
    """Block until the thread pool is idle (used at shutdown and in tests)."""
    return bool(QThreadPool.globalInstance().waitForDone(timeout_ms))
