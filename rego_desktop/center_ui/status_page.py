"""The site status table (``rego-center status`` in the window)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.center.status import (
    MAX_OVERDUE_DAYS,
    SiteStatus,
    overdue_days,
    set_overdue_days,
    site_status,
)
from rego_desktop.center_ui.common import Page, buddy, fill, table, when
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.text import say
from rego_desktop.study import CURRENT
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Progress
from rego_desktop.ui.widgets import language

AnyIndex = QModelIndex | QPersistentModelIndex
OVERDUE_BRUSH: Final = QBrush(QColor("#fde7e9"))
OVERDUE_TEXT: Final = QBrush(QColor("#a4262c"))

# (header key, value shown, sort key, numeric)
Column = tuple[str, Callable[[SiteStatus], str], Callable[[SiteStatus], Any], bool]
COLUMNS: Final[tuple[Column, ...]] = (
    ("col_site", lambda s: s.site_code, lambda s: s.site_code, False),
    ("col_sequence", lambda s: str(s.sequence), lambda s: s.sequence, True),
    ("col_made", lambda s: when(s.created_at), lambda s: s.created_at, False),
    ("col_merged", lambda s: when(s.merged_at), lambda s: s.merged_at, False),
    ("col_patients", lambda s: str(s.patients), lambda s: s.patients, True),
    ("col_failures", lambda s: str(s.screen_failures), lambda s: s.screen_failures, True),
    ("col_signed", lambda s: f"{s.signed_share:.0%}", lambda s: s.signed_share, True),
    (
        "col_no_dose",
        lambda s: str(len(s.without_first_dose)),
        lambda s: len(s.without_first_dose),
        True,
    ),
    ("col_complete", lambda s: _share(s, s.complete_share), lambda s: s.complete_share, True),
    ("col_days", lambda s: str(s.days_since_package), lambda s: s.days_since_package, True),
    ("col_overdue", lambda s: say("overdue_mark") if s.overdue else "", lambda s: s.overdue, False),
)


def _share(status: SiteStatus, share: float) -> str:
    """A completeness share; "–" when every patient is a screen failure (no base)."""
    return f"{share:.0%}" if status.patients > status.screen_failures else "–"


class SiteStatusModel(QAbstractTableModel):
    """One row per site, the columns of ``rego-center status``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SiteStatus] = []
        self._sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder)

    def set_rows(self, rows: Sequence[SiteStatus]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._apply_sort()
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return say(COLUMNS[section][0])
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows):
            return str(section + 1)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (
            0 <= index.row() < len(self.rows) and 0 <= index.column() < len(COLUMNS)
        ):
            return None
        status = self.rows[index.row()]
        _key, shown, sort_key, numeric = COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return shown(status)
        if role == Qt.ItemDataRole.UserRole:
            return sort_key(status)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and status.overdue:
            return OVERDUE_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and status.overdue:
            return OVERDUE_TEXT
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        before = [id(r) for r in self.rows]
        self._sort = (column, order)
        self._apply_sort()
        moved = {ident: row for row, ident in enumerate(id(r) for r in self.rows)}
        old = self.persistentIndexList()
        self.changePersistentIndexList(
            old, [self.index(moved[before[i.row()]], i.column()) for i in old]
        )
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        column, order = self._sort
        key = COLUMNS[column][2]
        self.rows.sort(
            key=lambda s: (key(s), s.site_code),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )

    def status_at(self, row: int) -> SiteStatus | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None


def _form_label(form_id: str) -> str:
    try:
        return CURRENT.form(form_id).label.text(language())
    except KeyError:
        return form_id


class StatusPage(Page):
    def __init__(self, session: CenterSession, messages: MessageService) -> None:
        super().__init__(session, messages)
        self.setObjectName("statusPage")
        self.read_ms = 0.0
        self.overdue = QSpinBox()
        self.overdue.setObjectName("overdueDays")
        self.overdue.setRange(0, MAX_OVERDUE_DAYS)
        self.overdue.setValue(overdue_days(session.db))
        self.overdue.editingFinished.connect(self.save_overdue)
        self.refresh_button = QPushButton(say("refresh"))
        self.refresh_button.setObjectName("refreshStatus")
        self.refresh_button.setShortcut("F5")
        self.refresh_button.clicked.connect(self.refresh)
        self.summary = QLabel()
        self.summary.setObjectName("statusSummary")

        self.model = SiteStatusModel(self)
        self.view = QTableView()
        self.view.setObjectName("statusTable")
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setTabKeyNavigation(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(self._show_detail)

        self.forms = table("completenessTable", [say("col_form"), say("col_share")])
        self.forms.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.forms_label = buddy("completeness_none", self.forms)
        self.no_dose = QLabel()
        self.no_dose.setObjectName("withoutFirstDose")
        self.no_dose.setWordWrap(True)
        self.no_dose.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QHBoxLayout()
        top.addWidget(buddy("overdue_label", self.overdue))
        top.addWidget(self.overdue)
        top.addSpacing(16)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buddy("status_table", self.view))
        layout.addWidget(self.view, 3)
        layout.addWidget(self.summary)
        layout.addWidget(self.forms_label)
        layout.addWidget(self.forms, 2)
        layout.addWidget(self.no_dose)

    def first_focus(self) -> QWidget | None:
        return self.view

    def save_overdue(self) -> None:
        """The period is the center's setting: stored (and audited) when it changes."""
        days = self.overdue.value()
        if days == overdue_days(self.session.db):
            return
        set_overdue_days(self.session.db, days)
        self.refresh()

    def refresh(self) -> None:
        db, period = self.session.db, self.overdue.value()
        started = time.perf_counter()

        def work(progress: Progress) -> list[SiteStatus]:
            return site_status(db, overdue_days=period, progress=progress)

        def done(result: object) -> None:
            assert isinstance(result, list)
            self.read_ms = (time.perf_counter() - started) * 1000
            self.show_status(result)

        self.summary.setText(say("status_loading"))
        self.run(work, say("status_loading"), done)

    def show_status(self, rows: list[SiteStatus]) -> None:
        shown = self.model.status_at(self.view.currentIndex().row())
        site = shown.site_code if shown is not None else None
        self.model.set_rows(rows)
        if rows:
            index = next((i for i, s in enumerate(self.model.rows) if s.site_code == site), 0)
            self.view.setCurrentIndex(self.model.index(index, 0))
            self.summary.setText(
                say(
                    "status_at",
                    n=len(rows),
                    time=dt.datetime.now().strftime("%H:%M:%S"),
                    ms=round(self.read_ms),
                    overdue=sum(1 for s in rows if s.overdue),
                )
            )
        else:
            self.summary.setText(say("no_status"))
            self._show_detail()

    def _show_detail(self, *_args: object) -> None:
        status = self.model.status_at(self.view.currentIndex().row())
        if status is None:
            self.forms_label.setText(say("completeness_none"))
            fill(self.forms, [])
            self.no_dose.clear()
            return
        self.forms_label.setText(say("completeness_label", site=status.site_code))
        fill(
            self.forms,
            [
                (_form_label(form), _share(status, share))
                for form, share in status.completeness.items()
            ],
            numeric=(1,),
        )
        self.no_dose.setText(
            say("no_dose_list", subjects=", ".join(status.without_first_dose))
            if status.without_first_dose
            else ""
        )


__all__ = ["COLUMNS", "SiteStatusModel", "StatusPage"]
