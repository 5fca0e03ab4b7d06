"""Qt model of the patient list, and the filter behind the search box.

The rows are the decrypted summaries (one small blob per patient, decrypted once when
the list is loaded), so painting, sorting and filtering 10,000 patients never touches
the database or the cipher.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from rego_desktop.casebook import PatientStatus
from rego_desktop.services.patients import PatientRow
from rego_desktop.ui.widgets import language

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column:
    key: str
    header: Callable[[], str]
    text: Callable[[PatientRow], str]
    sort: Callable[[PatientRow], Any]
    align_right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "subject",
        lambda: QCoreApplication.translate("PatientTableModel", "Subject"),
        lambda r: r.subject_code,
        lambda r: r.subject_code,
    ),
    Column(
        "name",
        lambda: QCoreApplication.translate("PatientTableModel", "Name"),
        lambda r: r.name,
        lambda r: r.name.casefold(),
    ),
    Column(
        "record",
        lambda: QCoreApplication.translate("PatientTableModel", "Record no."),
        lambda r: r.record_number,
        lambda r: r.record_number,
    ),
    Column(
        "status",
        lambda: QCoreApplication.translate("PatientTableModel", "Status"),
        lambda r: r.status.label.text(language()),
        lambda r: list(PatientStatus).index(r.status),
    ),
    Column(
        "forms",
        lambda: QCoreApplication.translate("PatientTableModel", "Forms complete"),
        lambda r: f"{r.forms_complete} / {r.forms_total}",
        lambda r: r.forms_complete,
        align_right=True,
    ),
    Column(
        "queries",
        lambda: QCoreApplication.translate("PatientTableModel", "Open queries"),
        lambda r: str(r.open_queries) if r.open_queries else "",
        lambda r: r.open_queries,
        align_right=True,
    ),
    Column(
        "changed",
        lambda: QCoreApplication.translate("PatientTableModel", "Last change"),
        lambda r: r.updated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        lambda r: r.updated_at,
    ),
)

_STATUS_COLOURS = {
    PatientStatus.SCREEN_FAILURE: QColor("#8a8886"),
    PatientStatus.LOCKED: QColor("#5c2e91"),
}


class PatientTableModel(QAbstractTableModel):
    """Read-only table of :class:`PatientRow`; replace all rows with :meth:`set_rows`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PatientRow] = []
        self._sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder)

    def set_rows(self, rows: Sequence[PatientRow]) -> None:
        self.beginResetModel()
        self._rows = self._sorted(list(rows))
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python with one key call per row (10,000 rows in a few ms), instead
        of a proxy calling ``data()`` for every comparison."""
        if not 0 <= column < len(COLUMNS):
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        old = {id(row): i for i, row in enumerate(self._rows)}
        self._rows = self._sorted(self._rows)
        moved = {old[id(row)]: i for i, row in enumerate(self._rows)}
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent,
            [self.index(moved[p.row()], p.column()) if p.isValid() else p for p in persistent],
        )
        self.layoutChanged.emit()

    def _sorted(self, rows: list[PatientRow]) -> list[PatientRow]:
        column, order = self._sort
        key = COLUMNS[column].sort
        return sorted(rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder)

    def row_at(self, row: int) -> PatientRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == SORT_ROLE:
            return column.sort(row)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column.key == "status":
            colour = _STATUS_COLOURS.get(row.status)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and column.key == "queries" and row.open_queries:
            return QBrush(QColor("#a4262c"))
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section].header()
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class PatientFilter(QSortFilterProxyModel):
    """Search by subject code, name or record number; optional status filter."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._status: PatientStatus | None = None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The source model sorts; this proxy only filters and keeps its order."""
        model = self.sourceModel()
        if model is not None:
            model.sort(column, order)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: PatientStatus | None) -> None:
        self.beginFilterChange()
        self._status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        assert isinstance(model, PatientTableModel)
        row = model.row_at(source_row)
        if self._status is not None and row.status is not self._status:
            return False
        if not self._text:
            return True
        return (
            self._text in row.subject_code.casefold()
            or self._text in row.name.casefold()
            or self._text in row.record_number.casefold()
        )
