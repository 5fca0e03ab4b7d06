"""Settings dialog: language and idle lock, from the settings schema."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.backup.catalog import default_backup_dir
from rego_desktop.ui import settings as keys
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.settings import Settings
from rego_desktop.ui.widgets import buddy_label

LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code in keys.LANGUAGE.choices:
            self.language.addItem(LANGUAGE_NAMES.get(code, code), code)
        self.language.setCurrentIndex(self.language.findData(settings.get(keys.LANGUAGE)))
        self.idle = QSpinBox()
        self.idle.setObjectName("idleMinutes")
        self.idle.setRange(
            keys.IDLE_LOCK_MINUTES.minimum or 1, keys.IDLE_LOCK_MINUTES.maximum or 240
        )
        self.idle.setSuffix(self.tr(" min"))
        self.idle.setValue(settings.get(keys.IDLE_LOCK_MINUTES))
        self.backup_folder = QLineEdit(settings.get(keys.BACKUP_FOLDER))
        self.backup_folder.setObjectName("backupFolder")
        self.backup_folder.setPlaceholderText(str(default_backup_dir()))
        choose = QPushButton(self.tr("C&hoose…"))
        choose.clicked.connect(self._choose_backup_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.backup_folder, 1)
        folder_row.addWidget(choose)
        self.backup_keep = QSpinBox()
        self.backup_keep.setObjectName("backupKeep")
        self.backup_keep.setRange(keys.BACKUP_KEEP.minimum or 1, keys.BACKUP_KEEP.maximum or 100)
        self.backup_keep.setValue(settings.get(keys.BACKUP_KEEP))
        note = QLabel(self.tr("A new language takes effect when rego-desktop starts again."))
        note.setWordWrap(True)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(self.tr("&Language:"), self.language)
        form.addRow(self.tr("Lock screen after &idle:"), self.idle)
        form.addRow(buddy_label(self.tr("&Backup folder:"), self.backup_folder), folder_row)
        form.addRow(self.tr("Backups &kept:"), self.backup_keep)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(buttons)
        set_default_button(self, buttons.button(QDialogButtonBox.StandardButton.Ok))
        place(self, "settings", QSize(560, 260))
        self.language.setFocus()

    def accept(self) -> None:
        self.settings.set(keys.LANGUAGE, str(self.language.currentData()))
        self.settings.set(keys.IDLE_LOCK_MINUTES, self.idle.value())
        self.settings.set(keys.BACKUP_FOLDER, self.backup_folder.text().strip())
        self.settings.set(keys.BACKUP_KEEP, self.backup_keep.value())
        super().accept()

    def _choose_backup_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self,
            self.tr("Folder for backups (e.g. on a USB drive)"),
            self.backup_folder.text() or str(default_backup_dir()),
        )
        if chosen:
            self.backup_folder.setText(chosen)
