"""Small shared widgets and helpers for the presentation layer."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QWidget

LANGUAGE_PROPERTY = "regoLanguage"
ERROR_STYLE = "color: #a4262c; background: #fde7e9; border: 1px solid #f1bbbc; padding: 4px;"
WARNING_STYLE = "color: #6b4e00; background: #fff4ce; border: 1px solid #e0c060; padding: 4px;"


def language() -> str:
    """The interface language chosen in settings ("en" or "zh_CN")."""
    app = QCoreApplication.instance()
    value = app.property(LANGUAGE_PROPERTY) if app is not None else None
    return str(value) if value else "en"


def error_label(parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("errorLabel")
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def heading(text: str, scale: float = 1.2) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose mnemonic (Alt+letter) moves to ``buddy``; needed when the
    form row holds a layout rather than the input itself."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label
