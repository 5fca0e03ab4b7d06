"""Restore the study from a backup: choose one, check it, confirm, replace.

Shown from the log-in screen (no study is open then), e.g. when the integrity check at
open reports a damaged file. The domain (:mod:`rego_desktop.backup.restore`) does the
work in the background. Restoring is for administrators of the current study: the user
name and password are checked against the study file first (against the backup only
when there is no readable study file). The backup must open with the password valid
when it was made (a second, optional field when it has changed since), pass the
integrity check, verify its audit trail and decrypt completely before the study file is
replaced; the replaced file is kept, renamed.

Signals: ``restored(object)`` with the :class:`~rego_desktop.backup.restore.RestoreResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.backup.catalog import BackupEntry, entry_for, known_folders, list_backups
from rego_desktop.backup.integrity import study_uid
from rego_desktop.backup.manifest import BACKUP_SUFFIX
from rego_desktop.backup.restore import BackupCheck, RestoreResult, check_backup, restore_backup
from rego_desktop.ui.errors import show_failure
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import focus_first_editable, set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.widgets import error_label, heading

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


class RestoreDialog(QDialog):
    restored = Signal(object)

    def __init__(
        self,
        db_path: Path,
        messages: MessageService,
        *,
        folders: Sequence[Path] = (),
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.messages = messages
        self.folders = known_folders(folders)
        self.operation: Operation | None = None
        self.setObjectName("restoreDialog")
        self.setWindowTitle(self.tr("Restore the study from a backup"))
        self.setMinimumSize(640, 420)

        intro = QLabel(
            self.tr(
                "Study database: {path}\n\nRestoring is for administrators of this study: "
                "sign in with your current user name and password. Choose a backup. It is "
                "checked completely before anything is replaced: it must open with your "
                "password as it was when the backup was made, pass the integrity check and "
                "its audit trail must verify. The current file is kept beside it, renamed "
                "with the date."
            ).format(path=db_path)
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = QTableWidget(0, 5)
        self.table.setObjectName("backupTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Made"),
                self.tr("Site"),
                self.tr("Patients"),
                self.tr("Size"),
                self.tr("File"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.empty = QLabel()
        self.empty.setObjectName("noBackups")
        self.empty.setWordWrap(True)
        self.other_button = QPushButton(self.tr("&Other backup file…"))
        self.other_button.setObjectName("otherBackup")
        self.other_button.clicked.connect(self.browse)

        self.username = QLineEdit(username)
        self.username.setObjectName("restoreUsername")
        self.password = QLineEdit()
        self.password.setObjectName("restorePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.backup_password = QLineEdit()
        self.backup_password.setObjectName("restoreBackupPassword")
        self.backup_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.backup_password.setPlaceholderText(self.tr("only if it has changed since"))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(self.tr("&User name:"), self.username)
        form.addRow(self.tr("&Password:"), self.password)
        form.addRow(self.tr("Password in the &backup:"), self.backup_password)
        self.error = error_label()

        buttons = QDialogButtonBox()
        self.check_button = buttons.addButton(
            self.tr("&Check backup"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.check_button.setObjectName("checkBackup")
        self.restore_button = buttons.addButton(
            self.tr("&Restore"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setObjectName("restoreBackup")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.check_button.clicked.connect(self.check)
        buttons.accepted.connect(self.restore)
        buttons.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.empty, 1)
        row.addWidget(self.other_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Restore from backup")))
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        # Enter (in the user name or password) restores; Check backup is Alt+C.
        set_default_button(self, self.restore_button)
        self.reload()
        place(self, "restore", QSize(820, 560))
        self.focus_first_field()

    def focus_first_field(self) -> None:
        """The first field still to fill: the password when the user name is known."""
        if self.username.text().strip():
            self.password.setFocus()
        elif not focus_first_editable(self):
            self.username.setFocus()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not event.spontaneous():
            self.focus_first_field()

    # -- list -------------------------------------------------------------------------

    def reload(self) -> None:
        uid = study_uid(self.db_path) if self.db_path.exists() else None
        entries: list[BackupEntry] = []
        for folder in self.folders:
            entries += list_backups(folder, db_uid=uid)
        entries.sort(key=lambda e: e.order, reverse=True)
        self.table.setRowCount(0)
        for entry in entries:
            self._add_row(entry)
        self.empty.setText(
            self.tr(
                "No backup was found in {folders}. Use 'Other backup file…' to choose one."
            ).format(folders=", ".join(str(f) for f in self.folders))
            if not entries
            else self.tr("{n} backup(s) found, newest first.").format(n=len(entries))
        )
        if entries:
            self.table.selectRow(0)

    def _add_row(self, entry: BackupEntry) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        m = entry.manifest
        cells = [
            entry.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            m.site_code if m else "",
            str(m.patients) if m else "",
            f"{entry.size / 2**20:.1f} MiB",
            str(entry.path),
        ]
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(PATH_ROLE, str(entry.path))
            if column in (2, 3):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        return row

    def browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a backup file"),
            str(self.folders[0] if self.folders else Path.home()),
            self.tr(
                "rego-desktop backups (*{suffix});;Study databases (*.rego);;All files (*)"
            ).format(suffix=BACKUP_SUFFIX),
        )
        if chosen:
            self.choose_file(Path(chosen))

    def choose_file(self, path: Path) -> None:
        """Select ``path`` in the list, adding it if it is not there yet."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and Path(str(item.data(PATH_ROLE))) == path:
                self.table.selectRow(row)
                return
        self.table.selectRow(self._add_row(entry_for(path)))

    def selected_backup(self) -> Path | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return Path(str(rows[0].data(PATH_ROLE)))

    # -- actions ----------------------------------------------------------------------

    def _inputs(self) -> tuple[Path, str, str] | None:
        backup = self.selected_backup()
        if backup is None:
            self.show_error(self.tr("Choose a backup first."))
            return None
        user, password = self.username.text().strip(), self.password.text()
        if not user or not password:
            self.show_error(self.tr("Type your user name and password."))
            return None
        return backup, user, password

    def check(self) -> None:
        inputs = self._inputs()
        if inputs is None:
            return
        backup, user, password = inputs
        work_dir = self.db_path.parent if self.db_path.parent.is_dir() else None

        old = self.backup_password.text() or password

        def work(progress: Progress) -> BackupCheck:
            return check_backup(backup, user, old, work_dir=work_dir, progress=progress)

        self._run(work, self.tr("Checking the backup…"), self._checked)

    def restore(self) -> None:
        inputs = self._inputs()
        if inputs is None:
            return
        backup, user, password = inputs
        if not self.messages.confirm(
            self,
            self.tr("Restore from backup"),
            self.tr(
                "Replace the study database {db} with the backup {backup}?\n\nChanges made "
                "after the backup was written will not be in the restored study; the current "
                "file is kept beside it, renamed with today's date."
            ).format(db=self.db_path, backup=backup.name),
        ):
            return
        target = self.db_path
        old = self.backup_password.text() or None

        def work(progress: Progress) -> RestoreResult:
            return restore_backup(
                backup, target, user, password, backup_password=old, progress=progress
            )

        self._run(work, self.tr("Checking and restoring the backup…"), self._restored)

    def _run(
        self, fn: Callable[[Progress], object], label: str, done: Callable[[object], None]
    ) -> None:
        self.error.hide()
        self._busy(True)
        self.operation = Operation(
            fn,
            parent=self,
            label=label,
            messages=self.messages,
            report_errors=False,
        )
        self.operation.succeeded.connect(done)
        self.operation.failed.connect(self._failed)
        self.operation.start()

    def _checked(self, result: object) -> None:
        self._busy(False)
        assert isinstance(result, BackupCheck)
        self.messages.info(self, self.tr("Backup checked"), self._summary(result))

    def _restored(self, result: object) -> None:
        self._busy(False)
        assert isinstance(result, RestoreResult)
        text = self.tr("The study was restored from {backup}.").format(backup=result.check.backup)
        text += "\n\n" + self._summary(result.check)
        if result.kept is not None:
            text += "\n\n" + self.tr("The file it replaced is kept as {kept}.").format(
                kept=result.kept
            )
        self.messages.info(self, self.tr("Study restored"), text)
        self.restored.emit(result)
        self.accept()

    def _summary(self, check: BackupCheck) -> str:
        return self.tr(
            "The backup is good: {patients} patients, {records} records, {entries} audit "
            "entries. It opened with your password, passed the integrity check, its audit "
            "trail verifies and every record decrypts."
        ).format(patients=check.patients, records=check.records, entries=check.audit_entries)

    def _failed(self, exc: object) -> None:
        self._busy(False)
        self.password.clear()
        self.backup_password.clear()
        self.password.setFocus()
        show_failure(self, self.error, exc, self.messages)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _busy(self, busy: bool) -> None:
        for widget in (
            self.table,
            self.other_button,
            self.username,
            self.password,
            self.backup_password,
            self.check_button,
            self.restore_button,
        ):
            widget.setEnabled(not busy)
