"""The main window: the patient list with search, filters and the study menu.

Signals: ``logout_requested()``, ``lock_requested()``, ``settings_changed()``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.auth.roles import Permission
from rego_desktop.casebook import PatientStatus
from rego_desktop.services.patients import PatientRow, PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import EnterKey, KeyHandler
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.patient_model import ROW_ROLE, PatientFilter, PatientTableModel
from rego_desktop.ui.settings import Settings
from rego_desktop.ui.widgets import buddy_label, language


class MainWindow(QMainWindow):
    logout_requested = Signal()
    lock_requested = Signal()
    settings_changed = Signal()

    def __init__(
        self,
        study: OpenStudy,
        messages: MessageService,
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.study = study
        self.messages = messages
        self.settings = settings
        self.service = PatientService(study)
        self.operation: Operation | None = None
        self.casebooks: dict[str, QWidget] = {}
        self.dashboard: QWidget | None = None
        self._select_after_load: str | None = None
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("rego-desktop – site {site}").format(site=study.info.site_code))

        self.model = PatientTableModel(self)
        self.proxy = PatientFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("patientTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Column widths from the first rows only: measuring 10,000 rows takes half a second.
        self.table.horizontalHeader().setResizeContentsPrecision(200)
        self.table.activated.connect(self._open_index)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(self.tr("Search subject, name or record number (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        EnterKey(self.search, self._open_from_search)
        KeyHandler(self.search, (Qt.Key.Key_Escape,), self.search.clear)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.addItem(self.tr("All patients"), None)
        for status in PatientStatus:
            self.status_filter.addItem(status.label.text(language()), status)
        self.status_filter.currentIndexChanged.connect(self._status_changed)
        self.count = QLabel()
        self.count.setObjectName("patientCount")
        self.empty_hint = QLabel()
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet(
            "background: #eff6fc; border: 1px solid #c7e0f4; padding: 10px;"
        )
        self.empty_hint.hide()

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(buddy_label(self.tr("Sho&w:"), self.status_filter))
        top.addWidget(self.status_filter, 1)
        top.addWidget(self.count)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)
        self._build_menus()
        user = study.user
        self.statusBar().showMessage(
            self.tr("Site {site} · {name} ({role}) · {path}").format(
                site=study.info.site_code,
                name=user.full_name,
                role=user.role.label.text(language()),
                path=study.path,
            )
        )
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        place(self, "main", QSize(1100, 680))
        self.refresh()

    # -- menus ------------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        can_edit = self.study.user.can(Permission.EDIT_DATA)
        study_menu = self.menuBar().addMenu(self.tr("&Study"))
        self.new_action = self._action(
            self.tr("&New patient"), self.new_patient, QKeySequence.StandardKey.New
        )
        self.new_action.setEnabled(can_edit)
        study_menu.addAction(self.new_action)
        study_menu.addAction(self._action(self.tr("&Open patient"), self._open_current, "Ctrl+O"))
        study_menu.addAction(self._action(self.tr("&Refresh list"), self.refresh, "F5"))
        study_menu.addAction(
            self._action(self.tr("Endpoint &summary…"), self.open_dashboard, "Ctrl+Shift+E")
        )
        study_menu.addSeparator()
        study_menu.addAction(self._action(self.tr("&Lock screen"), self.lock_requested, "Ctrl+L"))
        study_menu.addAction(self._action(self.tr("Log ou&t"), self.logout_requested))
        study_menu.addAction(self._action(self.tr("&Quit"), self.close, "Ctrl+Q"))
        find = self._action(self.tr("Find"), self._focus_search, QKeySequence.StandardKey.Find)
        self.addAction(find)

        tools = self.menuBar().addMenu(self.tr("&Tools"))
        tools.addAction(self._action(self.tr("&Queries…"), self.show_queries, "Ctrl+Shift+Q"))
        tools.addAction(  # issue 16
            self._action(self.tr("&Import center queries…"), self.import_center_queries)
        )
        export = self._action(self.tr("&Export for the center…"), self.export_transfer)
        export.setEnabled(self.study.user.can(Permission.EXPORT))
        tools.addAction(export)
        users = self._action(self.tr("&Users…"), self.manage_users)
        users.setEnabled(self.study.user.can(Permission.MANAGE_USERS))
        tools.addAction(users)
        tools.addAction(self._action(self.tr("&Settings…"), self.edit_settings))
        tools.addAction(self._action(self.tr("Usual lab u&nits…"), self.edit_site_units))
        tools.addAction(self._action(self.tr("&Back up now"), self.backup_now))

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self._action(self.tr("&About"), self.about))

    # -- list -------------------------------------------------------------------------

    def refresh(self) -> None:
        service = self.service

        def work(_progress: Progress) -> list[PatientRow]:
            return service.list_patients()

        self.operation = Operation(
            work, parent=self, label=self.tr("Loading patients…"), messages=self.messages
        )
        self.operation.succeeded.connect(self._loaded)
        self.operation.start()

    def _loaded(self, rows: object) -> None:
        assert isinstance(rows, list)
        selected = self._select_after_load or self.current_subject()
        self._select_after_load = None
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        if selected:
            self.select_subject(selected)
        elif self.proxy.rowCount():
            self.table.selectRow(0)

    def _update_count(self) -> None:
        self.count.setText(
            self.tr("{shown} of {total} patients").format(
                shown=self.proxy.rowCount(), total=self.model.rowCount()
            )
        )
        if self.model.rowCount() == 0:
            can_add = self.study.user.can(Permission.EDIT_DATA)
            self.empty_hint.setText(
                self.tr(
                    "No patients yet. Press Ctrl+N (Study > New patient) to add the first "
                    "patient; the casebook opens at the eligibility form."
                )
                if can_add
                else self.tr("No patients yet. Site staff with data entry rights add them.")
            )
            self.empty_hint.show()
        elif self.proxy.rowCount() == 0:
            self.empty_hint.setText(
                self.tr("No patient matches the search. Esc in the search box clears it.")
            )
            self.empty_hint.show()
        else:
            self.empty_hint.hide()

    def _status_changed(self) -> None:
        status = self.status_filter.currentData()
        self.proxy.set_status(status if isinstance(status, PatientStatus) else None)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def current_subject(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row = index.data(ROW_ROLE)
        return row.subject_code if isinstance(row, PatientRow) else None

    def select_subject(self, code: str) -> None:
        for r in range(self.proxy.rowCount()):
            row = self.proxy.index(r, 0).data(ROW_ROLE)
            if isinstance(row, PatientRow) and row.subject_code == code:
                self.table.selectRow(r)
                self.table.scrollTo(self.proxy.index(r, 0))
                return

    def _open_index(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if isinstance(row, PatientRow):
            self.open_patient(row.subject_code)

    def _open_current(self) -> None:
        code = self.current_subject()
        if code:
            self.open_patient(code)

    def _open_from_search(self) -> None:
        """Enter in the search box: the patient whose subject code is what was typed;
        otherwise the only patient left; otherwise go to the list and open nothing."""
        text = self.search.text().strip()
        exact = self.exact_subject(text) if text else None
        if exact is not None:
            self.select_subject(exact)
            self.open_patient(exact)
            return
        if self.proxy.rowCount() == 1:
            self._open_index(self.proxy.index(0, 0))
            return
        if self.proxy.rowCount():
            if self.current_subject() is None:
                self.table.selectRow(0)
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.statusBar().showMessage(
            self.tr("{n} patients match; choose one in the list and press Enter.").format(
                n=self.proxy.rowCount()
            ),
            8000,
        )

    def exact_subject(self, text: str) -> str | None:
        """The subject code typed in full, or its number alone ("0121" for "BJ01-0121")."""
        wanted = text.casefold()
        for r in range(self.model.rowCount()):
            row = self.model.index(r, 0).data(ROW_ROLE)
            if not isinstance(row, PatientRow):
                continue
            code = row.subject_code
            number = code.rsplit("-", 1)[-1]
            if wanted in (code.casefold(), number.casefold()):
                return code
        return None

    # -- actions ----------------------------------------------------------------------

    def new_patient(self) -> None:
        service = self.service

        def work(_progress: Progress) -> str:
            return service.create_patient()

        self.operation = Operation(
            work, parent=self, label=self.tr("Adding a patient…"), messages=self.messages
        )
        self.operation.succeeded.connect(self._created)
        self.operation.start()

    def _created(self, code: object) -> None:
        assert isinstance(code, str)
        # A search or filter left in place must not hide the patient just added.
        self.search.clear()
        self.status_filter.setCurrentIndex(0)
        self._select_after_load = code
        self.refresh()
        self.open_patient(code)

    def open_patient(self, code: str) -> None:
        from rego_desktop.ui.casebook_window import CasebookWindow

        window = self.casebooks.get(code)
        if window is None or not window.isVisible():
            window = CasebookWindow(self.study, code, self.messages)
            window.changed.connect(self.refresh)
            self.casebooks[code] = window
        window.show()
        window.raise_()
        window.activateWindow()

    def open_dashboard(self) -> None:
        from rego_desktop.ui.dashboard import Dashboard

        if self.dashboard is None or not self.dashboard.isVisible():
            self.dashboard = Dashboard(self.study, self.messages, self)
        self.dashboard.show()
        self.dashboard.raise_()
        self.dashboard.activateWindow()

    def export_transfer(self) -> None:
        from rego_desktop.ui.export_dialog import ExportDialog

        ExportDialog(self.study, self.messages, self).exec()

    def show_queries(self) -> None:
        from rego_desktop.ui.queries_view import QueriesDialog

        dialog = QueriesDialog(self.study, self.messages, None, self)
        dialog.open_subject.connect(self.open_patient)
        dialog.exec()
        self.refresh()

    def import_center_queries(self) -> None:
        from rego_desktop.ui.queries_view import ImportQueriesDialog

        ImportQueriesDialog(self.study, self.messages, self).exec()
        self.refresh()

    def manage_users(self) -> None:
        from rego_desktop.ui.users_dialog import UsersDialog

        UsersDialog(self.study, self.messages, self).exec()

    def edit_settings(self) -> None:
        from rego_desktop.ui.settings_dialog import SettingsDialog

        if SettingsDialog(self.settings, self).exec():
            self.settings_changed.emit()

    def edit_site_units(self) -> None:
        from rego_desktop.ui.site_units_dialog import SiteUnitsDialog

        SiteUnitsDialog(self.study, self.messages, self).exec()

    def backup_now(self) -> None:
        from rego_desktop.backup.writer import BackupResult, write_backup
        from rego_desktop.ui.settings import backup_policy

        path, policy = self.study.path, backup_policy(self.settings)

        def work(_progress: Progress) -> BackupResult:
            return write_backup(path, policy.target, reason="manual", keep=policy.keep)

        def done(result: object) -> None:
            assert isinstance(result, BackupResult)
            self.messages.info(
                self,
                self.tr("Backup written"),
                self.tr("Backup written to {path} ({patients} patients).").format(
                    path=result.path, patients=result.manifest.patients
                ),
            )

        self.backup_operation = Operation(
            work, parent=self, label=self.tr("Writing a backup…"), messages=self.messages
        )
        self.backup_operation.succeeded.connect(done)
        self.backup_operation.start()

    def about(self) -> None:
        from rego_desktop import __version__
        from rego_desktop.study import CURRENT

        self.messages.info(
            self,
            self.tr("About rego-desktop"),
            f"rego-desktop {__version__}\n{CURRENT.title.text(language())}\n"
            f"{CURRENT.id} {CURRENT.version}",
        )

    def close_casebooks(self) -> bool:
        """Close every casebook window; False if the user kept one open."""
        for window in list(self.casebooks.values()):
            if window.isVisible() and not window.close():
                return False
        self.casebooks.clear()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.close_casebooks():
            event.ignore()
            return
        event.accept()
