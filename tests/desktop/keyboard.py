"""A keyboard-only script runner: keystrokes go where a nurse's would, nowhere else.

A test describes what a user does as a list of steps: keys (``"Enter"``,
``"Shift+Tab"``, ``"Ctrl+N"``, ``"Alt+S"``, ``"F4"`` …), text typed one character per
keystroke (Chinese too), waits (``until(predicate, what)``) and checks
(``check(callable, what)``). Keys are never sent to a widget the test names: each
goes to the widget that has the keyboard, :func:`keyboard_target` (the open popup
menu or list if there is one, else ``QApplication.focusWidget()``). A keystroke with
nowhere to go is lost, and that is a failure naming the active window and the step.

Modal dialogs run their own event loop (``exec()``), so a test that sends a key
which opens one would block. The runner therefore runs from a chain of fresh
single-shot timers, each scheduled *before* its keystroke is sent: if the key opens
a modal dialog, the next step runs inside the dialog's loop, and so on, however deep.
(A fresh timer each time, because Qt does not fire a timer again while its slot is
still running in a nested loop.)

Before each keystroke the runner waits until the application is settled: no
:class:`~rego_desktop.ui.operations.Operation` is running and some widget has the
keyboard focus. Example::

    script = (
        KeyScript()
        .until(window_titled("log in"), "the log-in window is active")
        .type(PASSWORD)
        .key("Enter")
        .until(lambda: isinstance(QApplication.activeWindow(), MainWindow), "main window")
        .check(lambda: len(windows_of(MainWindow)) == 1, "exactly one main window")
    )
    script.run(qtbot, timeout=30_000)
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThreadPool, QTimer
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.ui.operations import Operation

TICK_MS = 10  # between two steps
POLL_MS = 20  # while waiting for the application or a condition
FOCUS_TIMEOUT_S = 3.0  # no focus widget for this long: the keystroke is lost
BUSY_TIMEOUT_S = 60.0  # an operation running this long before a keystroke: a failure
UNTIL_TIMEOUT_S = 10.0
LOG_TAIL = 25

# Names a test may use beyond Qt's own (QKeySequence's portable text: "Esc", "PgDown"…).
_ALIASES = {
    "enter": "Return",  # the main Enter key; Qt calls the keypad's one Key_Enter
    "escape": "Esc",
    "pageup": "PgUp",
    "pagedown": "PgDown",
    "delete": "Del",
    "insert": "Ins",
}


class KeyScriptError(AssertionError):
    """The script failed: a keystroke was lost, a wait timed out or a check failed."""


class _Kind(Enum):
    KEY = "key"
    CHAR = "type"
    UNTIL = "until"
    CHECK = "check"


@dataclass(frozen=True)
class Chord:
    """One keystroke: a key with its modifiers."""

    name: str
    key: Qt.Key
    modifiers: Qt.KeyboardModifier

    @staticmethod
    def parse(name: str) -> Chord:
        parts = name.split("+")
        last = _ALIASES.get(parts[-1].strip().lower(), parts[-1].strip())
        text = "+".join([*(p.strip() for p in parts[:-1]), last]) if last else name
        sequence = QKeySequence.fromString(text, QKeySequence.SequenceFormat.PortableText)
        if sequence.count() != 1:
            raise ValueError(f"not one keystroke: {name!r}")
        combination = sequence[0]  # type: ignore[index]  # QKeySequence is indexable
        key = combination.key()
        if key == Qt.Key.Key_unknown:
            raise ValueError(f"unknown key: {name!r}")
        modifiers = combination.keyboardModifiers()
        if key == Qt.Key.Key_Tab and modifiers & Qt.KeyboardModifier.ShiftModifier:
            key = Qt.Key.Key_Backtab  # what X11 (and every platform) sends for Shift+Tab
        return Chord(name, key, modifiers)


@dataclass(frozen=True)
class _Step:
    kind: _Kind
    label: str
    chord: Chord | None = None
    char: str = ""
    predicate: Callable[[], object] | None = None
    timeout_s: float = UNTIL_TIMEOUT_S
    explain: Callable[[], str] | None = None


@dataclass(frozen=True)
class LogEntry:
    step: str
    focus: str
    window: str

    def __str__(self) -> str:
        return f"{self.step:<40} focus={self.focus}  window={self.window!r}"


# -- what the user sees ----------------------------------------------------------------


def describe(widget: QObject | None) -> str:
    """``ClassName#objectName`` (or just the class) of a widget; ``-`` for none."""
    if widget is None or not shiboken6.isValid(widget):
        return "-"
    name = widget.objectName()
    return f"{type(widget).__name__}#{name}" if name else type(widget).__name__


def active_title() -> str:
    window = QApplication.activeWindow()
    return window.windowTitle() if window is not None else "(no active window)"


def visible_windows() -> list[QWidget]:
    """Top-level windows on screen (popups and tooltips excluded)."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if w.isVisible()
        and w.isWindow()
        and w.windowType() not in (Qt.WindowType.Popup, Qt.WindowType.ToolTip)
    ]


def windows_of(kind: type[QWidget]) -> list[QWidget]:
    return [w for w in visible_windows() if isinstance(w, kind)]


def window_titled(part: str) -> Callable[[], bool]:
    """A predicate: the active window's title contains ``part``."""
    return lambda: QApplication.activeWindow() is not None and part in active_title()


def window_active(kind: type[QWidget]) -> Callable[[], bool]:
    """A predicate: the active window is a ``kind``."""
    return lambda: isinstance(QApplication.activeWindow(), kind)


def focus_named(object_name: str) -> Callable[[], bool]:
    """A predicate: the focus widget has this object name."""

    def check() -> bool:
        widget = QApplication.focusWidget()
        return widget is not None and widget.objectName() == object_name

    return check


def keyboard_target() -> QWidget | None:
    """The widget a real keystroke reaches now: a widget grabbing the keyboard, an open
    popup (menu, drop-down list) or else the focus widget of the active window."""
    grabber = QWidget.keyboardGrabber()
    if grabber is not None:
        return grabber
    popup = QApplication.activePopupWidget()
    if popup is not None:
        return popup.focusWidget() or popup
    return QApplication.focusWidget()


def running_operations() -> list[Operation]:
    """Operations of the application's windows that have not finished.

    ``rego_desktop.ui.operations`` keeps no registry of running operations, so they
    are found among the children of every window (and of the application). Work of an
    operation without a parent still shows as a busy thread pool, see :func:`busy`.
    """
    roots: list[QObject] = list(QApplication.topLevelWidgets())
    app = QCoreApplication.instance()
    if app is not None:
        roots.append(app)
    found: list[Operation] = []
    for root in roots:
        found.extend(op for op in root.findChildren(Operation) if op.running)
    return found


def busy() -> str:
    """Why the application is not settled ('' when it is)."""
    running = running_operations()
    if running:
        return f"operation running ({running[0]._label!r})"
    if QThreadPool.globalInstance().activeThreadCount():
        return "background work running in the thread pool"
    return ""


def close_modal_dialogs() -> list[str]:
    """Reject open modal dialogs and popups (ending their nested loops); their titles."""
    closed: list[str] = []
    for _ in range(20):
        popup = QApplication.activePopupWidget()
        if popup is not None:
            closed.append(f"popup {describe(popup)}")
            popup.close()
            continue
        modal = QApplication.activeModalWidget()
        if modal is None:
            break
        closed.append(modal.windowTitle() or describe(modal))
        if isinstance(modal, QDialog):
            modal.reject()
        else:
            modal.close()
        QApplication.processEvents()
    return closed


def _modal_chain() -> list[QWidget]:
    modal = QApplication.activeModalWidget()
    return [modal] if modal is not None else []


def reap_modal_dialogs(rounds: int = 200, interval_ms: int = 25) -> None:
    """Close popups and modal dialogs one at a time from fresh timers, each scheduled
    before the close: closing one may open another (an unsaved-changes question) in a
    nested loop, which the next timer then closes, so nothing is left blocking."""
    if rounds <= 0:
        return
    popup = QApplication.activePopupWidget()
    modal = QApplication.activeModalWidget()
    if popup is None and modal is None:
        return
    QTimer.singleShot(interval_ms, lambda: reap_modal_dialogs(rounds - 1, interval_ms))
    if popup is not None:
        popup.close()
    elif isinstance(modal, QDialog):
        modal.reject()
    elif modal is not None:
        modal.close()


# -- the runner ------------------------------------------------------------------------


class KeyScript:
    """Steps a user takes, run from the event loop (see the module's description)."""

    def __init__(
        self,
        *,
        focus_timeout_s: float = FOCUS_TIMEOUT_S,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.steps: list[_Step] = []
        self.focus_timeout_s = focus_timeout_s
        self.busy_timeout_s = busy_timeout_s
        self.keystrokes = 0
        self.log: list[LogEntry] = []
        self.failure: str | None = None
        self.started = False
        self.finished = False
        self._index = 0
        self._waiting_since: float | None = None
        self._deadline = 0.0
        self._depth = 0  # keystrokes still being delivered (modal loops inside them)

    # -- building ----------------------------------------------------------------------

    def key(self, *names: str) -> KeyScript:
        """Press keys one after another: ``key("Tab", "Tab", "Enter")``."""
        for name in names:
            chord = Chord.parse(name)
            self.steps.append(_Step(_Kind.KEY, f"key {name}", chord=chord))
        return self

    def type(self, text: str) -> KeyScript:
        """Type ``text``, one keystroke per character."""
        for n, char in enumerate(text, 1):
            if not char.isprintable():
                raise ValueError(f"use key() for {char!r}")
            label = f"type {char!r} ({n}/{len(text)} of {text!r})"
            self.steps.append(_Step(_Kind.CHAR, label, char=char))
        return self

    def until(
        self,
        predicate: Callable[[], object],
        what: str,
        *,
        timeout_s: float = UNTIL_TIMEOUT_S,
        explain: Callable[[], str] | None = None,
    ) -> KeyScript:
        """Wait (at most ``timeout_s``) until ``predicate()`` is true; ``explain()`` adds
        to the failure message when it never is."""
        label = f"until {what}"
        self.steps.append(
            _Step(_Kind.UNTIL, label, predicate=predicate, timeout_s=timeout_s, explain=explain)
        )
        return self

    def pause(self, ms: int) -> KeyScript:
        """Let the application run for ``ms`` milliseconds (to see that nothing happens)."""
        end: list[float] = []

        def elapsed() -> bool:
            if not end:
                end.append(time.monotonic() + ms / 1000)
            return time.monotonic() >= end[0]

        return self.until(elapsed, f"{ms} ms passed", timeout_s=ms / 1000 + 5)

    def check(self, assertion: Callable[[], object], what: str = "") -> KeyScript:
        """Run ``assertion``: a failure if it raises or returns a false value (``None``,
        what an assert-style function returns, passes)."""
        label = f"check {what or getattr(assertion, '__name__', 'assertion')}"
        self.steps.append(_Step(_Kind.CHECK, label, predicate=assertion))
        return self

    # -- running -----------------------------------------------------------------------

    def start(self, timeout_ms: int = 30_000) -> None:
        if self.started:
            raise RuntimeError("a script runs once")
        self.started = True
        self._deadline = time.monotonic() + timeout_ms / 1000
        self._schedule(0)

    def run(self, qtbot: QtBot, timeout: int = 30_000) -> None:
        """Run the script and wait for its end; raise :class:`KeyScriptError` on failure."""
        self.start(timeout)
        try:
            qtbot.waitUntil(lambda: self.finished, timeout=timeout + 15_000)
        except Exception:
            if not self.finished:
                self._fail("the script did not finish (its timers stopped)")
        if self.failure is not None:
            raise KeyScriptError(self.report())

    def report(self) -> str:
        on_screen = ", ".join(f"{describe(w)} {w.windowTitle()!r}" for w in visible_windows())
        lines = [
            self.failure or "passed",
            f"step {self._index + 1} of {len(self.steps)}; {self.keystrokes} keystrokes sent",
            f"active window: {describe(QApplication.activeWindow())} {active_title()!r}",
            f"focus widget: {describe(QApplication.focusWidget())}",
            f"windows on screen: {on_screen or 'none'}",
            f"last {min(LOG_TAIL, len(self.log))} steps:",
            *(f"  {entry}" for entry in self.log[-LOG_TAIL:]),
        ]
        return "\n".join(lines)

    def _schedule(self, ms: int) -> None:
        QTimer.singleShot(ms, self._tick)

    def _record(self, step: _Step, target: QWidget | None) -> None:
        self.log.append(LogEntry(step.label, describe(target), active_title()))

    def _fail(self, message: str) -> None:
        if self.finished:
            return
        self.failure = message
        self.finished = True
        open_now = [w.windowTitle() or describe(w) for w in _modal_chain()]
        if open_now:
            self.failure += f"\n(closed to end the test: {', '.join(open_now)})"
        reap_modal_dialogs()

    def _tick(self) -> None:
        if self.finished:
            return
        try:
            self._advance()
        except Exception as exc:
            detail = "".join(traceback.format_exception(exc)).rstrip()
            self._fail(f"error in the script runner: {detail}")

    def _advance(self) -> None:
        now = time.monotonic()
        if now > self._deadline:
            at = self.steps[self._index].label if self._index < len(self.steps) else "the end"
            self._fail(f"the script timed out at: {at}")
            return
        if self._index >= len(self.steps):
            self._finish()
            return
        step = self.steps[self._index]
        if step.kind in (_Kind.UNTIL, _Kind.CHECK):
            self._condition(step, now)
        else:
            self._keystroke(step, now)

    def _finish(self) -> None:
        modal = QApplication.activeModalWidget()
        if self._depth and modal is not None:
            # A keystroke of this script is still inside the dialog's exec(): the test
            # could never go on. (A dialog shown with open() or show() does not block.)
            self._fail(
                f"the script ended while a modal dialog it opened was still open "
                f"({modal.windowTitle()!r}); end the script by closing it"
            )
            return
        self.finished = True

    def _waited(self, now: float) -> float:
        if self._waiting_since is None:
            self._waiting_since = now
        return now - self._waiting_since

    def _condition(self, step: _Step, now: float) -> None:
        assert step.predicate is not None
        if step.kind is _Kind.CHECK:
            self._record(step, QApplication.focusWidget())
            try:
                result = step.predicate()
            except AssertionError as exc:
                self._fail(f"{step.label} failed: {exc}")
                return
            except Exception as exc:
                detail = "".join(traceback.format_exception(exc)).rstrip()
                self._fail(f"{step.label} raised: {detail}")
                return
            if result is not None and not result:
                self._fail(f"{step.label} failed (got {result!r})")
                return
            self._index += 1
            self._schedule(0)
            return
        try:
            reached = step.predicate()
        except Exception as exc:
            self._record(step, QApplication.focusWidget())
            self._fail(f"{step.label}: the condition raised {exc!r}")
            return
        if reached:
            self._waiting_since = None
            self._record(step, QApplication.focusWidget())
            self._index += 1
            self._schedule(0)
        elif self._waited(now) > step.timeout_s:
            self._record(step, QApplication.focusWidget())
            detail = f" ({step.explain()})" if step.explain is not None else ""
            self._fail(f"timed out after {step.timeout_s:g} s: {step.label}{detail}")
        else:
            self._schedule(POLL_MS)

    def _keystroke(self, step: _Step, now: float) -> None:
        why = busy()
        target = None if why else keyboard_target()
        if why or target is None:
            waited = self._waited(now)
            if why and waited > self.busy_timeout_s:
                self._fail(f"still busy after {waited:.1f} s ({why}) before: {step.label}")
            elif not why and waited > self.focus_timeout_s:
                self._record(step, None)
                self._fail(
                    f"keystroke lost: no widget had the keyboard focus for {waited:.1f} s "
                    f"at: {step.label}; active window: {describe(QApplication.activeWindow())} "
                    f"{active_title()!r}"
                )
            else:
                self._schedule(POLL_MS)
            return
        self._waiting_since = None
        self._index += 1
        # The next step's timer first: if this key opens a modal dialog, its loop runs it.
        self._schedule(TICK_MS)
        self._record(step, target)
        self.keystrokes += 1
        self._depth += 1
        try:
            send(target, step.chord, step.char)
        finally:
            self._depth -= 1
        QApplication.processEvents()


def send(target: QWidget, chord: Chord | None, char: str = "") -> None:
    """One keystroke to ``target``: press and release, shortcuts and mnemonics included
    (QTest sends the shortcut-override event first, as the platform would)."""
    if chord is not None:
        QTest.keyClick(target, chord.key, chord.modifiers)
    elif char.isascii():
        QTest.keyClicks(target, char)
    elif target.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled):
        # Chinese text comes from the input method as a committed string.
        event = QInputMethodEvent("", [])
        event.setCommitString(char)
        QApplication.sendEvent(target, event)
    else:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            if shiboken6.isValid(target):
                QApplication.sendEvent(
                    target, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                )
