"""One editor widget per field type, generated from the study definition.

Each editor turns what was typed into a typed value through the domain's parser
(``rego_desktop.study.values.parse_text``), so the GUI holds no rules of its own.

Signals of :class:`FieldEditor`: ``edited()`` on every change, ``left()`` when the
user leaves the field (the moment hard errors are shown).

A field whose study definition allows missing-data reasons takes them from the
keyboard: typed as their code (``ND``, ``UNK``, ``NA``) or picked with Ctrl+M from a
menu. A recorded reason is shown in italics on a tinted field with its label beside
it, so it never reads as a value.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFocusEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import MISSING_LABELS, Field, FieldType, StudyDefinition
from rego_desktop.study.values import (
    FieldProblem,
    Missing,
    Quantity,
    Value,
    choices,
    match_choice,
    missing_in,
    parse_text,
    ranked_choices,
    unit_id,
    unit_text,
)
from rego_desktop.ui.widgets import language

PROBLEM_STYLE = "border: 2px solid #a4262c;"
# A recorded reason for a missing value: tinted and italic, never read as a value.
MISSING_STYLE = "background: #f3f2f1; color: #5c2e91; font-style: italic;"
MISSING_SHORTCUT = "Ctrl+M"


class FieldEditor(QWidget):
    edited = Signal()
    left = Signal()

    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.study = study
        self.field = field
        self.setObjectName(f"field_{field.id}")
        self.badge = QLabel(self)  # placed in each editor's layout; hidden until used
        self.badge.setObjectName(f"missing_{field.id}")
        self.badge.setStyleSheet("color: #5c2e91; font-style: italic;")
        self.badge.hide()
        self._problem = False
        if field.missing_reasons:
            shortcut = QShortcut(QKeySequence(MISSING_SHORTCUT), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.choose_missing)
            self.edited.connect(self.refresh_missing)

    # ------------------------------------------------------------ missing reasons

    def choose_missing(self) -> None:
        """Open the menu of the reasons this field allows (Ctrl+M); the pick replaces
        what is typed."""
        menu = QMenu(self)
        menu.setObjectName(f"missingMenu_{self.field.id}")
        for reason in self.field.missing_reasons:
            label = MISSING_LABELS[reason].text(language())
            action = QAction(f"&{reason.value}  {label}", menu)
            action.setData(reason.value)
            menu.addAction(action)
        anchor = self.focus_target()
        menu.setActiveAction(menu.actions()[0])
        picked = menu.exec(anchor.mapToGlobal(anchor.rect().bottomLeft()))
        if picked is not None:
            reason = next(r for r in self.field.missing_reasons if r.value == picked.data())
            self.set_value(Missing(reason))
            self.edited.emit()
        self.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)

    def recorded_missing(self) -> Missing | None:
        """The reason recorded in the field, if any (never raises)."""
        try:
            value = self.value()
        except FieldProblem:
            return None
        return value if isinstance(value, Missing) else None

    def refresh_missing(self) -> None:
        """Show a recorded reason as such: its label beside the field, a tinted field."""
        missing = self.recorded_missing()
        if missing is None:
            self.badge.hide()
        else:
            self.badge.setText(self.badge_text(missing))
            self.badge.show()
        self._restyle(missing is not None)

    def badge_text(self, missing: Missing) -> str:
        """What stands beside the field: the reason's label (the code is in the field)."""
        return missing.label.text(language())

    def _restyle(self, missing: bool) -> None:
        style = PROBLEM_STYLE if self._problem else ""
        if missing:
            style += MISSING_STYLE
        self.focus_target().setStyleSheet(style)

    def missing_tooltip(self) -> str:
        """What the field accepts besides a value, for its tool tip."""
        codes = ", ".join(r.value for r in self.field.missing_reasons)
        # An explicit context: Qt looks tr() up under the runtime (sub)class name.
        return QCoreApplication.translate(
            "FieldEditor", "No value in the chart: type {codes} or press Ctrl+M"
        ).format(codes=codes)

    def value(self) -> Value:
        """The typed value; raises :class:`FieldProblem` if what was typed is impossible."""
        raise NotImplementedError

    def set_value(self, value: Value) -> None:
        raise NotImplementedError

    def focus_target(self) -> QWidget:
        return self

    def take_focus(self) -> None:
        """Focus the field with its text selected: typing replaces, Tab keeps."""
        target = self.focus_target()
        target.setFocus(Qt.FocusReason.TabFocusReason)
        line = target if isinstance(target, QLineEdit) else None
        if isinstance(target, QComboBox):
            line = target.lineEdit()
        if line is not None:
            line.selectAll()

    def raw(self) -> dict[str, Any]:
        """What is typed, even if invalid, for autosaved drafts."""
        raise NotImplementedError

    def set_raw(self, raw: dict[str, Any]) -> None:
        raise NotImplementedError

    def set_problem(self, problem: bool) -> None:
        self._problem = problem
        self._restyle(self.recorded_missing() is not None)

    def _watch(self, widget: QWidget) -> None:
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            event.type() == QEvent.Type.FocusIn
            and isinstance(event, QFocusEvent)
            and isinstance(watched, QLineEdit)
            and event.reason()
            in (
                Qt.FocusReason.TabFocusReason,
                Qt.FocusReason.BacktabFocusReason,
                Qt.FocusReason.ShortcutFocusReason,
            )
        ):
            # Tabbing into a field selects what it holds: typing replaces, Tab keeps.
            QTimer.singleShot(0, watched, watched.selectAll)
        if event.type() == QEvent.Type.FocusOut and isinstance(event, QFocusEvent):
            # Only a real move to another field counts as leaving: not a pop-up list,
            # another window taking over (a message box, the idle lock) or a move
            # between the parts of this field (number and unit).
            transient = event.reason() in (
                Qt.FocusReason.PopupFocusReason,
                Qt.FocusReason.ActiveWindowFocusReason,
            )
            now = QApplication.focusWidget()
            inside = now is not None and (now is self or self.isAncestorOf(now))
            if not transient and not inside:
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
    """A number with its unit.

    A field with several units never guesses one: the chooser starts empty unless the
    site has set its usual unit for the field (then the chooser is preset and takes no
    Tab stop). The unit can also be typed after the number ("2.0 mg/dL"), or chosen
    with F4 from the number.
    """

    def __init__(
        self,
        study: StudyDefinition,
        field: Field,
        default_unit: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(study, field, parent)
        self.default_unit = default_unit if field.unit(default_unit or "") else None
        self.edit = QLineEdit()
        self.edit.setMaximumWidth(160)
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
            self.unit.addItem(self.tr("unit?"), None)
            for unit in field.units:
                self.unit.addItem(unit_text(field, unit.id), unit.id)
            if self.default_unit is not None:
                self.unit.setCurrentIndex(self.unit.findData(self.default_unit))
                self.unit.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
                self.unit.setToolTip(self.tr("The site's usual unit; F4 changes it"))
            else:
                self.unit.setToolTip(self.tr("Choose the unit written in the chart"))
            self.unit.currentIndexChanged.connect(self.edited)
            self._watch(self.unit)
            QShortcut(QKeySequence("F4"), self.edit, self._choose_unit)
            layout.addWidget(self.unit)
        elif field.units:
            layout.addWidget(QLabel(unit_text(field, field.units[0].id)))
        layout.addWidget(self.badge)
        layout.addStretch(1)
        if field.missing_reasons:
            self.edit.setToolTip(self.missing_tooltip())
            self.edit.editingFinished.connect(self._normalise_missing)

    def _normalise_missing(self) -> None:
        """Show a reason typed as "nd" or "未做" back as its code."""
        missing = self.recorded_missing()
        if missing is not None and self.edit.text() != missing.code:
            self.edit.setText(missing.code)
        self.refresh_missing()

    def _choose_unit(self) -> None:
        if self.unit is not None:
            self.unit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.unit.showPopup()

    def _split_unit(self) -> tuple[str, str | None]:
        """The number and the unit typed after it ("2.0 mg/dL"), if it is one of the
        field's (the domain's :func:`unit_id` reads ids and symbols alike)."""
        text = self.edit.text().strip()
        match = _NUMBER_THEN_TEXT.match(text)
        if match is not None and self.unit is not None:
            typed = unit_id(self.field, match.group(2))
            if typed is not None:
                return match.group(1), typed
        return text, None

    def value(self) -> Value:
        missing = missing_in(self.study, self.field, self.edit.text())
        if missing is not None:
            return missing
        number, typed = self._split_unit()
        chosen = self.unit.currentData() if self.unit is not None else None
        return parse_text(self.study, self.field, number, typed or chosen)

    def set_value(self, value: Value) -> None:
        if isinstance(value, Missing):
            self.edit.setText(value.code)
            if self.unit is not None:
                self.unit.setCurrentIndex(max(0, self.unit.findData(self.default_unit)))
        elif isinstance(value, Quantity):
            self.edit.setText(_number_text(value.value, self.field))
            if self.unit is not None:
                self.unit.setCurrentIndex(max(0, self.unit.findData(value.unit)))
        elif isinstance(value, int | float):
            self.edit.setText(_number_text(value, self.field))
        else:
            self.edit.clear()
            if self.unit is not None:
                self.unit.setCurrentIndex(max(0, self.unit.findData(self.default_unit)))
        self.refresh_missing()

    def focus_target(self) -> QWidget:
        return self.edit

    def raw(self) -> dict[str, Any]:
        unit = self.unit.currentData() if self.unit is not None else None
        return {"text": self.edit.text(), "unit": unit}

    def set_raw(self, raw: dict[str, Any]) -> None:
        self.edit.setText(str(raw.get("text", "")))
        if self.unit is not None and raw.get("unit"):
            self.unit.setCurrentIndex(max(0, self.unit.findData(raw["unit"])))
        self.refresh_missing()


_NUMBER_THEN_TEXT = re.compile(r"^([-+]?[\d.,]+)\s*(\S.*)$")


def _number_text(value: float, field: Field) -> str:
    if field.type is FieldType.INTEGER or float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


class DateEditor(FieldEditor):
    """A date typed as YYYY-MM-DD, with a calendar pop-up (button or F4); where the
    study allows partial dates also YYYY-MM or YYYY, kept as typed."""

    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(study, field, parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("YYYY-MM(-DD)" if field.partial_date else "YYYY-MM-DD")
        self.edit.setMaximumWidth(140)
        self.edit.setMaxLength(10)
        self.edit.textEdited.connect(self.edited)
        self.edit.editingFinished.connect(self._normalise)
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
        layout.addWidget(self.badge)
        layout.addStretch(1)
        tips = []
        if field.partial_date:
            tips.append(self.tr("The chart lacks the day or month: type YYYY-MM or YYYY"))
        if field.missing_reasons:
            tips.append(self.missing_tooltip())
        if tips:
            self.edit.setToolTip("\n".join(tips))

    def show_calendar(self) -> None:
        calendar = QCalendarWidget(self)
        calendar.setWindowFlags(Qt.WindowType.Popup)
        calendar.setGridVisible(True)
        try:
            current = self.value()
        except FieldProblem:
            current = None
        if isinstance(current, PartialDate):
            current = current.first
        if isinstance(current, dt.date):
            calendar.setSelectedDate(QDate(current.year, current.month, current.day))
        calendar.activated.connect(self._picked)
        calendar.clicked.connect(self._picked)
        calendar.move(self.edit.mapToGlobal(self.edit.rect().bottomLeft()))
        calendar.show()
        calendar.setFocus()
        self.calendar = calendar

    def _normalise(self) -> None:
        """Show a date typed as 2024-3-5, 2024/03/05 or 20240305 back as 2024-03-05 (and
        2021-5 as 2021-05, "unk" as UNK)."""
        try:
            value = self.value()
        except FieldProblem:
            return
        shown = _date_text(value)
        if shown and self.edit.text() != shown:
            self.edit.setText(shown)
        self.refresh_missing()

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
        self.edit.setText(_date_text(value))
        self.refresh_missing()

    def focus_target(self) -> QWidget:
        return self.edit

    def raw(self) -> dict[str, Any]:
        return {"text": self.edit.text()}

    def set_raw(self, raw: dict[str, Any]) -> None:
        self.edit.setText(str(raw.get("text", "")))
        self.refresh_missing()


def _date_text(value: Value) -> str:
    """A date, a partial date or a missing reason as the date field shows it."""
    if isinstance(value, Missing):
        return value.code
    if isinstance(value, dt.date | PartialDate):
        return value.isoformat()
    return ""


class ChoiceEditor(FieldEditor):
    """A code list (or yes/no): type a word of the choice, a synonym or any part of it,
    or open the whole list (F4 or Alt+Down).

    While typing, the choice that leaving the field would pick is shown beside the box
    ("hand" -> hand-foot skin reaction), or the candidates when several fit; the
    domain's matching (word prefixes, then synonyms, then any part) decides.
    """

    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(study, field, parent)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setCompleter(None)  # type: ignore[arg-type]  # None: no completer
        self.combo.addItem("", None)
        for value, label in choices(study, field):
            self.combo.addItem(label.text(language()), value)
        self.combo.setMinimumContentsLength(14)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMaximumWidth(520)
        self.combo.currentIndexChanged.connect(self.edited)
        self.combo.editTextChanged.connect(self.edited)
        self.hint = QLabel()
        self.hint.setObjectName(f"hint_{field.id}")
        self.hint.setStyleSheet("color: #605e5c;")
        self.hint.setWordWrap(True)
        self.hint.hide()
        line = self.combo.lineEdit()
        if line is not None:
            self._watch(line)
            line.editingFinished.connect(self._normalise)
            line.textEdited.connect(self._show_hint)
        self._watch(self.combo)
        QShortcut(QKeySequence("F4"), self.combo, self.combo.showPopup)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        row = QHBoxLayout()
        row.addWidget(self.combo)
        row.addWidget(self.badge)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        if field.missing_reasons:
            self.combo.setToolTip(self.missing_tooltip())

    def _show_hint(self, text: str) -> None:
        """Name what leaving the field would pick, or the candidates."""
        text = text.strip()
        ranked = ranked_choices(self.study, self.field, text) if text else []
        exact = [label for value, label in ranked if label.text(language()) == text]
        if not text or exact or self.recorded_missing() is not None:
            self.hint.hide()
            return
        if not ranked:
            self.hint.setText(self.tr("No choice fits; F4 shows the list."))
        else:
            try:
                picked = self.value()
            except FieldProblem:
                picked = None
            if picked is not None:
                self.hint.setText(
                    "→ " + dict(ranked).get(str(picked), ranked[0][1]).text(language())
                )
            else:
                names = "; ".join(label.text(language()) for _v, label in ranked[:4])
                more = "…" if len(ranked) > 4 else ""
                self.hint.setText(self.tr("Several fit: {names}").format(names=names + more))
        self.hint.show()

    def value(self) -> Value:
        text = self.combo.currentText().strip()
        if not text:
            return None
        missing = missing_in(self.study, self.field, text)
        if missing is not None:
            return missing
        return match_choice(self.study, self.field, text, loose=True)

    def _normalise(self) -> None:
        """Show the full label of what the typed fragment picked."""
        self.hint.hide()
        try:
            value = self.value()
        except FieldProblem:
            return
        if isinstance(value, Missing):
            if self.combo.currentText() != value.code:
                self.combo.setCurrentIndex(0)
                self.combo.setEditText(value.code)
        elif value is not None:
            index = self.combo.findData(value)
            if index >= 0 and self.combo.currentIndex() != index:
                self.combo.setCurrentIndex(index)
            elif index >= 0:
                self.combo.setEditText(self.combo.itemText(index))
        self.refresh_missing()

    def set_value(self, value: Value) -> None:
        if isinstance(value, Missing):
            self.combo.setCurrentIndex(0)
            self.combo.setEditText(value.code)
        else:
            index = self.combo.findData(value) if value is not None else 0
            self.combo.setCurrentIndex(max(0, index))
            self.combo.setEditText(self.combo.itemText(max(0, index)))
        self.refresh_missing()

    def focus_target(self) -> QWidget:
        return self.combo

    def raw(self) -> dict[str, Any]:
        return {"text": self.combo.currentText()}

    def set_raw(self, raw: dict[str, Any]) -> None:
        if "value" in raw:
            self.set_value(raw.get("value"))
        else:
            self.combo.setEditText(str(raw.get("text", "")))
        self.refresh_missing()


class MultiChoiceEditor(FieldEditor):
    """Check boxes in columns, one Tab stop for the group: arrow keys move between
    the boxes, Space toggles, Tab moves on to the next field."""

    def __init__(self, study: StudyDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(study, field, parent)
        self.boxes: list[tuple[str, QCheckBox]] = []
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        options = choices(study, field)
        self.columns = 2 if len(options) > 4 else 1
        for i, (value, label) in enumerate(options):
            box = QCheckBox(label.text(language()))
            box.toggled.connect(self.edited)
            box.installEventFilter(self)
            grid.addWidget(box, i // self.columns, i % self.columns)
            self.boxes.append((value, box))
        self._roving(0)
        self.reason: Missing | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(grid)
        outer.addWidget(self.badge)
        if field.missing_reasons:
            for _v, box in self.boxes:
                box.setToolTip(self.missing_tooltip())
                box.toggled.connect(self._box_toggled)

    def _roving(self, current: int) -> None:
        """Only the current box is a Tab stop (the rest take arrows and clicks)."""
        for i, (_v, box) in enumerate(self.boxes):
            box.setFocusPolicy(
                Qt.FocusPolicy.StrongFocus if i == current else Qt.FocusPolicy.ClickFocus
            )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            steps = {
                Qt.Key.Key_Down: self.columns,
                Qt.Key.Key_Up: -self.columns,
                Qt.Key.Key_Right: 1,
                Qt.Key.Key_Left: -1,
            }
            step = steps.get(Qt.Key(event.key()))
            index = next((i for i, (_v, b) in enumerate(self.boxes) if b is watched), None)
            if step is not None and index is not None:
                target = index + step
                if 0 <= target < len(self.boxes):
                    self._roving(target)
                    self.boxes[target][1].setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        if event.type() == QEvent.Type.FocusIn:
            index = next((i for i, (_v, b) in enumerate(self.boxes) if b is watched), None)
            if index is not None:
                self._roving(index)
        return super().eventFilter(watched, event)

    def missing_tooltip(self) -> str:
        codes = ", ".join(r.value for r in self.field.missing_reasons)
        return self.tr("No answer in the chart ({codes}): press Ctrl+M").format(codes=codes)

    def badge_text(self, missing: Missing) -> str:
        """No box holds the code, so the badge shows it with its label."""
        return f"{missing.code} · {missing.label.text(language())}"

    def _box_toggled(self, checked: bool) -> None:
        """Ticking a choice replaces a recorded reason."""
        if checked and self.reason is not None:
            self.reason = None
            self.refresh_missing()

    def value(self) -> Value:
        picked = tuple(v for v, box in self.boxes if box.isChecked())
        if not picked and self.reason is not None:
            return self.reason
        return picked or None

    def set_value(self, value: Value) -> None:
        self.reason = value if isinstance(value, Missing) else None
        chosen = set(value) if isinstance(value, tuple) else set()
        for v, box in self.boxes:
            box.setChecked(v in chosen)
        self.refresh_missing()

    def focus_target(self) -> QWidget:
        for _v, box in self.boxes:
            if box.focusPolicy() == Qt.FocusPolicy.StrongFocus:
                return box
        return self.boxes[0][1] if self.boxes else self

    def raw(self) -> dict[str, Any]:
        picked = [v for v, box in self.boxes if box.isChecked()]
        if not picked and self.reason is not None:
            return {"values": [], "missing": self.reason.code}
        return {"values": picked}

    def set_raw(self, raw: dict[str, Any]) -> None:
        code = raw.get("missing")
        reason = next((r for r in self.field.missing_reasons if r.value == code), None)
        if reason is not None:
            self.set_value(Missing(reason))
        else:
            self.set_value(tuple(raw.get("values", ())))

    def _restyle(self, missing: bool) -> None:
        self.setStyleSheet(PROBLEM_STYLE if self._problem else "")


def make_editor(
    study: StudyDefinition, field: Field, default_unit: str | None = None
) -> FieldEditor:
    kind = field.type
    if kind is FieldType.TEXT:
        return TextEditor(study, field)
    if kind in (FieldType.INTEGER, FieldType.DECIMAL):
        return NumberEditor(study, field, default_unit)
    if kind is FieldType.DATE:
        return DateEditor(study, field)
    if kind in (FieldType.CHOICE, FieldType.YES_NO):
        return ChoiceEditor(study, field)
    return MultiChoiceEditor(study, field)
