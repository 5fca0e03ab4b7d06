"""The Queries page of the center window (issue 16): the center's data queries with
filters, the selected query's details and history, and the actions of
``rego-center queries`` (raise automatic, raise manual, close, re-open, export).

Everything goes through :mod:`rego_desktop.center.queries`; the list is a
:class:`QueryTableModel` (a real table model, checked with qtmodeltester).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.center import queries
from rego_desktop.center.queries import AutoRaiseResult, CenterQueryRow, QueryExport, Status
from rego_desktop.center.queries.places import QueryPlace, describe, query_places
from rego_desktop.center_ui.choosers import FileChooser
from rego_desktop.center_ui.common import Page, buddy, when
from rego_desktop.center_ui.query_dialog import ManualQueryDialog
from rego_desktop.center_ui.reasons import error_text
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.text import say
from rego_desktop.errors import RegoError
from rego_desktop.study import CURRENT
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Progress
from rego_desktop.ui.widgets import language

__all__ = ["QueriesPage", "QueryTableModel"]

COLUMNS = (
    "col_query",
    "col_site",
    "col_subject",
    "col_place",
    "col_qstatus",
    "col_origin",
    "col_raised",
    "col_text",
)
STATUS_KEYS = {"open": "qp_open", "answered": "qp_answered", "closed": "qp_closed"}
EVENT_KEYS = {
    "raised": "ev_raised",
    "answered": "ev_answered",
    "corrected": "ev_corrected",
    "closed": "ev_closed",
    "reopened": "ev_reopened",
}
_ACTIVE: tuple[Status, ...] = ("open", "answered")
SUBJECT_PAUSE_MS = 250


def place_of(row: CenterQueryRow, place: QueryPlace | None = None) -> str:
    """Form / entry / field of a query in the window's language ("the whole patient"
    when it has no form): labels of the study definition, an entry as its number among
    the patient's entries of the form (:mod:`rego_desktop.center.queries.places`).
    Without ``place`` read from the pooled data, the current definition's labels."""
    if row.form is None:
        return say("qp_whole_patient")
    return (place or describe(row, CURRENT)).text(language())


def place_ids(row: CenterQueryRow) -> str:
    """The place as ids, as the site's files and the command line name it."""
    if row.form is None:
        return say("qp_whole_patient")
    return say("qp_ids", ids=" / ".join(p for p in (row.form, row.entry, row.field) if p))


def status_text(status: str) -> str:
    return say(STATUS_KEYS[status]) if status in STATUS_KEYS else status


def event_text(event: str) -> str:
    return say(EVENT_KEYS[event]) if event in EVENT_KEYS else event


def query_text(row: CenterQueryRow) -> str:
    return row.text_zh if language().startswith("zh") and row.text_zh else row.text


class QueryTableModel(QAbstractTableModel):
    """The queries listed, one row per query, read-only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CenterQueryRow] = []
        self._places: dict[str, QueryPlace] = {}
        self._headers = [say(c) for c in COLUMNS]

    def set_rows(
        self, rows: Sequence[CenterQueryRow], places: Mapping[str, QueryPlace] | None = None
    ) -> None:
        """Show ``rows``; ``places``: their places by query id
        (:func:`~rego_desktop.center.queries.places.query_places`)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._places = dict(places or {})
        self.endResetModel()

    def place(self, row: CenterQueryRow) -> QueryPlace | None:
        return self._places.get(row.query_id)

    def query(self, row: int) -> CenterQueryRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, query_id: str) -> int | None:
        for n, row in enumerate(self._rows):
            if row.query_id == query_id:
                return n
        return None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def _cell(self, row: CenterQueryRow, column: int) -> str:
        if column == 0:
            return row.query_id
        if column == 1:
            return row.site
        if column == 2:
            return row.subject
        if column == 3:
            return place_of(row, self.place(row))
        if column == 4:
            return status_text(row.status)
        if column == 5:
            return (
                say("qp_origin_auto", rule=row.rule or "")
                if row.origin == "auto"
                else say("qp_origin_manual")
            )
        if column == 6:
            return when(row.raised_at)
        return query_text(row).replace("\n", " ")

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row = self.query(index.row())
        if row is None or not 0 <= index.column() < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3:
            return place_ids(row)  # the ids, for talking to the site
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cell(row, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return row.query_id
        return None

    def headerData(  # noqa: N802
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def details_html(row: CenterQueryRow, place: QueryPlace | None = None) -> str:
    """The selected query as the detail pane shows it (escaped HTML); the place in words
    (``place``: see :func:`place_of`) and as ids."""

    def esc(value: object) -> str:
        return html.escape(str(value))

    def value(text: str | None) -> str:
        return say("qp_empty_value") if text is None or text == "" else text

    parts = [
        f"<h3>{esc(say('qp_d_title', id=row.query_id, site=row.site, subject=row.subject))}</h3>",
        f"<p>{esc(say('qp_d_place', place=place_of(row, place)))}<br>",
        f"{esc(place_ids(row))}<br>" if row.form is not None else "",
        esc(
            say(
                "qp_d_status",
                status=status_text(row.status),
                rev=row.revision,
                acked=row.acked_revision,
            )
        )
        + "<br>",
        esc(say("qp_d_text", text=query_text(row))) + "</p>",
    ]
    if row.field is not None:
        parts.append(
            f"<p>{esc(say('qp_d_raised_value', value=value(row.center_value)))}<br>"
            f"{esc(say('qp_d_now_value', value=value(row.current_value)))}</p>"
        )
    if row.answer is not None:
        parts.append(
            "<p><b>"
            + esc(
                say(
                    "qp_d_answer",
                    answer=row.answer,
                    by=row.answered_by or "",
                    at=when(row.answered_at),
                )
            )
            + "</b></p>"
        )
    else:
        parts.append(f"<p>{esc(say('qp_d_no_answer'))}</p>")
    if row.corrections:
        items = "".join(
            f"<li>{esc(c.get('at', ''))} · {esc(c.get('by', ''))} · "
            f"{esc(_correction_place(row, c))}: {esc(c.get('reason', ''))}</li>"
            for c in row.corrections
        )
        parts.append(f"<p>{esc(say('qp_d_corrections'))}</p><ul>{items}</ul>")
    events = "".join(
        f"<li>{esc(when(e.at))} · {esc(event_text(e.event))}"
        f" · {esc(e.by)}{(' · ' + esc(e.text)) if e.text else ''}</li>"
        for e in row.history
    )
    parts.append(f"<p>{esc(say('qp_d_history'))}</p><ul>{events}</ul>")
    return "".join(parts)


def _correction_place(row: CenterQueryRow, correction: Mapping[str, Any]) -> str:
    """The form and field a site's correction changed, in words, with their ids."""
    form, field = correction.get("form"), correction.get("field")
    if not isinstance(form, str) or not isinstance(field, str):
        return f"{form or ''}.{field or ''}"
    words = describe(replace(row, form=form, entry=None, field=field), CURRENT).text(language())
    return f"{words} ({form}.{field})"


class QueriesPage(Page):
    """The center's queries: filter, read, raise, close, re-open, export."""

    changed = Signal()

    def __init__(
        self, session: CenterSession, messages: MessageService, chooser: FileChooser
    ) -> None:
        super().__init__(session, messages)
        self.chooser = chooser
        self.setObjectName("queriesPage")
        self.last_folder = ""

        self.site = QComboBox()
        self.site.setObjectName("queriesSite")
        self.status = QComboBox()
        self.status.setObjectName("queriesStatus")
        for key, data in (
            ("qp_all_statuses", "active"),
            ("qp_open", "open"),
            ("qp_answered", "answered"),
            ("qp_closed", "closed"),
            ("qp_any_status", "any"),
        ):
            self.status.addItem(say(key), data)
        self.subject = QLineEdit()
        self.subject.setObjectName("queriesSubject")
        self.subject.setClearButtonEnabled(True)
        self.subject.setMaximumWidth(200)
        self.site.currentIndexChanged.connect(lambda _i: self.show_queries())
        self.status.currentIndexChanged.connect(lambda _i: self.show_queries())
        # Typing a subject code reads the list once the typing pauses, not per key.
        self.subject_timer = QTimer(self)
        self.subject_timer.setSingleShot(True)
        self.subject_timer.setInterval(SUBJECT_PAUSE_MS)
        self.subject_timer.timeout.connect(lambda: self.show_queries())
        self.subject.textChanged.connect(lambda _t: self.subject_timer.start())

        self.model = QueryTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("queriesTable")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self.show_details())
        self.list_label = buddy("qp_list", self.table, count=0)
        self.empty = QLabel(say("qp_none"))
        self.empty.setObjectName("noQueries")
        self.empty.setWordWrap(True)

        self.details = QTextBrowser()
        self.details.setObjectName("queryDetails")
        self.details.setOpenLinks(False)
        self.details.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.auto_button = self._button("qp_auto", "raiseAutomatic", self.raise_automatic)
        self.manual_button = self._button("qp_manual", "raiseManual", self.raise_manual)
        self.close_button = self._button("qp_close", "closeQuery", self.close_query)
        self.reopen_button = self._button("qp_reopen", "reopenQuery", self.reopen_query)
        self.export_button = self._button("qp_export", "exportQueries", self.export)

        filters = QHBoxLayout()
        filters.addWidget(buddy("qp_site", self.site))
        filters.addWidget(self.site)
        filters.addWidget(buddy("qp_status", self.status))
        filters.addWidget(self.status)
        filters.addWidget(buddy("qp_subject", self.subject))
        filters.addWidget(self.subject)
        filters.addStretch(1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list_label)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(buddy("qp_detail", self.details))
        right_layout.addWidget(self.details, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("queriesSplit")
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)

        buttons = QHBoxLayout()
        for button in (
            self.auto_button,
            self.manual_button,
            self.close_button,
            self.reopen_button,
            self.export_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

    def _button(self, key: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(say(key))
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    # ----------------------------------------------------------------- reading

    def first_focus(self) -> QWidget | None:
        return self.table if self.model.rowCount() else self.auto_button

    def refresh(self) -> None:
        try:
            sites = sorted(
                {r.site for r in queries.list_queries(self.session.db)}
                | set(self.session.registry())
            )
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            sites = []
        current = self.site.currentData()
        self.site.blockSignals(True)
        self.site.clear()
        self.site.addItem(say("qp_all_sites"), None)
        for code in sites:
            self.site.addItem(code, code)
        index = self.site.findData(current) if current is not None else 0
        self.site.setCurrentIndex(max(index, 0))
        self.site.blockSignals(False)
        self.show_queries()

    def _statuses(self) -> tuple[Status, ...] | None:
        chosen = self.status.currentData()
        if chosen == "active":
            return _ACTIVE
        if chosen == "any":
            return None
        return (chosen,)

    def show_queries(self, select: str | None = None) -> None:
        self.subject_timer.stop()
        current = self.selected()
        keep = select or (current.query_id if current is not None else None)
        subject = self.subject.text().strip() or None
        places: dict[str, QueryPlace] = {}
        try:
            rows = queries.list_queries(
                self.session.db,
                site=self.site.currentData(),
                status=self._statuses(),
                subject=subject,
                subject_part=True,
            )
            places = query_places(self.session.db, rows)
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            rows = []
        self.model.set_rows(rows, places)
        self.list_label.setText(say("qp_list", count=len(rows)))
        self.empty.setVisible(not rows)
        row = self.model.row_of(keep) if keep else None
        if rows:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row or 0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self.show_details()

    def selected(self) -> CenterQueryRow | None:
        index = self.table.currentIndex()
        return self.model.query(index.row()) if index.isValid() else None

    def show_details(self) -> None:
        row = self.selected()
        self.details.setHtml(details_html(row, self.model.place(row)) if row is not None else "")
        self.close_button.setEnabled(row is not None and row.status != "closed")
        self.reopen_button.setEnabled(row is not None and row.status != "open")

    def _need_selection(self) -> CenterQueryRow | None:
        row = self.selected()
        if row is None:
            self.messages.info(self, say("tab_queries"), say("qp_select"))
        return row

    # ----------------------------------------------------------------- actions

    def raise_automatic(self) -> None:
        db = self.session.db
        site = self.site.currentData()

        def work(_progress: Progress) -> AutoRaiseResult:
            return queries.raise_automatic(db, site=site)

        def done(result: object) -> None:
            assert isinstance(result, AutoRaiseResult)
            self.show_queries()
            self.changed.emit()
            self.messages.notify(
                self,
                say("tab_queries"),
                say(
                    "qp_auto_done",
                    patients=result.patients,
                    raised=len(result.raised),
                    closed=len(result.closed),
                    already=result.already_raised,
                ),
            )
            self.auto_button.setFocus()

        self.run(work, say("qp_raising"), done)

    def raise_manual(self) -> None:
        sites = [self.site.itemData(i) for i in range(1, self.site.count())]
        selected = self.selected()
        dialog = ManualQueryDialog(
            self.session,
            self.messages,
            [s for s in sites if isinstance(s, str)],
            self,
            site=self.site.currentData() or (selected.site if selected else None),
            subject=self.subject.text().strip() or (selected.subject if selected else None),
        )
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.window().activateWindow()
        if accepted and dialog.raised is not None:
            raised = dialog.raised
            self.show_queries(select=raised.query_id)
            self.changed.emit()
            self.messages.notify(
                self,
                say("tab_queries"),
                say("mq_raised", id=raised.query_id, subject=raised.subject, site=raised.site),
            )
        self.manual_button.setFocus()

    def close_query(self) -> None:
        row = self._need_selection()
        if row is None:
            return
        text = self.messages.ask_text(
            self, say("qp_close_title", id=row.query_id), say("qp_close_text"), query_text(row)
        )
        if text is None:
            return
        try:
            closed = queries.close_query(self.session.db, row.query_id, text.strip() or None)
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            return
        self.show_queries(select=closed.query_id)
        self.changed.emit()
        self.messages.notify(
            self, say("tab_queries"), say("qp_closed_done", id=closed.query_id, site=closed.site)
        )
        self.table.setFocus()

    def reopen_query(self) -> None:
        row = self._need_selection()
        if row is None:
            return
        text = self.messages.ask_text(
            self, say("qp_reopen_title", id=row.query_id), say("qp_reopen_text"), query_text(row)
        )
        if text is None:
            return
        if not text.strip():
            self.messages.info(
                self, say("qp_reopen_title", id=row.query_id), say("qp_reopen_needed")
            )
            return
        try:
            opened = queries.reopen_query(self.session.db, row.query_id, text.strip())
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            return
        self.show_queries(select=opened.query_id)
        self.changed.emit()
        self.messages.notify(
            self, say("tab_queries"), say("qp_reopened_done", id=opened.query_id, site=opened.site)
        )
        self.table.setFocus()

    def export(self) -> None:
        """Write the query file of the site chosen in the filter, or of every site with
        queries (All sites), into a folder."""
        chosen = self.site.currentData()
        try:
            with_queries = sorted({r.site for r in queries.list_queries(self.session.db)})
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            return
        sites = [chosen] if chosen is not None else with_queries
        if not sites:
            self.messages.info(self, say("tab_queries"), say("qp_export_none"))
            return
        folder = self.chooser.folder(self, say("qp_export_folder"), self.last_folder)
        if not folder:
            return
        self.last_folder = folder
        db, key, session = self.session.db, self.session.key, self.session

        def work(_progress: Progress) -> tuple[list[QueryExport], list[str]]:
            registry = session.registry()
            written: list[QueryExport] = []
            skipped: list[str] = []
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
            for code in sites:
                site_key = registry.get(code)
                if site_key is None:
                    skipped.append(say("qp_no_key", site=code))
                    continue
                out = Path(folder) / f"{code}-queries-{stamp}.rgq"
                try:
                    written.append(queries.export_query_file(db, code, out, key, site_key))
                except RegoError as exc:
                    skipped.append(f"{code}: {error_text(exc)}")
            return written, skipped

        def done(result: object) -> None:
            assert isinstance(result, tuple)
            written, skipped = result
            lines = [
                say(
                    "qp_export_line", path=w.path, site=w.site, seq=w.sequence, count=len(w.queries)
                )
                for w in written
            ]
            text = say("qp_export_done", files="\n".join(lines))
            if skipped:
                text += "\n" + say("qp_export_skipped", sites="; ".join(skipped))
            self.show_queries()
            self.messages.notify(self, say("tab_queries"), text)
            self.export_button.setFocus()

        self.run(work, say("qp_exporting"), done)
