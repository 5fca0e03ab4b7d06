"""One editor widget per field type, generated from the study definition.

Each editor turns what was typed into a typed value through the domain's parser
(``rego_desktop.study.values.parse_text``), so the GUI holds no rules of its own.

Signals of :class:`FieldEditor`: ``edited()`` on every change, ``left()`` when the
user leaves the field (the moment hard errors are shown).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.study.schema import Field, FieldType, StudyDefinition
from rego_desktop.study.values import (
    FieldProblem,
    Quantity,
    Value,
    choices,
    match_choice,
    parse_text,
)
from rego_desktop.ui.widgets import language

PROBLEM_STYLE = "border: 2px solid #a4262c;"


class FieldEditor(QWidget):
    edited = Signal()
    left = Signal()

    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.study = study
        self.field = field
        self.setObjectName(f"field_{field.id}")

    def value(self) -> Value:
        """The typed value; raises :class:`FieldProblem` if what was typed is impossible."""
        raise NotImplementedError

    def set_value(self, value: Value) -> None:
        raise NotImplementedError

    def focus_target(self) -> QWidget:
        return self

    def raw(self) -> dict[str, Any]:
        """What is typed, even if invalid, for autosaved drafts."""
        raise NotImplementedError

    def set_raw(self, raw: dict[str, Any]) -> None:
        raise NotImplementedError

    def set_problem(self, problem: bool) -> None:
        self.focus_target().setStyleSheet(PROBLEM_STYLE if problem else "")

    def _watch(self, widget: QWidget) -> None:
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.FocusOut:
            self.left.emit()
        return False


class TextEditor(FieldEditor):
    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(study, field, parent)
        self.edit = QLineEdit()
        self.edit.setMaxLength(field.max_length)
        self.edit.textEdited.connect(self.edited)
        self._watch(self.edit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)

    def value(self) -> Value:
        return parse_text(self.study, self.field, self.edit.text())

    def set_value(self, value: Value) -> None:
        self.edit.setText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.edit

    def raw(self) -> dict[str, Any]:
        return {"text": self.edit.text()}

    def set_raw(self, raw: dict[str, Any]) -> None:
        self.edit.setText(str(raw.get("text", "")))


class NumberEditor(FieldEditor):
    """A number with its unit: a unit chooser when the field offers several units."""

    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(study, field, parent)
        self.edit = QLineEdit()
        self.edit.setMaximumWidth(140)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.edit.textEdited.connect(self.edited)
        self._watch(self.edit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self.unit: QComboBox | None = None
        if len(field.units) > 1:
            self.unit = QComboBox()
            self.unit.setObjectName(f"unit_{field.id}")
            for unit in field.units:
                self.unit.addItem(unit.id, unit.id)
            self.unit.currentIndexChanged.connect(self.edited)
            self._watch(self.unit)
            layout.addWidget(self.unit)
        elif field.units:
            layout.addWidget(QLabel(field.units[0].id))
        layout.addStretch(1)

    def value(self) -> Value:
        unit = self.unit.currentData() if self.unit is not None else None
        return parse_text(self.study, self.field, self.edit.text(), unit)

    def set_value(self, value: Value) -> None:
        if isinstance(value, Quantity):
            self.edit.setText(_number_text(value.value, self.field))
            if self.unit is not None:
                self.unit.setCurrentIndex(max(0, self.unit.findData(value.unit)))
        elif isinstance(value, int | float):
            self.edit.setText(_number_text(value, self.field))
        else:
            self.edit.clear()

    def focus_target(self) -> QWidget:
        return self.edit

    def raw(self) -> dict[str, Any]:
        unit = self.unit.currentData() if self.unit is not None else None
        return {"text": self.edit.text(), "unit": unit}

    def set_raw(self, raw: dict[str, Any]) -> None:
        self.edit.setText(str(raw.get("text", "")))
        if self.unit is not None and raw.get("unit"):
            self.unit.setCurrentIndex(max(0, self.unit.findData(raw["unit"])))


def _number_text(value: float, field: Field) -> str:
    if field.type is FieldType.INTEGER or float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


class DateEditor(FieldEditor):
    """A date typed as YYYY-MM-DD, with a calendar pop-up (button or F4)."""

    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(study, field, parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("YYYY-MM-DD")
        self.edit.setMaximumWidth(140)
        self.edit.setMaxLength(10)
        self.edit.textEdited.connect(self.edited)
        self._watch(self.edit)
        button = QToolButton()
        button.setText("▾")
        button.setToolTip(self.tr("Calendar (F4)"))
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(self.show_calendar)
        QShortcut(QKeySequence("F4"), self.edit, self.show_calendar)
        self.calendar: QCalendarWidget | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(button)
        layout.addStretch(1)

    def show_calendar(self) -> None:
        calendar = QCalendarWidget(self)
        calendar.setWindowFlags(Qt.WindowType.Popup)
        calendar.setGridVisible(True)
        try:
            current = self.value()
        except FieldProblem:
            current = None
        if isinstance(current, dt.date):
            calendar.setSelectedDate(QDate(current.year, current.month, current.day))
        calendar.activated.connect(self._picked)
        calendar.clicked.connect(self._picked)
        calendar.move(self.edit.mapToGlobal(self.edit.rect().bottomLeft()))
        calendar.show()
        calendar.setFocus()
        self.calendar = calendar

    def _picked(self, date: QDate) -> None:
        self.edit.setText(date.toString("yyyy-MM-dd"))
        self.edited.emit()
        if self.calendar is not None:
            self.calendar.close()
            self.calendar = None
        self.edit.setFocus()

    def value(self) -> Value:
        return parse_text(self.study, self.field, self.edit.text())

    def set_value(self, value: Value) -> None:
        self.edit.setText(value.isoformat() if isinstance(value, dt.date) else "")

    def focus_target(self) -> QWidget:
        return self.edit

    def raw(self) -> dict[str, Any]:
        return {"text": self.edit.text()}

    def set_raw(self, raw: dict[str, Any]) -> None:
        self.edit.setText(str(raw.get("text", "")))


class ChoiceEditor(FieldEditor):
    """A code list (or yes/no): type any part of a choice, or open the list (F4).

    Typing "reduced" and leaving the field picks "Dose reduced"; a fragment that fits
    several choices is refused with the candidates named.
    """

    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(study, field, parent)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.addItem("", None)
        for value, label in choices(study, field):
            self.combo.addItem(label.text(language()), value)
        completer = self.combo.completer()
        if completer is not None:
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.combo.setMinimumContentsLength(14)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.currentIndexChanged.connect(self.edited)
        self.combo.editTextChanged.connect(self.edited)
        line = self.combo.lineEdit()
        if line is not None:
            self._watch(line)
            line.editingFinished.connect(self._normalise)
        self._watch(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addStretch(1)

    def value(self) -> Value:
        text = self.combo.currentText().strip()
        if not text:
            return None
        return match_choice(self.study, self.field, text, loose=True)

    def _normalise(self) -> None:
        """Show the full label of what the typed fragment picked."""
        try:
            value = self.value()
        except FieldProblem:
            return
        if value is not None:
            index = self.combo.findData(value)
            if index >= 0 and self.combo.currentIndex() != index:
                self.combo.setCurrentIndex(index)
            elif index >= 0:
                self.combo.setEditText(self.combo.itemText(index))

    def set_value(self, value: Value) -> None:
        index = self.combo.findData(value) if value is not None else 0
        self.combo.setCurrentIndex(max(0, index))
        self.combo.setEditText(self.combo.itemText(max(0, index)))

    def focus_target(self) -> QWidget:
        return self.combo

    def raw(self) -> dict[str, Any]:
        return {"text": self.combo.currentText()}

    def set_raw(self, raw: dict[str, Any]) -> None:
        if "value" in raw:
            self.set_value(raw.get("value"))
        else:
            self.combo.setEditText(str(raw.get("text", "")))


class MultiChoiceEditor(FieldEditor):
    """Check boxes in columns; Space toggles, Tab moves on."""

    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(study, field, parent)
        self.boxes: list[tuple[str, QCheckBox]] = []
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        options = choices(study, field)
        columns = 2 if len(options) > 4 else 1
        for i, (value, label) in enumerate(options):
            box = QCheckBox(label.text(language()))
            box.toggled.connect(self.edited)
            self._watch(box)
            grid.addWidget(box, i // columns, i % columns)
            self.boxes.append((value, box))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(grid)

    def value(self) -> Value:
        picked = tuple(v for v, box in self.boxes if box.isChecked())
        return picked or None

    def set_value(self, value: Value) -> None:
        chosen = set(value) if isinstance(value, tuple) else set()
        for v, box in self.boxes:
            box.setChecked(v in chosen)

    def focus_target(self) -> QWidget:
        return self.boxes[0][1] if self.boxes else self

    def raw(self) -> dict[str, Any]:
        return {"values": [v for v, box in self.boxes if box.isChecked()]}

    def set_raw(self, raw: dict[str, Any]) -> None:
        self.set_value(tuple(raw.get("values", ())))

    def set_problem(self, problem: bool) -> None:
        self.setStyleSheet(PROBLEM_STYLE if problem else "")


def make_editor(study: StudyDefinition, field: Field) -> FieldEditor:
    kind = field.type
    if kind is FieldType.TEXT:
        return TextEditor(study, field)
    if kind in (FieldType.INTEGER, FieldType.DECIMAL):
        return NumberEditor(study, field)
    if kind is FieldType.DATE:
        return DateEditor(study, field)
    if kind in (FieldType.CHOICE, FieldType.YES_NO):
        return ChoiceEditor(study, field)
    return MultiChoiceEditor(study, field)
