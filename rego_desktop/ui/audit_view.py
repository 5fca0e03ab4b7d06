"""The audit trail of one patient: who changed what, when, from what to what, and why.

Actions are shown by name (:mod:`rego_desktop.audit.actions`), a filter (Alt+F or
Ctrl+F) narrows the list to entries whose subject, form, field, user, action, values
or reason contain the typed text, and the selected entry is shown in full below the
list, so long values and reasons are read without scrolling sideways.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.audit import trail
from rego_desktop.audit.actions import action_label, detail_label, detail_value, in_language
from rego_desktop.auth.roles import Permission
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.values import display, from_json
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.widgets import language

# Columns: #, time, user, action, form, field, old value, new value, reason.
OLD, NEW, REASON = 6, 7, 8
WRAPPED = (OLD, NEW, REASON)
MAX_WIDTHS = {2: 110, 3: 170, 4: 170, 5: 190}


def _value_text(study: OpenStudy, form_id: str | None, field_id: str, raw: object) -> str:
    if raw is None:
        return ""
    definition = study.definition
    if form_id and definition.has_form(form_id) and definition.form(form_id).has_field(field_id):
        field = definition.form(form_id).field(field_id)
        try:
            return display(definition, field, from_json(field, raw), language())
        except (TypeError, ValueError, KeyError):
            return str(raw)
    return str(raw)


@dataclass(frozen=True)
class AuditRow:
    """One line of the list: an entry, or one changed field of an entry."""

    cells: tuple[str, ...]
    subject: str
    details: bool = False
    """No field changed: the entry's details stand in the "New value" column."""

    def matches(self, needle: str) -> bool:
        return not needle or any(needle in c.casefold() for c in (*self.cells, self.subject))


def audit_rows(study: OpenStudy, records: list[trail.AuditRecord]) -> list[AuditRow]:
    lang = language()
    definition = study.definition
    rows: list[AuditRow] = []
    for r in records:
        form = definition.form(r.form_id) if r.form_id and definition.has_form(r.form_id) else None
        form_label = form.label.text(lang) if form is not None else (r.form_id or "")
        base = (
            str(r.seq),
            r.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            r.username,
            action_label(r.action).text(lang),
            form_label,
        )
        subject = r.subject_code or ""
        if not r.changes:
            detail = "; ".join(
                f"{detail_label(k).text(lang)}: {detail_value(k, v, lang)}"
                for k, v in in_language(r.details, lang).items()
                if v != ""
            )
            rows.append(AuditRow((*base, "", "", detail, r.reason or ""), subject, details=True))
        for c in r.changes:
            field_label = c.field
            if form is not None and form.has_field(c.field):
                field_label = form.field(c.field).label.text(lang)
            rows.append(
                AuditRow(
                    (
                        *base,
                        field_label,
                        _value_text(study, r.form_id, c.field, c.old),
                        _value_text(study, r.form_id, c.field, c.new),
                        r.reason or "",
                    ),
                    subject,
                )
            )
    return rows


class AuditDialog(QDialog):
    def __init__(self, study: OpenStudy, subject_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        study.user.require(Permission.VIEW_AUDIT)
        self.setObjectName("auditDialog")
        self.setWindowTitle(self.tr("Audit trail of {code}").format(code=subject_code))
        with study.reading() as session:
            records = trail.read(session, study.keyring, study.info.db_uid, subject_code)
            count, problems = trail.verify(session, study.keyring)
        self.headers = [
            self.tr("#"),
            self.tr("Time"),
            self.tr("User"),
            self.tr("Action"),
            self.tr("Form"),
            self.tr("Field"),
            self.tr("Old value"),
            self.tr("New value"),
            self.tr("Reason"),
        ]
        self.rows = audit_rows(study, records)

        self.filter = QLineEdit()
        self.filter.setObjectName("auditFilter")
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText(
            self.tr("Subject, form, field, user, action, value or reason (Ctrl+F)")
        )
        self.filter.textChanged.connect(self.apply_filter)
        filter_label = QLabel(self.tr("&Filter:"))
        filter_label.setBuddy(self.filter)
        self.shown_count = QLabel()
        self.shown_count.setObjectName("auditCount")
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_filter)
        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter, 1)
        top.addWidget(self.shown_count)

        table = QTableWidget(len(self.rows), len(self.headers))
        self.table = table
        table.setObjectName("auditTable")
        table.setHorizontalHeaderLabels(self.headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setWordWrap(True)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.verticalHeader().hide()
        for i, row in enumerate(self.rows):
            for j, text in enumerate(row.cells):
                item = QTableWidgetItem(text)
                if j in WRAPPED or j in MAX_WIDTHS:
                    item.setToolTip(text)
                table.setItem(i, j, item)
        table.resizeColumnsToContents()
        header = table.horizontalHeader()
        for column, width in MAX_WIDTHS.items():
            table.setColumnWidth(column, min(table.columnWidth(column), width))
        for column in WRAPPED:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        # Wrapped cells need their row heights again when the columns change width.
        self._rows_timer = QTimer(self)
        self._rows_timer.setSingleShot(True)
        self._rows_timer.setInterval(0)
        self._rows_timer.timeout.connect(table.resizeRowsToContents)
        header.sectionResized.connect(lambda *_: self._rows_timer.start())
        table.currentCellChanged.connect(lambda *_: self.show_detail())

        self.detail = QPlainTextEdit()
        self.detail.setObjectName("auditDetail")
        self.detail.setReadOnly(True)
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.detail.setPlaceholderText(self.tr("Select an entry to see it in full."))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 180])
        splitter.setChildrenCollapsible(False)

        state = (
            self.tr("Audit trail verified: {count} entries, chain intact.").format(count=count)
            if not problems
            else self.tr("AUDIT TRAIL DAMAGED: {problems}").format(
                problems=" ".join(p.message for p in problems)
            )
        )
        status = QLabel(state)
        status.setObjectName("auditState")
        status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(status)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        set_default_button(self, None)
        place(self, "audit", QSize(1100, 620))
        self.apply_filter()
        table.resizeRowsToContents()
        if self.rows:
            table.setCurrentCell(len(self.rows) - 1, 0)
        table.setFocus()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self._rows_timer.start()
        current = self.table.currentItem()
        if current is not None:
            QTimer.singleShot(0, lambda: self.table.scrollToItem(current))

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def visible_rows(self) -> list[int]:
        return [i for i in range(self.table.rowCount()) if not self.table.isRowHidden(i)]

    def apply_filter(self) -> None:
        needle = self.filter.text().strip().casefold()
        for i, row in enumerate(self.rows):
            self.table.setRowHidden(i, not row.matches(needle))
        shown = len(self.visible_rows())
        self.shown_count.setText(
            self.tr("{shown} of {total} shown").format(shown=shown, total=len(self.rows))
        )
        current = self.table.currentRow()
        if current < 0 or self.table.isRowHidden(current):
            visible = self.visible_rows()
            if visible:
                self.table.setCurrentCell(visible[-1], 0)
        self.show_detail()

    def show_detail(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows) or self.table.isRowHidden(row):
            self.detail.clear()
            return
        entry = self.rows[row]
        names = list(self.headers)
        if entry.details:
            names[NEW] = self.tr("Details")
        self.detail.setPlainText(
            "\n".join(f"{names[j]}: {text}" for j, text in enumerate(entry.cells) if j == 0 or text)
        )
