"""The Qt binding does not leak references to None (PySide6 6.12.0 did on Python 3.11,
which aborts a long session with "Fatal Python error: none_dealloc")."""

from __future__ import annotations

import sys

from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_void_calls_keep_none_alive(qtbot: QtBot) -> None:
    path = QPainterPath()
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(1000):
        path.lineTo(1, 2)
        label.setText("x")
    assert sys.getrefcount(None) - before >= -5
