"""Keyboard behaviour shared by every window: which button Enter presses, and which
field has focus when a page appears.

Qt gives every push button in a dialog "auto-default": the button that last had
focus becomes the one Enter presses, and with none focused Qt picks the first in the
focus chain. A nurse who types a password and presses Enter must never activate
"Other study…" that way, so every dialog names its one default button (or none) and
everything else is plain.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)


def set_default_button(container: QWidget, default: QPushButton | None) -> None:
    """Make ``default`` the only button Enter presses in ``container`` (``None``: no
    button; Enter is left to the focused field); no other button is auto-default."""
    for button in container.findChildren(QPushButton):
        button.setAutoDefault(False)
        button.setDefault(False)
    if default is not None:
        default.setDefault(True)


def is_editable(widget: QWidget) -> bool:
    """A widget that takes typed values (not a button, label or read-only field)."""
    if not (widget.isEnabled() and widget.isVisibleTo(widget.window())):
        return False
    if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
        return False
    if isinstance(widget, QLineEdit):
        return not widget.isReadOnly()
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    return isinstance(widget, QComboBox | QAbstractSpinBox | QAbstractButton) and not isinstance(
        widget, QPushButton
    )


def first_editable(container: QWidget) -> QWidget | None:
    """The first widget in tab order inside ``container`` that takes typed values."""
    start = container
    widget = start.nextInFocusChain()
    seen = 0
    while widget is not None and widget is not start and seen < 2000:
        seen += 1
        if container.isAncestorOf(widget) and is_editable(widget):
            # A combo box's line edit belongs to its combo: focus the combo.
            parent = widget.parentWidget()
            if isinstance(widget, QLineEdit) and isinstance(parent, QComboBox):
                return parent
            return widget
        widget = widget.nextInFocusChain()
    return None


def focus_first_editable(container: QWidget) -> bool:
    """Give focus to the first editable field of ``container``; False if it has none."""
    target = first_editable(container)
    if target is None:
        return False
    target.setFocus(Qt.FocusReason.TabFocusReason)
    if isinstance(target, QLineEdit):
        target.selectAll()
    return True


class KeyHandler(QObject):
    """Calls ``action`` when one of ``keys`` (without Ctrl, Alt or Shift) is pressed in
    ``widget``, and keeps the key from doing anything else (such as pressing the
    dialog's default button)."""

    def __init__(
        self, widget: QWidget, keys: tuple[Qt.Key, ...], action: Callable[[], object]
    ) -> None:
        super().__init__(widget)
        self.keys = keys
        self.action = action
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in self.keys
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self.action()
            return True
        return False


class EnterKey(KeyHandler):
    """Enter or Return in ``widget`` calls ``on_enter`` and nothing else."""

    def __init__(self, widget: QWidget, on_enter: Callable[[], object]) -> None:
        super().__init__(widget, (Qt.Key.Key_Return, Qt.Key.Key_Enter), on_enter)
