"""The script runner itself: modal loops, lost keystrokes, typed Chinese, shortcuts."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.operations import Operation
from tests.desktop.conftest import shut_down
from tests.desktop.keyboard import (
    Chord,
    KeyScript,
    KeyScriptError,
    busy,
    focus_named,
    window_active,
    window_titled,
)


class Form(QMainWindow):
    """A window with two fields; Ctrl+M asks a question (exec), Ctrl+I asks for text."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("runner form")
        self.first = QLineEdit()
        self.first.setObjectName("first")
        self.second = QLineEdit()
        self.second.setObjectName("second")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.first)
        layout.addWidget(self.second)
        self.setCentralWidget(central)
        self.answers: list[object] = []
        self.loaded = False
        self.typed_after_load: list[bool] = []
        self.second.textEdited.connect(lambda _t: self.typed_after_load.append(self.loaded))
        shortcuts = (("Ctrl+M", self.ask), ("Ctrl+I", self.ask_text), ("Ctrl+L", self.load))
        for shortcut, slot in shortcuts:
            action = QAction(self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            self.addAction(action)

    def ask(self) -> None:
        answer = QMessageBox.question(self, "question box", "Go on?")
        self.answers.append(answer == QMessageBox.StandardButton.Yes)

    def ask_text(self) -> None:
        text, ok = QInputDialog.getText(self, "text box", "Reason:")
        self.answers.append(text if ok else None)

    def load(self) -> None:
        """Slow work in the background, as the application's operations do."""
        operation = Operation(
            lambda _progress: time.sleep(0.6),
            parent=self,
            label="Loading…",
            messages=ScriptedMessages(),
        )
        operation.succeeded.connect(lambda _r: setattr(self, "loaded", True))
        operation.start()


@pytest.fixture
def form(qtbot: QtBot) -> Iterator[Form]:
    window = Form()
    window.show()
    window.first.setFocus()
    yield window
    shut_down([])


def test_keys_reach_the_focus_widget_and_count(qtbot: QtBot, form: Form) -> None:
    script = (
        KeyScript()
        .until(window_active(Form), "the form is active")
        .until(focus_named("first"), "the first field has the focus")
        .type("BJ01-0024 梁福")
        .key("Tab")
        .type("ZY0102")
        .key("Shift+Tab")
        .check(lambda: form.first.text() == "BJ01-0024 梁福", "first field")
        .check(lambda: form.second.text() == "ZY0102", "second field")
        .check(focus_named("first"), "Shift+Tab went back")
    )
    script.run(qtbot, timeout=20_000)
    assert script.keystrokes == len("BJ01-0024 梁福") + 1 + len("ZY0102") + 1
    assert script.log[-1].window == "runner form"


def test_steps_go_on_inside_nested_modal_dialogs(qtbot: QtBot, form: Form) -> None:
    """Ctrl+M opens a message box with exec(); Ctrl+I inside it would be too much, so the
    box is answered, then a text dialog is answered with typed text."""
    script = (
        KeyScript()
        .until(window_active(Form), "the form is active")
        .key("Ctrl+M")
        .until(window_titled("question box"), "the question is asked")
        .key("Alt+Y")
        .until(window_active(Form), "back in the form")
        .key("Ctrl+I")
        .until(window_titled("text box"), "the text dialog is open")
        .type("因为")
        .key("Enter")
        .until(window_active(Form), "back in the form")
        .check(lambda: form.answers == [True, "因为"], "both answers arrived")
    )
    script.run(qtbot, timeout=20_000)


def test_keystrokes_wait_for_running_operations(qtbot: QtBot, form: Form) -> None:
    script = (
        KeyScript()
        .until(window_active(Form), "the form is active")
        .key("Tab")
        .key("Ctrl+L")
        .check(lambda: busy() != "", "an operation is running")
        .type("ok")
        .check(lambda: form.typed_after_load == [True, True], "typed after the work ended")
    )
    script.run(qtbot, timeout=20_000)


def test_a_lost_keystroke_fails_naming_the_step(qtbot: QtBot, form: Form) -> None:
    script = (
        KeyScript(focus_timeout_s=0.5)
        .until(window_active(Form), "the form is active")
        .check(form.hide, "the only window is hidden (as another program would)")
        .type("x")
    )
    with pytest.raises(KeyScriptError, match=r"keystroke lost.*type 'x'"):
        script.run(qtbot, timeout=20_000)
    assert script.keystrokes == 0


def test_a_script_ending_inside_a_modal_dialog_fails_and_closes_it(
    qtbot: QtBot, form: Form
) -> None:
    script = (
        KeyScript()
        .until(window_active(Form), "the form is active")
        .key("Ctrl+M")
        .until(window_titled("question box"), "the question is asked")
    )
    with pytest.raises(KeyScriptError, match="modal dialog it opened was still open"):
        script.run(qtbot, timeout=20_000)
    assert QApplication.activeModalWidget() is None
    assert form.answers == [False]


def test_a_failed_wait_reports_the_log_tail(qtbot: QtBot, form: Form) -> None:
    script = (
        KeyScript()
        .until(window_active(Form), "the form is active")
        .type("ab")
        .until(lambda: isinstance(QApplication.activeWindow(), QDialog), "a dialog", timeout_s=0.3)
    )
    with pytest.raises(KeyScriptError) as failure:
        script.run(qtbot, timeout=20_000)
    text = str(failure.value)
    assert "timed out after 0.3 s: until a dialog" in text
    assert "type 'b' (2/2 of 'ab')" in text
    assert "QLineEdit#first" in text


@pytest.mark.parametrize(
    ("name", "key", "modifiers"),
    [
        ("Enter", "Key_Return", "NoModifier"),
        ("Shift+Tab", "Key_Backtab", "ShiftModifier"),
        ("Ctrl+Shift+E", "Key_E", "ControlModifier|ShiftModifier"),
        ("Escape", "Key_Escape", "NoModifier"),
        ("F4", "Key_F4", "NoModifier"),
        ("Alt+S", "Key_S", "AltModifier"),
    ],
)
def test_key_names(name: str, key: str, modifiers: str) -> None:
    chord = Chord.parse(name)
    assert chord.key == Qt.Key[key]
    wanted = Qt.KeyboardModifier.NoModifier
    for part in modifiers.split("|"):
        wanted |= Qt.KeyboardModifier[part]
    assert chord.modifiers == wanted


def test_unknown_key_names_fail_when_the_script_is_written() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        KeyScript().key("Ctrl+Nope")
