"""Showing errors: known ones as a friendly message, bugs logged with their stack."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from rego_desktop.errors import RegoError
from rego_desktop.logs import log_bug
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.widgets import language


def message_of(exc: RegoError) -> str:
    """A known error's message in the interface language (Chinese when it has one)."""
    return exc.text(language())


def report_exception(parent: QWidget | None, exc: BaseException, messages: MessageService) -> None:
    if isinstance(exc, RegoError):
        messages.error(
            parent, QCoreApplication.translate("Errors", "Cannot continue"), message_of(exc)
        )
        return
    try:
        raise exc
    except BaseException:
        path = log_bug("unexpected error in the application window")
    messages.error(
        parent,
        QCoreApplication.translate("Errors", "Unexpected error"),
        QCoreApplication.translate(
            "Errors",
            "Something went wrong that should not happen (a bug). Nothing saved was lost.\n"
            "Details for support are in {path}.",
        ).format(path=path),
    )


def show_failure(parent: QWidget, label: QLabel, exc: object, messages: MessageService) -> None:
    """A failed operation: a known error goes into the dialog's error line, a bug is
    reported and logged."""
    if isinstance(exc, RegoError):
        label.setText(message_of(exc))
        label.show()
        return
    assert isinstance(exc, BaseException)
    report_exception(parent, exc, messages)
