"""The site's usual laboratory units: set once by an administrator, audited.

A value typed without a unit is refused unless the site has declared the unit its
laboratory reports (design.md: never guess a unit). This dialog lists every field with
a choice of units; "ask each time" leaves the chooser empty on the entry screens. The
change is saved with a reason through :class:`~rego_desktop.services.site_units.SiteUnits`.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.auth.roles import Permission
from rego_desktop.errors import RegoError
from rego_desktop.services.site_units import SiteUnitRow, SiteUnits
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.widgets import buddy_label, error_label, language


class SiteUnitsDialog(QDialog):
    """One chooser per field with several units; OK saves the changes with a reason."""

    def __init__(
        self, study: OpenStudy, messages: MessageService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.study = study
        self.messages = messages
        self.service = SiteUnits(study)
        self.setWindowTitle(self.tr("Usual laboratory units of this site"))
        intro = QLabel(
            self.tr(
                "Choose the unit your laboratory reports for each value. The entry screens "
                "then preselect it (the unit can still be changed for one value, or typed "
                "after the number). With “ask each time”, a value without a unit is refused."
            )
        )
        intro.setWordWrap(True)
        self.choosers: dict[str, QComboBox] = {}
        self.rows: list[SiteUnitRow] = self.service.rows()
        inner = QWidget()
        form = QFormLayout(inner)
        for row in self.rows:
            combo = QComboBox()
            combo.setObjectName(f"siteUnit_{row.field_id}")
            combo.addItem(self.tr("ask each time"), None)
            for unit in row.units:
                combo.addItem(unit.text(language()), unit.id)
            combo.setCurrentIndex(max(0, combo.findData(row.unit)))
            self.choosers[row.field_id] = combo
            form.addRow(buddy_label(row.label.text(language()) + ":", combo), combo)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText(self.tr("e.g. units of our hospital laboratory"))
        reason_row = QFormLayout()
        reason_row.addRow(buddy_label(self.tr("&Reason for the change:"), self.reason), self.reason)
        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addLayout(reason_row)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        editable = study.user.can(Permission.STUDY_SETTINGS)
        for combo in self.choosers.values():
            combo.setEnabled(editable)
        self.reason.setEnabled(editable)
        if not editable:
            self.error.setText(self.tr("Only an administrator can change the usual units."))
            self.error.show()
        place(self, "site_units", QSize(620, 560))
        set_default_button(self, buttons.button(QDialogButtonBox.StandardButton.Ok))
        first = next(iter(self.choosers.values()), None)
        if first is not None:
            first.setFocus()

    def changes(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for row in self.rows:
            chosen = self.choosers[row.field_id].currentData()
            new = str(chosen) if chosen else None
            if new != row.unit:
                out[row.field_id] = new
        return out

    def accept(self) -> None:
        changes = self.changes()
        if not changes or not self.study.user.can(Permission.STUDY_SETTINGS):
            super().accept()
            return
        reason = self.reason.text().strip()
        if not reason:
            self.error.setText(self.tr("Type the reason for the change (kept in the audit trail)."))
            self.error.show()
            self.reason.setFocus()
            return
        try:
            self.service.set_many(changes, reason)
        except RegoError as exc:
            self.error.setText(exc.text(language()))
            self.error.show()
            return
        super().accept()
