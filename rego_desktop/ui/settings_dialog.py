"""Settings dialog: language and idle lock, from the settings schema."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.ui import settings as keys
from rego_desktop.ui.settings import Settings

LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
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
        note = QLabel(self.tr("A new language takes effect when rego-desktop starts again."))
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("&Language:"), self.language)
        form.addRow(self.tr("&Lock screen after idle:"), self.idle)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def accept(self) -> None:
        self.settings.set(keys.LANGUAGE, str(self.language.currentData()))
        self.settings.set(keys.IDLE_LOCK_MINUTES, self.idle.value())
        super().accept()
