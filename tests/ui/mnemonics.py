"""Checking a window's Alt+letter mnemonics: each letter claimed once, no stray "&".

:func:`mnemonics_of` collects the mnemonics a user can reach in a window as it is
shown now (hidden widgets and other wizard pages do not count): labels with a buddy,
buttons and check boxes, group box titles and tab titles. :func:`assert_unique_mnemonics`
fails naming the texts that share a letter, and labels without a buddy that would show
a literal "&" (a form row holding a layout needs ``buddy_label``).
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTabWidget, QWidget


def mnemonic(text: str) -> str | None:
    """The letter after a single "&" ("&&" is a literal ampersand), upper-cased."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] == "&":
                i += 2
                continue
            return text[i + 1].upper()
        i += 1
    return None


def _shown(widget: QWidget, window: QWidget) -> bool:
    return widget is window or widget.isVisibleTo(window)


def mnemonics_of(window: QWidget) -> tuple[dict[str, list[str]], list[str]]:
    """({letter: [texts claiming it]}, [label texts that show a literal "&"])."""
    claimed: dict[str, list[str]] = defaultdict(list)
    stray: list[str] = []

    def claim(text: str) -> None:
        letter = mnemonic(text)
        if letter is not None:
            claimed[letter].append(text)

    for widget in window.findChildren(QWidget):
        if widget.window() is not window or not _shown(widget, window):
            continue
        if isinstance(widget, QLabel):
            text = widget.text()
            rich = widget.textFormat() == Qt.TextFormat.RichText or (
                widget.textFormat() == Qt.TextFormat.AutoText and QtGui.mightBeRichText(text)
            )
            buddy = widget.buddy()
            if buddy is not None and _shown(buddy, window):
                claim(text)
            elif not rich and mnemonic(text) is not None:
                stray.append(text)
        elif isinstance(widget, QAbstractButton):
            claim(widget.text())
        elif isinstance(widget, QGroupBox):
            claim(widget.title())
        if isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                if widget.isTabVisible(i):
                    claim(widget.tabText(i))
    return dict(claimed), stray


def assert_unique_mnemonics(window: QWidget) -> dict[str, list[str]]:
    claimed, stray = mnemonics_of(window)
    shared = {letter: texts for letter, texts in claimed.items() if len(texts) > 1}
    assert not shared, f"{window.windowTitle()}: Alt+letter claimed more than once: {shared}"
    assert not stray, f"{window.windowTitle()}: labels show a literal '&': {stray}"
    return claimed
