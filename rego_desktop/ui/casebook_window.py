"""A patient's casebook: the study calendar with each form's status, its contents,
and the investigator's signature.

Keyboard: the calendar has focus first; Enter edits the selected form (or, on a
repeating form, moves to its entries); in the entries table Enter edits, Insert adds
and Delete removes (with a reason).

Signals: ``changed()`` after anything was saved, signed or unlocked.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.auth.roles import Permission
from rego_desktop.casebook import Casebook, FormStatus
from rego_desktop.errors import RegoError
from rego_desktop.services.patients import PatientService
from rego_desktop.services.signatures import MEANING, SignatureService
from rego_desktop.services.site_units import SiteUnits
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Form, Phase
from rego_desktop.study.values import display
from rego_desktop.ui import edit_checks
from rego_desktop.ui.errors import message_of, report_exception
from rego_desktop.ui.form_wizard import FormWizard, entry_summary
from rego_desktop.ui.geometry import place
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation
from rego_desktop.ui.widgets import error_label, heading, language

FORM_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ROLE = Qt.ItemDataRole.UserRole + 2


def phase_label(phase: Phase) -> str:
    from PySide6.QtCore import QCoreApplication

    names = {
        Phase.SCREENING: QCoreApplication.translate("CasebookWindow", "Screening and baseline"),
        Phase.TREATMENT: QCoreApplication.translate("CasebookWindow", "Treatment period"),
        Phase.FOLLOW_UP: QCoreApplication.translate("CasebookWindow", "Progression and survival"),
    }
    return names[phase]


class CasebookWindow(QMainWindow):
    changed = Signal()

    def __init__(
        self,
        study: OpenStudy,
        subject_code: str,
        messages: MessageService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.study = study
        self.subject_code = subject_code
        self.messages = messages
        self.service = PatientService(study)
        self.signatures = SignatureService(study)
        self.book: Casebook | None = None
        self.operation: Operation | None = None
        self.wizard: FormWizard | None = None
        self.setObjectName("casebookWindow")

        self.title = heading(subject_code, 1.3)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("casebookSubtitle")
        self.subtitle.setWordWrap(True)

        self.tree = QTreeWidget()
        self.tree.setObjectName("calendar")
        self.tree.setHeaderLabels([self.tr("Form"), self.tr("Status")])
        self.tree.setColumnWidth(0, 250)
        self.tree.currentItemChanged.connect(self._show_selected)
        self.tree.itemActivated.connect(self._activate)

        self.form_title = heading("", 1.1)
        self.content = QTableWidget()
        self.content.setObjectName("formContent")
        self.content.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.content.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.content.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.content.verticalHeader().hide()
        self.content.horizontalHeader().setStretchLastSection(True)
        self.content.setWordWrap(True)
        # Tab leaves the table (to the buttons) instead of walking its cells.
        self.content.setTabKeyNavigation(False)
        self.content.itemActivated.connect(lambda _i: self.edit_selected())
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.add_button = QPushButton(self.tr("&Add…"))
        self.add_button.clicked.connect(self.add_entry)
        self.delete_button = QPushButton(self.tr("&Delete…"))
        self.delete_button.clicked.connect(self.delete_entry)
        buttons = QHBoxLayout()
        for b in (self.edit_button, self.add_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.form_title)
        right_layout.addWidget(self.content, 1)
        right_layout.addLayout(buttons)

        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([420, 580])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self._build_actions()
        self.reload()
        place(self, "casebook", QSize(1040, 660))
        self.tree.setFocus()

    def _build_actions(self) -> None:
        """Every action is in the Casebook menu (Alt+C) with a mnemonic, most with a
        shortcut, and on the toolbar for the mouse."""
        menu = self.menuBar().addMenu(self.tr("&Casebook"))
        bar = self.addToolBar(self.tr("Casebook"))
        bar.setObjectName("casebookToolbar")
        user = self.study.user

        def action(
            text: str, slot: object, shortcut: str | None, allowed: bool, toolbar: bool = True
        ) -> QAction:
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            act.setEnabled(allowed)
            menu.addAction(act)
            if toolbar:
                bar.addAction(act)
            return act

        self.open_action = action(
            self.tr("&Open form or entry"), self.edit_selected, None, True, toolbar=False
        )
        self.add_action = action(self.tr("&Add entry"), self.add_entry, "Ins", True, toolbar=False)
        menu.addSeparator()
        self.sign_action = action(
            self.tr("&Sign casebook…"), self.sign, "Ctrl+Shift+S", user.can(Permission.SIGN)
        )
        self.unlock_action = action(
            self.tr("&Unlock…"), self.unlock, "Ctrl+Shift+U", user.can(Permission.UNLOCK)
        )
        action(self.tr("&Queries…"), self.show_queries, "Ctrl+Shift+Q", True)
        action(self.tr("Audit &trail…"), self.show_audit, "Ctrl+Shift+A", True)
        action(self.tr("&Print summary…"), self.print_summary, "Ctrl+P", True)
        action(
            self.tr("Save summary as P&DF…"),
            self.save_summary,
            "Ctrl+Shift+P",
            user.can(Permission.EXPORT),
        )
        menu.addSeparator()
        action(self.tr("Next &pane"), lambda: self.cycle_panes(1), "F6", True, toolbar=False)
        action(self.tr("Close"), self.close, "Esc", True)
        for keys, step in (("Ctrl+Tab", 1), ("Shift+F6", -1), ("Ctrl+Shift+Tab", -1)):
            extra = QAction(self)
            extra.setShortcut(QKeySequence(keys))
            extra.triggered.connect(lambda _c=False, s=step: self.cycle_panes(s))
            self.addAction(extra)
        delete = QAction(self)
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.triggered.connect(self.delete_entry)
        self.content.addAction(delete)

    def panes(self) -> list[QWidget]:
        """The calendar, the form's contents and its buttons, in F6 order."""
        buttons = (self.edit_button, self.add_button, self.delete_button)
        first_button = next((b for b in buttons if b.isVisible() and b.isEnabled()), None)
        return [w for w in (self.tree, self.content, first_button) if w is not None]

    def cycle_panes(self, step: int) -> None:
        """F6 / Ctrl+Tab: the next pane (Shift+F6 / Ctrl+Shift+Tab: the previous)."""
        panes = self.panes()
        focus = self.focusWidget()
        current = next(
            (i for i, w in enumerate(panes) if focus is w or (focus and w.isAncestorOf(focus))),
            -1,
        )
        if current < 0 and focus in (self.add_button, self.delete_button):
            current = len(panes) - 1
        target = panes[(current + step) % len(panes)]
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- loading ---------------------------------------------------------------------

    def reload(self) -> None:
        selected = self.current_form()
        try:
            self.book = self.service.casebook(self.subject_code)
        except RegoError as exc:
            self.messages.error(self, self.tr("Casebook"), message_of(exc))
            return
        book = self.book
        name = book.value("identification", "full_name") or ""
        self.setWindowTitle(f"{self.subject_code} · {name}" if name else self.subject_code)
        self.title.setText(f"{self.subject_code}  {name}")
        status = book.status().label.text(language())
        sig = self._signature_text()
        self.subtitle.setText(" · ".join(x for x in (status, sig) if x))
        self.sign_action.setEnabled(self.study.user.can(Permission.SIGN) and not book.locked)
        self.unlock_action.setEnabled(self.study.user.can(Permission.UNLOCK) and book.locked)
        self._fill_tree()
        self._select_form(selected or self.study.definition.forms[0].id)

    def _signature_text(self) -> str:
        active = [s for s in self.signatures.signatures(self.subject_code) if s.revoked_at is None]
        if not active:
            return ""
        s = active[-1]
        when = s.signed_at.astimezone().strftime("%Y-%m-%d %H:%M")
        text = self.tr("Signed by {name} on {when}: “{meaning}”").format(
            name=s.full_name, when=when, meaning=s.meaning
        )
        if s.broken:
            text += " · " + self.tr("SIGNATURE BROKEN: changed after signing")
        return text

    def _status_text(self, form: Form) -> str:
        assert self.book is not None
        if form.repeating:
            entries = self.book.entries.get(form.id, [])
            if not entries:
                return self.tr("none entered")
            count = len(entries)
            text = self.tr("1 entry") if count == 1 else self.tr("{n} entries").format(n=count)
            if self.book.form_status(form.id) is FormStatus.INCOMPLETE:
                text += " · " + self.tr("incomplete")
            return text
        return {
            FormStatus.NOT_STARTED: self.tr("not started"),
            FormStatus.INCOMPLETE: self.tr("incomplete"),
            FormStatus.COMPLETE: self.tr("complete"),
        }[self.book.form_status(form.id)]

    def _fill_tree(self) -> None:
        self.tree.clear()
        definition = self.study.definition
        for phase in Phase:
            top = QTreeWidgetItem([phase_label(phase), ""])
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            self.tree.addTopLevelItem(top)
            for form in definition.forms_in(phase):
                item = QTreeWidgetItem([form.label.text(language()), self._status_text(form)])
                item.setData(0, FORM_ROLE, form.id)
                status = self.book.form_status(form.id) if self.book else None
                if status is FormStatus.COMPLETE:
                    item.setForeground(1, Qt.GlobalColor.darkGreen)
                elif status is FormStatus.INCOMPLETE:
                    item.setForeground(1, Qt.GlobalColor.darkYellow)
                top.addChild(item)
                if form.repeating and self.book is not None:
                    for entry in self.book.items(form.id):
                        cells = entry_summary(self.study.definition, form, entry)
                        child = QTreeWidgetItem([" · ".join(c for c in cells[:3] if c), ""])
                        child.setData(0, FORM_ROLE, form.id)
                        child.setData(0, ITEM_ROLE, entry.item_uid)
                        item.addChild(child)
            top.setExpanded(True)
        self.tree.resizeColumnToContents(1)

    def current_form(self) -> str | None:
        item = self.tree.currentItem()
        value = item.data(0, FORM_ROLE) if item is not None else None
        return str(value) if value else None

    def _select_form(self, form_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is None:
                continue
            for j in range(top.childCount()):
                child = top.child(j)
                if child is not None and child.data(0, FORM_ROLE) == form_id:
                    self.tree.setCurrentItem(child)
                    return

    def current_entry(self) -> str | None:
        item = self.tree.currentItem()
        value = item.data(0, ITEM_ROLE) if item is not None else None
        return str(value) if value else None

    def _show_selected(self) -> None:
        form_id = self.current_form()
        if form_id is None or self.book is None:
            return
        form = self.study.definition.form(form_id)
        self.form_title.setText(form.label.text(language()))
        editable = self.study.user.can(Permission.EDIT_DATA) and not self.book.locked
        if form.repeating:
            self._show_entries(form)
            self._select_entry_row(self.current_entry())
        else:
            self._show_single(form)
        self.edit_button.setEnabled(editable)
        self.add_button.setVisible(form.repeating)
        self.add_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)

    def _show_single(self, form: Form) -> None:
        assert self.book is not None
        values = self.book.single(form.id)
        fields = [f for f in form.fields if f.is_input]
        self.content.clear()
        self.content.setColumnCount(2)
        self.content.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.content.setRowCount(len(fields))
        for i, field in enumerate(fields):
            self.content.setItem(i, 0, QTableWidgetItem(field.label.text(language())))
            text = display(self.study.definition, field, values.get(field.id), language())
            self.content.setItem(i, 1, QTableWidgetItem(text))
        self.content.resizeColumnToContents(0)
        self.content.setColumnWidth(0, min(self.content.columnWidth(0), 360))
        self.content.resizeRowsToContents()

    def _show_entries(self, form: Form) -> None:
        assert self.book is not None
        entries = self.book.items(form.id)
        headers = [form.field(f).label.text(language()) for f in form.summary_fields]
        self.content.clear()
        self.content.setColumnCount(len(headers))
        self.content.setHorizontalHeaderLabels(headers)
        self.content.setRowCount(len(entries))
        for i, entry in enumerate(entries):
            for j, text in enumerate(entry_summary(self.study.definition, form, entry)):
                cell = QTableWidgetItem(text)
                cell.setData(ITEM_ROLE, entry.item_uid)
                self.content.setItem(i, j, cell)
        self.content.resizeColumnsToContents()
        if entries:
            self.content.selectRow(0)

    def _select_entry_row(self, item_uid: str | None) -> None:
        if item_uid is None:
            return
        for row in range(self.content.rowCount()):
            cell = self.content.item(row, 0)
            if cell is not None and cell.data(ITEM_ROLE) == item_uid:
                self.content.selectRow(row)
                return

    # -- editing ---------------------------------------------------------------------

    def _activate(self, item: QTreeWidgetItem) -> None:
        form_id = item.data(0, FORM_ROLE)
        if not form_id:
            return
        form = self.study.definition.form(str(form_id))
        entry = item.data(0, ITEM_ROLE)
        if entry:
            self.open_form(form, str(entry))
            return
        if form.repeating and self.content.rowCount():
            self.content.setFocus()
            self.content.selectRow(0)
        elif form.repeating:
            self.add_entry()
        else:
            self.edit_selected()

    def _selected_item(self) -> str | None:
        row = self.content.currentRow()
        cell = self.content.item(row, 0) if row >= 0 else None
        value = cell.data(ITEM_ROLE) if cell is not None else None
        return str(value) if value else None

    def edit_selected(self) -> None:
        form_id = self.current_form()
        if form_id is None:
            return
        form = self.study.definition.form(form_id)
        if form.repeating:
            item = self._selected_item()
            if item is None:
                self.add_entry()
                return
            self.open_form(form, item)
        else:
            self.open_form(form, "" if self.book and self.book.single(form_id) else None)

    def add_entry(self) -> None:
        form_id = self.current_form()
        if form_id is None:
            return
        form = self.study.definition.form(form_id)
        if form.repeating:
            self.open_form(form, None)

    def open_form(self, form: Form, item_uid: str | None) -> FormWizard | None:
        if self.book is None:
            return None
        if self.book.locked or not self.study.user.can(Permission.EDIT_DATA):
            self.messages.info(
                self,
                self.tr("Read-only"),
                self.tr("This casebook cannot be changed (signed and locked, or your role)."),
            )
            return None
        wizard = FormWizard(
            self.study,
            self.book,
            form,
            item_uid,
            self.messages,
            checker=edit_checks.checker(self.study),
            deriver=edit_checks.deriver(self.study),
            answerer=edit_checks.answerer(self.study),
            site_units=SiteUnits(self.study).all(),
            parent=self,
        )
        wizard.setWindowModality(Qt.WindowModality.WindowModal)
        wizard.saved.connect(self._saved)
        wizard.nothing_saved.connect(self._nothing_saved)
        self.wizard = wizard
        wizard.show()
        return wizard

    def _saved(self, _uid: str) -> None:
        saved_form = self.current_form()
        self.reload()
        self.changed.emit()
        if saved_form is not None:
            self.offer_next_form(saved_form)

    def offer_next_form(self, after: str) -> None:
        """Select the next form that is not complete, so Enter opens it."""
        forms = [f.id for f in self.study.definition.forms]
        if self.book is None or after not in forms:
            return
        order = forms[forms.index(after) + 1 :] + forms[: forms.index(after) + 1]
        following = next(
            (f for f in order if self.book.form_status(f) is not FormStatus.COMPLETE),
            None,
        )
        QTimer.singleShot(0, self, self._back_to_calendar)
        if following is None:
            self.statusBar().showMessage(self.tr("Every form is complete."), 10_000)
            return
        self._select_form(following)
        label = self.study.definition.form(following).label.text(language())
        self.statusBar().showMessage(
            self.tr("Saved. Next: {form} (press Enter to open it)").format(form=label), 15_000
        )

    def _nothing_saved(self) -> None:
        self.statusBar().showMessage(self.tr("Nothing was typed, so nothing was saved."), 10_000)
        QTimer.singleShot(0, self, self._back_to_calendar)

    def _back_to_calendar(self) -> None:
        """After a form closes, the casebook takes the next keystroke in its calendar."""
        self.raise_()
        # QWidget.activateWindow() does nothing while the closing form (a transient
        # child) still counts as active; ask the window system directly.
        self.windowHandle().requestActivate()
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)

    def delete_entry(self) -> None:
        form_id = self.current_form()
        if form_id is None or self.book is None or self.book.locked:
            return
        form = self.study.definition.form(form_id)
        item = self._selected_item() if form.repeating else ""
        if item is None or (not form.repeating and not self.book.single(form_id)):
            return
        reason = self.messages.ask_text(
            self,
            self.tr("Delete entry"),
            self.tr("Why is this {what} deleted? (kept in the audit trail)").format(
                what=(form.item_label or form.label).text(language())
            ),
        )
        if not reason or not reason.strip():
            return
        try:
            self.service.delete(self.subject_code, form_id, item, reason)
        except RegoError as exc:
            self.messages.error(self, self.tr("Delete entry"), message_of(exc))
            return
        self.reload()
        self.changed.emit()

    # -- signature -------------------------------------------------------------------

    def sign(self) -> None:
        missing = self.signatures.incomplete_forms(self.subject_code)
        if missing:
            self.messages.error(
                self,
                self.tr("Sign casebook"),
                self.tr("The casebook is not complete yet. Finish: {forms}").format(
                    forms=", ".join(missing)
                ),
            )
            return
        dialog = PasswordDialog(
            self,
            self.tr("Sign casebook {code}").format(code=self.subject_code),
            MEANING.text(language()),
            ask_reason=False,
        )
        if not dialog.exec():
            return
        self._run(
            lambda _p: self.signatures.sign(self.subject_code, dialog.password.text(), MEANING.en),
            self.tr("Signing…"),
        )

    def unlock(self) -> None:
        dialog = PasswordDialog(
            self,
            self.tr("Unlock casebook {code}").format(code=self.subject_code),
            self.tr("Unlocking revokes the signature. The reason is kept in the audit trail."),
            ask_reason=True,
        )
        if not dialog.exec():
            return
        self._run(
            lambda _p: self.signatures.unlock(
                self.subject_code, dialog.password.text(), dialog.reason.text()
            ),
            self.tr("Unlocking…"),
        )

    def _run(self, work: object, label: str) -> None:
        assert callable(work)
        self.operation = Operation(work, parent=self, label=label, messages=self.messages)
        self.operation.succeeded.connect(self._after_signature)
        self.operation.start()

    def _after_signature(self, _result: object) -> None:
        self.reload()
        self.changed.emit()

    def show_queries(self) -> None:
        from rego_desktop.ui.queries_view import QueriesDialog

        QueriesDialog(self.study, self.messages, self.subject_code, self).exec()
        self.reload()
        self.changed.emit()

    def print_summary(self) -> None:
        from rego_desktop.ui.print_casebook import print_casebook

        try:
            print_casebook(self, self.study, self.subject_code, language=language())
        except RegoError as exc:
            self.messages.error(self, self.tr("Print summary"), message_of(exc))

    def save_summary(self) -> None:
        from rego_desktop.ui.print_casebook import save_casebook_pdf

        try:
            save_casebook_pdf(self, self.study, self.subject_code, language=language())
        except RegoError as exc:
            self.messages.error(self, self.tr("Save summary as PDF"), message_of(exc))

    def show_audit(self) -> None:
        from rego_desktop.ui.audit_view import AuditDialog

        try:
            AuditDialog(self.study, self.subject_code, self).exec()
        except RegoError as exc:
            self.messages.error(self, self.tr("Audit trail"), message_of(exc))
        except Exception as exc:
            report_exception(self, exc, self.messages)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.wizard is not None and self.wizard.isVisible() and not self.wizard.close():
            event.ignore()
            return
        event.accept()


class PasswordDialog(QDialog):
    """Re-enter the password to sign or unlock; optionally a reason."""

    def __init__(self, parent: QWidget, title: str, text: str, *, ask_reason: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        info = QLabel(text)
        info.setWordWrap(True)
        info.setObjectName("meaning")
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.password = QLineEdit()
        self.password.setObjectName("signPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        if ask_reason:
            form.addRow(self.tr("&Reason:"), self.reason)
        form.addRow(self.tr("&Password:"), self.password)
        self.error = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.reason if ask_reason else self.password).setFocus()
