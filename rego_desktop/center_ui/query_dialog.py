"""Raising a manual query from the center window: site, subject, form, entry and field
chosen from the pooled data and the study definition (what the sites send), and a text.

The choices come from :func:`rego_desktop.center.queries.query_targets`; the entries of a
repeating form are numbered and named as the Queries page shows them ("Adverse event 3",
:func:`rego_desktop.center.queries.places.entry_order`), with a short id (the full id in
the tooltip). The query is raised by :func:`rego_desktop.center.queries.raise_manual`
(checked and audited there).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from rego_desktop.center.queries import CenterQueryRow, QueryTargets, query_targets, raise_manual
from rego_desktop.center.queries.places import entry_order, short_id
from rego_desktop.center_ui.common import buddy
from rego_desktop.center_ui.reasons import error_text
from rego_desktop.center_ui.session import CenterSession
from rego_desktop.center_ui.text import say
from rego_desktop.errors import RegoError
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.widgets import language


class ManualQueryDialog(QDialog):
    """Choose the place of a query and write its text; ``raised`` is the query made."""

    def __init__(
        self,
        session: CenterSession,
        messages: MessageService,
        sites: list[str],
        parent: QWidget | None = None,
        *,
        site: str | None = None,
        subject: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.messages = messages
        self.raised: CenterQueryRow | None = None
        self.targets: QueryTargets | None = None
        self.setObjectName("manualQueryDialog")
        self.setWindowTitle(say("mq_title"))
        self.setModal(True)

        intro = QLabel(say("mq_intro"))
        intro.setWordWrap(True)
        self.site = QComboBox()
        self.site.setObjectName("mqSite")
        self.site.addItems(sites)
        self.subject = QComboBox()
        self.subject.setObjectName("mqSubject")
        self.form = QComboBox()
        self.form.setObjectName("mqForm")
        self.entry = QComboBox()
        self.entry.setObjectName("mqEntry")
        self.field = QComboBox()
        self.field.setObjectName("mqField")
        self.text = QPlainTextEdit()
        self.text.setObjectName("mqText")
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(80)
        self.note = QLabel("")
        self.note.setObjectName("mqNote")
        self.note.setWordWrap(True)

        form = QFormLayout()
        form.addRow(buddy("mq_site", self.site), self.site)
        form.addRow(buddy("mq_subject", self.subject), self.subject)
        form.addRow(buddy("mq_form", self.form), self.form)
        form.addRow(buddy("mq_entry", self.entry), self.entry)
        form.addRow(buddy("mq_field", self.field), self.field)
        form.addRow(buddy("mq_text", self.text), self.text)

        self.raise_button = QPushButton(say("mq_raise"))
        self.raise_button.setObjectName("mqRaise")
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.raise_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.resize(620, 440)

        self.site.currentIndexChanged.connect(lambda _i: self._site_chosen())
        self.subject.currentIndexChanged.connect(lambda _i: self._entries())
        self.form.currentIndexChanged.connect(lambda _i: self._form_chosen())
        if site is not None and site in sites:
            self.site.setCurrentText(site)
        self._site_chosen()
        if subject is not None:
            index = self.subject.findData(subject)
            if index >= 0:
                self.subject.setCurrentIndex(index)
        self.site.setFocus()

    # ----------------------------------------------------------------- choices

    def _site_chosen(self) -> None:
        code = self.site.currentText()
        try:
            self.targets = query_targets(self.session.db, code) if code else None
        except RegoError as exc:
            self.targets = None
            self.messages.error(self, say("cannot"), error_text(exc))
        self.subject.blockSignals(True)
        self.subject.clear()
        for subject in self.targets.subjects if self.targets else {}:
            self.subject.addItem(subject, subject)
        self.subject.blockSignals(False)
        self.note.setText("" if self.subject.count() else say("mq_no_subjects"))
        self.form.blockSignals(True)
        self.form.clear()
        self.form.addItem(say("mq_no_form"), None)
        lang = language()
        for f, _fields in self.targets.forms if self.targets else ():
            self.form.addItem(f"{f.label.text(lang)} ({f.id})", f.id)
        self.form.blockSignals(False)
        self._form_chosen()

    def _fields(self) -> None:
        self.field.clear()
        self.field.addItem(say("mq_no_field"), None)
        form_id = self.form.currentData()
        if self.targets is None or form_id is None:
            return
        lang = language()
        for f, fields in self.targets.forms:
            if f.id == form_id:
                for fld in fields:
                    self.field.addItem(f"{fld.label.text(lang)} ({fld.id})", fld.id)

    def _form_chosen(self) -> None:
        self._fields()
        self._entries()

    def _entries(self) -> None:
        self.entry.clear()
        form_id = self.form.currentData()
        subject = self.subject.currentData()
        self.entry.addItem(say("mq_no_entry"), None)
        if self.targets is None or form_id is None or subject is None:
            self.entry.setEnabled(False)
            return
        entries = self._ordered(str(subject), str(form_id))
        form = next((f for f, _fields in self.targets.forms if f.id == form_id), None)
        item = (form.item_label or form.label).text(language()) if form is not None else ""
        for n, entry_id in enumerate(entries, start=1):
            if entry_id == "":
                self.entry.addItem(say("mq_single"), "")
                continue
            self.entry.addItem(say("mq_entry_n", item=item, n=n, id=short_id(entry_id)), entry_id)
            self.entry.setItemData(self.entry.count() - 1, entry_id, Qt.ItemDataRole.ToolTipRole)
        if len(entries) == 1:
            self.entry.setCurrentIndex(1)
        self.entry.setEnabled(bool(entries))

    def _ordered(self, subject: str, form_id: str) -> tuple[str, ...]:
        """The subject's entries of the form, numbered as the Queries page numbers them."""
        assert self.targets is not None
        listed = self.targets.subjects.get(subject, {}).get(form_id, ())
        try:
            ordered = entry_order(self.session.db, subject, form_id)
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            return listed
        # entries merged since the targets were read are not offered (as before)
        return tuple(e for e in ordered if e in listed) + tuple(
            e for e in listed if e not in ordered
        )

    # ----------------------------------------------------------------- raise

    def submit(self) -> None:
        text = self.text.toPlainText().strip()
        subject = self.subject.currentData()
        if subject is None:
            self.messages.info(self, say("mq_title"), say("mq_no_subjects"))
            self.site.setFocus()
            return
        if not text:
            self.messages.info(self, say("mq_title"), say("mq_need_text"))
            self.text.setFocus()
            return
        form_id = self.form.currentData()
        entry_id = self.entry.currentData() if form_id is not None else None
        field_id = self.field.currentData() if form_id is not None else None
        try:
            self.raised = raise_manual(
                self.session.db,
                site=self.site.currentText(),
                subject=str(subject),
                text=text,
                form=form_id,
                entry=entry_id or None,
                field=field_id,
            )
        except RegoError as exc:
            self.messages.error(self, say("cannot"), error_text(exc))
            return
        self.accept()
