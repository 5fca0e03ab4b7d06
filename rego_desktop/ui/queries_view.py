"""Query lists, per patient (from the casebook) and per site (from the main window).

Data entry and investigators answer a query with a reason; a reviewer (investigator
or monitor) closes or re-opens it. The rules deciding what is allowed live in the
query service; buttons only reflect the role.

Signals of :class:`QueriesDialog`: ``open_subject(str)`` when the user asks to go to
a patient's casebook from the site list.

Queries of the coordinating center (issue 16) are listed with the site's own, marked
"From the center" with the center's query id; staff answer them, or correct the field
they are about with a reason for change (:meth:`QueriesDialog.correct`). Only the
center closes or re-opens them: its next query file, imported with
:class:`ImportQueriesDialog` (Tools menu, or the button here), brings that.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStatusBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.auth.roles import Permission
from rego_desktop.errors import RegoError
from rego_desktop.exchange.keys import load_center_public_key
from rego_desktop.services.center_queries import (
    ImportResult,
    correct_from_query,
    import_query_file,
)
from rego_desktop.services.queries import QueryRow, QueryService, SyncResult
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.errors import report_exception
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.widgets import language

UID_ROLE = Qt.ItemDataRole.UserRole + 1
SEVERITY_COLOURS = {"error": "#a4262c", "deviation": "#8a5300", "warning": "#605e5c"}


class QueriesDialog(QDialog):
    open_subject = Signal(str)

    def __init__(
        self,
        study: OpenStudy,
        messages: MessageService,
        subject: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.study = study
        self.messages = messages
        self.subject = subject
        self.service = QueryService(study)
        self.rows: list[QueryRow] = []
        self.operation: Operation | None = None
        self.setObjectName("queriesDialog")
        self.setWindowTitle(
            self.tr("Queries of {code}").format(code=subject)
            if subject
            else self.tr("Site queries")
        )
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("queryStatus")
        for value, text in (
            ("open", self.tr("Open")),
            ("answered", self.tr("Answered")),
            ("closed", self.tr("Closed")),
            (None, self.tr("All")),
        ):
            self.status_filter.addItem(text, value)
        self.status_filter.currentIndexChanged.connect(self.reload)
        self.summary = QLabel()
        self.summary.setObjectName("querySummary")
        self.summary.setWordWrap(True)
        show = QLabel(self.tr("&Show:"))
        show.setBuddy(self.status_filter)
        top = QHBoxLayout()
        top.addWidget(show)
        top.addWidget(self.status_filter)
        top.addWidget(self.summary, 1)

        self.table = QTableWidget(0, 7)
        self.table.setObjectName("queryTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Subject"),
                self.tr("Where"),
                self.tr("Severity"),
                self.tr("Status"),
                self.tr("Finding"),
                self.tr("Answer"),
                self.tr("Reviewer note"),
            ]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemActivated.connect(lambda _i: self.go_to())
        if subject is not None:
            self.table.hideColumn(0)

        user = study.user
        self.answer_button = QPushButton(self.tr("&Answer…"))
        self.answer_button.setEnabled(user.can(Permission.ANSWER_QUERIES))
        self.answer_button.clicked.connect(self.answer)
        self.close_button = QPushButton(self.tr("C&lose query…"))
        self.close_button.setEnabled(user.can(Permission.CLOSE_QUERIES))
        self.close_button.clicked.connect(self.close_query)
        self.reopen_button = QPushButton(self.tr("&Re-open…"))
        self.reopen_button.setEnabled(user.can(Permission.CLOSE_QUERIES))
        self.reopen_button.clicked.connect(self.reopen)
        self.correct_button = QPushButton(self.tr("Corr&ect value…"))
        self.correct_button.setToolTip(
            self.tr("Correct the field a query of the center is about, with a reason")
        )
        self.correct_button.setEnabled(
            user.can(Permission.EDIT_DATA) and user.can(Permission.ANSWER_QUERIES)
        )
        self.correct_button.clicked.connect(self.correct)
        self.import_button = QPushButton(self.tr("&Import center queries…"))
        self.import_button.setEnabled(user.can(Permission.ANSWER_QUERIES))
        self.import_button.setVisible(subject is None)
        self.import_button.clicked.connect(self.import_center_queries)
        self.check_button = QPushButton(self.tr("Run &checks"))
        self.check_button.clicked.connect(self.run_checks)
        self.go_button = QPushButton(self.tr("&Go to patient"))
        self.go_button.setVisible(subject is None)
        self.go_button.clicked.connect(self.go_to)
        buttons = QHBoxLayout()
        for b in (
            self.answer_button,
            self.correct_button,
            self.close_button,
            self.reopen_button,
            self.check_button,
            self.import_button,
            self.go_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        self.status_bar = QStatusBar()
        self.status_bar.setObjectName("queryStatusBar")
        self.status_bar.setSizeGripEnabled(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_bar, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addLayout(bottom)
        # Enter in the list goes to the patient (site list); no button takes Enter.
        set_default_button(self, None)
        place(self, "queries", QSize(1100, 560))
        self.reload()

    def reload(self) -> None:
        status = self.status_filter.currentData()
        try:
            self.rows = self.service.list(self.subject, status)
            counts = self.service.counts(self.subject)
        except RegoError as exc:
            self.messages.error(self, self.windowTitle(), exc.text(language()))
            return
        zh = language().startswith("zh")
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            cells = [
                row.subject,
                row.where_zh if zh else row.where,
                self._severity(row.severity),
                self._status(row.status) + ("" if row.present else self.tr(" (resolved)")),
                self._origin(row) + (row.message_zh if zh else row.message),
                row.answer or "",
                row.note or "",
            ]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(UID_ROLE, row.uid)
                if row.from_center and j == 4:
                    item.setToolTip(self.history_text(row))
                colour = SEVERITY_COLOURS.get(str(row.severity)) if j == 2 else None
                if colour:
                    item.setForeground(QColor(colour))
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        for column, width in ((1, 260), (4, 380)):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), width))
        self.table.resizeRowsToContents()
        self.summary.setText(
            self.tr("{open} open · {answered} answered · {closed} closed").format(
                open=counts.get("open", 0),
                answered=counts.get("answered", 0),
                closed=counts.get("closed", 0),
            )
        )
        if self.rows:
            self.table.selectRow(0)

    def _severity(self, severity: str) -> str:
        return {
            "error": self.tr("error"),
            "deviation": self.tr("deviation"),
            "warning": self.tr("warning"),
        }.get(str(severity), str(severity))

    def _status(self, status: str) -> str:
        return {
            "open": self.tr("open"),
            "answered": self.tr("answered"),
            "closed": self.tr("closed"),
        }.get(str(status), str(status))

    def _origin(self, row: QueryRow) -> str:
        """The mark of a query of the coordinating center (empty for the site's own)."""
        if not row.from_center:
            return ""
        return self.tr("[From the center, {id}] ").format(id=row.center_id)

    def history_text(self, row: QueryRow) -> str:
        """A center query's history as the center sent it, one event a line."""
        names = {
            "raised": self.tr("raised"),
            "answered": self.tr("answered"),
            "corrected": self.tr("corrected"),
            "closed": self.tr("closed"),
            "reopened": self.tr("re-opened"),
        }
        lines = []
        for event in row.center_history:
            text = f": {event['text']}" if event.get("text") else ""
            lines.append(
                f"{str(event['at'])[:16].replace('T', ' ')}  "
                f"{names.get(event['event'], event['event'])} ({event['by']}){text}"
            )
        return "\n".join(lines)

    def selected(self) -> QueryRow | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def describe(self, query: QueryRow) -> str:
        """The query shown above the answer: subject, where, the finding and its status."""
        zh = language().startswith("zh")
        lines = [
            self.tr("Subject: {subject}").format(subject=query.subject),
            self.tr("Where: {where}").format(where=query.where_zh if zh else query.where),
            self.tr("Finding ({severity}): {message}").format(
                severity=self._severity(query.severity),
                message=query.message_zh if zh else query.message,
            ),
        ]
        if query.from_center:
            lines.insert(
                0, self.tr("Query {id} of the coordinating center").format(id=query.center_id)
            )
            if query.center_value is not None:
                lines.append(
                    self.tr("Value the center saw: {value}").format(value=query.center_value)
                )
        if query.answer:
            lines.append(self.tr("Answer so far: {answer}").format(answer=query.answer))
        if query.note:
            lines.append(self.tr("Reviewer note: {note}").format(note=query.note))
        return "\n".join(lines)

    def _act(self, title: str, prompt: str, action: str) -> None:
        query = self.selected()
        if query is None:
            return
        text = self.messages.ask_text(self, title, prompt, self.describe(query))
        if text is None:
            return
        try:
            if action == "answer":
                self.service.answer(query.uid, text)
            elif action == "close":
                self.service.close(query.uid, text)
            else:
                self.service.reopen(query.uid, text)
        except RegoError as exc:
            self.messages.error(self, title, exc.text(language()))
        except Exception as exc:
            report_exception(self, exc, self.messages)
        self.reload()

    def answer(self) -> None:
        self._act(
            self.tr("Answer query"),
            self.tr("Why is the value right as it is (or what was done)?"),
            "answer",
        )

    def close_query(self) -> None:
        self._act(self.tr("Close query"), self.tr("Note for the record (optional):"), "close")

    def reopen(self) -> None:
        self._act(self.tr("Re-open query"), self.tr("Why is the answer not accepted?"), "reopen")

    def correct(self) -> None:
        """Correct the field a center query is about: the new value, then the reason."""
        query = self.selected()
        title = self.tr("Correct value")
        if query is None:
            return
        if not query.from_center or not query.field:
            self.messages.info(
                self,
                title,
                self.tr(
                    "Only a query of the coordinating center about one field is corrected "
                    "here; correct other data in the patient's form."
                ),
            )
            return
        value = self.messages.ask_text(
            self, title, self.tr("Corrected value (as you would type it in the form):"),
            self.describe(query),
        )  # fmt: skip
        if value is None:
            return
        reason = self.messages.ask_text(
            self, title, self.tr("Reason for the change (goes to the audit trail and the center):"),
            self.describe(query),
        )  # fmt: skip
        if reason is None:
            return
        try:
            correct_from_query(self.study, query.uid, value, reason)
        except RegoError as exc:
            self.messages.error(self, title, exc.text(language()))
        except Exception as exc:
            report_exception(self, exc, self.messages)
        self.reload()

    def import_center_queries(self) -> None:
        dialog = ImportQueriesDialog(self.study, self.messages, self)
        dialog.exec()
        self.reload()

    def run_checks(self) -> None:
        service, subject = self.service, self.subject

        def work(progress: Progress) -> object:
            if subject is not None:
                return service.sync(subject)
            return service.sync_all(progress)

        self.operation = Operation(
            work, parent=self, label=self.tr("Running the edit checks…"), messages=self.messages
        )
        self.operation.succeeded.connect(self._checked)
        self.operation.start()

    def _checked(self, result: object) -> None:
        self.reload()
        if not isinstance(result, SyncResult):
            return
        self.status_bar.showMessage(
            self.tr(
                "Edit checks run at {time} on {patients} patient(s): {opened} new, "
                "{closed} resolved; {open} open now."
            ).format(
                time=dt.datetime.now().strftime("%H:%M"),
                patients=result.patients,
                opened=result.opened + result.reopened,
                closed=result.closed,
                open=result.open_now,
            )
        )

    def go_to(self) -> None:
        query = self.selected()
        if query is not None and self.subject is None:
            self.open_subject.emit(query.subject)


class ImportQueriesDialog(QDialog):
    """Choose a query file of the coordinating center, import it, show what it changed.

    The file is verified with the center key registered at set-up (the one shown); a
    refused file changes nothing and the reason is shown.
    """

    def __init__(
        self,
        study: OpenStudy,
        messages: MessageService,
        parent: QWidget | None = None,
        *,
        center_key: Path | None = None,
    ) -> None:
        super().__init__(parent)
        from rego_desktop.ui.setup_wizard import stored_center_key

        self.study = study
        self.messages = messages
        self.center_key = center_key or stored_center_key()
        self.imported: ImportResult | None = None
        self.setObjectName("importQueriesDialog")
        self.setWindowTitle(self.tr("Import queries of the coordinating center"))
        self.key_label = QLabel()
        self.key_label.setObjectName("centerKey")
        self.key_label.setWordWrap(True)
        try:
            key = load_center_public_key(self.center_key)
            self.key_label.setText(
                self.tr("Verified with the key of {center} (fingerprint {fingerprint}).").format(
                    center=key.center, fingerprint=key.fingerprint
                )
            )
        except RegoError as exc:
            self.key_label.setText(exc.text(language()))
        self.path = QLineEdit()
        self.path.setObjectName("queryFilePath")
        label = QLabel(self.tr("Query &file:"))
        label.setBuddy(self.path)
        browse = QPushButton(self.tr("&Browse…"))
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.report = QPlainTextEdit()
        self.report.setObjectName("importReport")
        self.report.setReadOnly(True)
        self.import_button = QPushButton(self.tr("&Import"))
        self.import_button.clicked.connect(self.run_import)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.key_label)
        layout.addLayout(row)
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)
        set_default_button(self, self.import_button)
        place(self, "importQueries", QSize(640, 360))
        self.path.setFocus()

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Query file of the coordinating center"),
            "",
            self.tr("Query files (*.rgq);;All files (*)"),
        )
        if name:
            self.path.setText(name)

    def run_import(self) -> ImportResult | None:
        title = self.windowTitle()
        text = self.path.text().strip()
        if not text:
            self.messages.error(self, title, self.tr("Choose the query file first."))
            return None
        try:
            center = load_center_public_key(self.center_key)
            self.imported = import_query_file(self.study, Path(text), center)
        except RegoError as exc:
            self.messages.error(self, title, exc.text(language()))
            return None
        except Exception as exc:
            report_exception(self, exc, self.messages)
            return None
        self.report.setPlainText("\n".join(self.imported.lines(language())))
        return self.imported
