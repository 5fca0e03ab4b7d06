"""The audit trail of one patient: who changed what, when, from what to what, and why."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Permission
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.values import display, from_json
from rego_desktop.ui.widgets import language


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


class AuditDialog(QDialog):
    def __init__(self, study: OpenStudy, subject_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        study.user.require(Permission.VIEW_AUDIT)
        self.setWindowTitle(self.tr("Audit trail of {code}").format(code=subject_code))
        self.resize(1000, 520)
        with study.reading() as session:
            records = trail.read(session, study.keyring, study.info.db_uid, subject_code)
            count, problems = trail.verify(session, study.keyring)
        headers = [
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
        rows: list[list[str]] = []
        definition = study.definition
        for r in records:
            form_label = (
                definition.form(r.form_id).label.text(language())
                if r.form_id and definition.has_form(r.form_id)
                else (r.form_id or "")
            )
            base = [
                str(r.seq),
                r.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                r.username,
                r.action,
                form_label,
            ]
            if not r.changes:
                detail = ", ".join(f"{k}: {v}" for k, v in r.details.items())
                rows.append([*base, "", "", detail, r.reason or ""])
            for c in r.changes:
                field_label = c.field
                if r.form_id and definition.has_form(r.form_id):
                    form = definition.form(r.form_id)
                    if form.has_field(c.field):
                        field_label = form.field(c.field).label.text(language())
                rows.append(
                    [
                        *base,
                        field_label,
                        _value_text(study, r.form_id, c.field, c.old),
                        _value_text(study, r.form_id, c.field, c.new),
                        r.reason or "",
                    ]
                )
        table = QTableWidget(len(rows), len(headers))
        table.setObjectName("auditTable")
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                table.setItem(i, j, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
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
        layout.addWidget(table, 1)
        layout.addWidget(buttons)
