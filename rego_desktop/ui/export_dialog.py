"""The Export screen: shows exactly what will leave the site, then writes the
signed, encrypted, de-identified transfer file for the coordinating center.

The preview and the export both come from ``rego_desktop.exchange.export``; this
screen only chooses the files and presents the result.

It also writes the study workbook (``rego_desktop.workbooks.export``), as the ``xlsx``
command does: the de-identified workbook (the transfer file's de-identification), or
the site workbook, which keeps calendar dates and exact ages; before a site workbook is
written the user is told so and asked to confirm, and it is never called de-identified.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.errors import RegoError
from rego_desktop.exchange.deidentify import AGE_GROUP_TOP
from rego_desktop.exchange.export import (
    ExportPreview,
    ExportResult,
    export_transfer,
    preview_export,
)
from rego_desktop.exchange.keys import load_center_public_key
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.errors import show_failure
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import set_default_button
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.setup_wizard import stored_center_key
from rego_desktop.ui.widgets import buddy_label, error_label, language
from rego_desktop.workbooks.export import WorkbookReport, export_workbook


class ExportDialog(QDialog):
    def __init__(
        self, study: OpenStudy, messages: MessageService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.study = study
        self.messages = messages
        self.operation: Operation | None = None
        self.exported: ExportResult | None = None
        self.setObjectName("exportDialog")
        self.setWindowTitle(self.tr("Export for the coordinating center"))
        intro = QLabel(
            self.tr(
                "The transfer file holds only what is listed below: subject codes, no "
                "names, record numbers, birth dates or free text, and every date turned "
                "into a study day. It is encrypted for the coordinating center and signed "
                "with this site's key."
            )
        )
        intro.setWordWrap(True)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("exportPreview")
        self.preview.setReadOnly(True)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.preview.setFont(font)
        key = stored_center_key()
        self.key_path = QLineEdit(str(key) if key.exists() else "")
        self.key_path.setObjectName("centerKey")
        key_browse = QPushButton(self.tr("&Browse…"))
        key_browse.clicked.connect(self._browse_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_path, 1)
        key_row.addWidget(key_browse)
        stamp = dt.date.today().strftime("%Y%m%d")
        default_out = Path.home() / f"{study.info.site_code}-{stamp}.rgt"
        self.out_path = QLineEdit(str(default_out))
        self.out_path.setObjectName("exportPath")
        out_browse = QPushButton(self.tr("B&rowse…"))
        out_browse.clicked.connect(self._browse_out)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_path, 1)
        out_row.addWidget(out_browse)
        form = QFormLayout()
        form.addRow(buddy_label(self.tr("Center &key file:"), self.key_path), key_row)
        form.addRow(buddy_label(self.tr("&Transfer file:"), self.out_path), out_row)
        self.error = error_label()
        self.done_label = QLabel()
        self.done_label.setObjectName("exportDone")
        self.done_label.setWordWrap(True)
        self.site_workbook_button = QPushButton(self.tr("&Site workbook (keeps dates)…"))
        self.site_workbook_button.setObjectName("siteWorkbook")
        self.site_workbook_button.setAutoDefault(False)
        self.site_workbook_button.clicked.connect(lambda: self.save_workbook(deidentified=False))
        self.deid_workbook_button = QPushButton(self.tr("&De-identified workbook…"))
        self.deid_workbook_button.setObjectName("deidentifiedWorkbook")
        self.deid_workbook_button.setAutoDefault(False)
        self.deid_workbook_button.clicked.connect(lambda: self.save_workbook(deidentified=True))
        workbook_row = QHBoxLayout()
        workbook_row.addWidget(self.deid_workbook_button)
        workbook_row.addWidget(self.site_workbook_button)
        workbook_row.addStretch(1)
        form.addRow(QLabel(self.tr("Excel workbook:")), workbook_row)
        self.workbook_written: WorkbookReport | None = None
        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton(
            self.tr("&Export"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.preview, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.done_label)
        layout.addWidget(buttons)
        # Enter in the file fields exports; the Browse buttons never take Enter.
        set_default_button(self, self.export_button)
        place(self, "export", QSize(860, 640))
        self.load_preview()

    def load_preview(self) -> None:
        try:
            preview = preview_export(self.study)
        except RegoError as exc:
            self.preview.setPlainText(exc.text(language()))
            self.export_button.setEnabled(False)
            return
        self.preview.setPlainText("\n".join(self.preview_lines(preview)))

    def preview_lines(self, preview: ExportPreview) -> list[str]:
        """What will be sent, in the interface language (labels from the study)."""
        lang = language()
        out = [
            self.tr(
                "Site {site}, study {study} {version}: {patients} patient(s), {entries} "
                "entries; package sequence number {sequence}."
            ).format(
                site=preview.site_code,
                study=preview.study_id,
                version=preview.study_version,
                patients=preview.patients,
                entries=preview.entries,
                sequence=preview.next_sequence,
            )
        ]
        if preview.previous is not None:
            out.append(
                self.tr("Previous export: sequence {sequence} on {time} UTC by {user}.").format(
                    sequence=preview.previous.sequence,
                    time=f"{preview.previous.created_at:%Y-%m-%d %H:%M}",
                    user=preview.previous.username,
                )
            )
        out += ["", self.tr("Entries sent per form:")]
        # Count first, so the columns line up whatever the width of the (Chinese) names.
        out += [f"  {f.entries:>7}  {f.label.text(lang)}" for f in preview.forms]
        out += ["", self.tr("Removed (stays at the site):")]
        for row in preview.removed:
            what, why = row.form_label.text(lang), row.reason_label.text(lang)
            if row.field_label is None:
                out.append(
                    self.tr("  {form}: whole form ({reason}), {count} entries").format(
                        form=what, reason=why, count=row.count
                    )
                )
            else:
                out.append(
                    self.tr("  {form} / {field} ({reason}): {count} value(s)").format(
                        form=what, field=row.field_label.text(lang), reason=why, count=row.count
                    )
                )
        if preview.patients_without_first_dose:
            out.append(
                self.tr(
                    "Sent without any dates (no first dose date, so no study day 1): {codes}."
                ).format(codes=", ".join(preview.patients_without_first_dose))
            )
        out += [
            "",
            self.tr(
                "Dates are sent as study days (day 1 = first dose date, no day 0); ages at "
                'first dose of 90 or more as "{top}" ({grouped} patient(s)); {unknown} '
                "patient(s) without an age."
            ).format(top=AGE_GROUP_TOP, grouped=preview.ages_grouped, unknown=preview.ages_unknown),
        ]
        return out

    def _browse_key(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Coordinating center public key"), "", self.tr("Key files (*.json)")
        )
        if chosen:
            self.key_path.setText(chosen)

    def _browse_out(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Transfer file"), self.out_path.text(), self.tr("Transfer files (*.rgt)")
        )
        if chosen:
            self.out_path.setText(chosen)

    def export(self) -> None:
        self.error.hide()
        key_text = self.key_path.text().strip()
        out_text = self.out_path.text().strip()
        if not key_text:
            self.error.setText(self.tr("Choose the coordinating center's public key file."))
            self.error.show()
            return
        if not out_text:
            self.error.setText(self.tr("Choose where to write the transfer file."))
            self.error.show()
            return
        study, key_path, out = self.study, Path(key_text), Path(out_text)

        def work(_progress: Progress) -> ExportResult:
            return export_transfer(study, load_center_public_key(key_path), out)

        self.export_button.setEnabled(False)
        self.operation = Operation(
            work,
            parent=self,
            label=self.tr("Writing the transfer file…"),
            messages=self.messages,
            report_errors=False,
        )
        self.operation.succeeded.connect(self._exported)
        self.operation.failed.connect(self._failed)
        self.operation.start()

    def _exported(self, result: object) -> None:
        assert isinstance(result, ExportResult)
        self.exported = result
        self.export_button.setEnabled(True)
        self.done_label.setText(
            self.tr(
                "Written {path} ({size} bytes): package {sequence} with {patients} patients. "
                "Send it to the coordinating center by USB stick or e-mail."
            ).format(
                path=result.path,
                size=result.size,
                sequence=result.header.sequence,
                patients=result.preview.patients,
            )
        )
        self.load_preview()

    def _failed(self, exc: object) -> None:
        self.export_button.setEnabled(True)
        self.site_workbook_button.setEnabled(True)
        self.deid_workbook_button.setEnabled(True)
        show_failure(self, self.error, exc, self.messages)

    # ---------------------------------------------------------------- workbook

    def site_copy_text(self) -> str:
        return self.tr(
            "The site workbook is NOT de-identified: it keeps every calendar date and exact "
            "ages (it has no names, record numbers, birth dates or free text). Keep it at "
            "the site; for anything that leaves the site use the de-identified workbook."
        )

    def save_workbook(self, *, deidentified: bool, path: Path | None = None) -> None:
        """Write the study workbook; a site workbook only after the user confirmed that
        it keeps calendar dates. ``path`` skips the file dialog (tests)."""
        self.error.hide()
        title = self.tr("De-identified workbook") if deidentified else self.tr("Site workbook")
        if not deidentified and not self.messages.confirm(
            self, title, self.site_copy_text() + "\n\n" + self.tr("Write the site workbook?")
        ):
            return
        if path is None:
            stamp = dt.date.today().strftime("%Y%m%d")
            kind = "deidentified" if deidentified else "site-copy"
            suggested = Path.home() / f"{self.study.info.site_code}-{stamp}-{kind}.xlsx"
            chosen, _ = QFileDialog.getSaveFileName(
                self, title, str(suggested), self.tr("Excel workbooks (*.xlsx)")
            )
            if not chosen:
                return
            path = Path(chosen)
            if path.suffix.lower() != ".xlsx":
                path = path.with_suffix(".xlsx")
        study, out = self.study, path

        def work(progress: Progress) -> WorkbookReport:
            return export_workbook(study, out, deidentified=deidentified, progress=progress)

        self.site_workbook_button.setEnabled(False)
        self.deid_workbook_button.setEnabled(False)
        self.operation = Operation(
            work,
            parent=self,
            label=self.tr("Writing the workbook…"),
            messages=self.messages,
            report_errors=False,
        )
        self.operation.succeeded.connect(self._workbook_written)
        self.operation.failed.connect(self._failed)
        self.operation.start()

    def _workbook_written(self, result: object) -> None:
        assert isinstance(result, WorkbookReport)
        self.workbook_written = result
        self.site_workbook_button.setEnabled(True)
        self.deid_workbook_button.setEnabled(True)
        if result.deidentified:
            text = self.tr(
                "Written {path}: de-identified workbook of {patients} patients (no names, "
                "record numbers, birth dates or free text; dates as study days; ages of 90 "
                'or more as "{top}").'
            ).format(path=result.path, patients=result.patients, top=AGE_GROUP_TOP)
        else:
            text = self.tr(
                "Written {path}: SITE workbook of {patients} patients, NOT de-identified "
                "(calendar dates kept). Keep it at the site."
            ).format(path=result.path, patients=result.patients)
        self.done_label.setText(text)
