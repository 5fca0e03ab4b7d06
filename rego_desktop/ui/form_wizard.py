"""Wizard-style CRF screens generated from the study definition.

One page per form section; pages only load and validate, and only the finish saves
(one transaction, through the patient service). Hard errors show at the field as you
leave it and block Next; soft findings (label deviations and the like) show as a
marked note at the field with a reason box that must be filled. What is typed is
autosaved as an encrypted draft, so closing the window or a crash loses nothing.

Signals: ``saved(str)`` with the entry's item uid after a successful save.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from rego_desktop.casebook import Casebook, Entry, applies, missing_required
from rego_desktop.drafts import NEW_ENTRY, DraftStore
from rego_desktop.rules.proposals import proposals
from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Field, Form, Section
from rego_desktop.study.values import FieldProblem, Value
from rego_desktop.ui.center_query_notes import CenterQueryNotes
from rego_desktop.ui.fields import FieldEditor, make_editor
from rego_desktop.ui.geometry import place
from rego_desktop.ui.keyboard import focus_first_editable
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.operations import Operation, Progress
from rego_desktop.ui.widgets import ERROR_STYLE, WARNING_STYLE, language

AUTOSAVE_MS = 1500
REQUIRED_RULE = "form.required_missing"


class FindingLike(Protocol):
    """What the wizard needs of an edit-check finding."""

    @property
    def field(self) -> str | None: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def message_zh(self) -> str: ...
    @property
    def rule(self) -> str: ...


# (saved casebook, form id, item uid or None for a new entry, typed values) -> findings
Checker = Callable[[Casebook, str, str | None, Mapping[str, Value]], Sequence[FindingLike]]
# (saved casebook, form id, item uid or None, typed values) -> {field id: display text}
Deriver = Callable[[Casebook, str, str | None, Mapping[str, Value]], dict[str, str]]
# after saving: (subject, form, item uid, {rule+field: reason}) answers deviations
Answerer = Callable[[str, str, str, dict[tuple[str, str | None], str]], None]


@dataclass
class FieldRow:
    field: Field
    editor: FieldEditor | None
    derived: QLabel | None
    note: QLabel
    reason: QLineEdit
    label: QLabel


class SectionPage(QWizardPage):
    def __init__(self, wizard: FormWizard, section: Section) -> None:
        super().__init__()
        self.form_wizard = wizard
        self.section = section
        self.setTitle(section.label.text(language()))
        self.rows: dict[str, FieldRow] = {}
        inner = QWidget()
        form = QFormLayout(inner)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Long questions (eligibility criteria) go above their answer instead of clipping.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for field in section.fields:
            text = field.label.text(language())
            marker = " *" if field.required and field.is_input else ""
            label = QLabel(text + marker + ":")
            note = QLabel()
            note.setObjectName(f"note_{field.id}")
            note.setWordWrap(True)
            note.hide()
            reason = QLineEdit()
            reason.setObjectName(f"reason_{field.id}")
            reason.setPlaceholderText(self.tr("Reason for the deviation (required)"))
            reason.hide()
            reason.textEdited.connect(wizard.mark_dirty)
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            editor: FieldEditor | None = None
            derived: QLabel | None = None
            if field.is_input:
                editor = make_editor(wizard.definition, field, wizard.site_units.get(field.id))
                editor.edited.connect(lambda f=field: wizard.on_edited(f))
                editor.left.connect(lambda f=field: wizard.on_left(f))
                label.setBuddy(editor.focus_target())
                column.addWidget(editor)
            else:
                derived = QLabel("—")
                derived.setObjectName(f"derived_{field.id}")
                # "not computable (missing: …)" can be long: wrap, never widen the page.
                derived.setWordWrap(True)
                derived.setStyleSheet("color: #323130; background: #f3f2f1; padding: 3px;")
                derived.setToolTip(self.tr("Computed from other fields; not typed."))
                column.addWidget(derived)
            column.addWidget(note)
            column.addWidget(reason)
            form.addRow(label, holder)
            self.rows[field.id] = FieldRow(field, editor, derived, note, reason, label)
        scroll = QScrollArea()
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def has_field_focus(self) -> bool:
        """Whether a field (or a reason box) of this page has focus."""
        focus = QApplication.focusWidget()
        if focus is None:
            return False
        return any(
            (row.editor is not None and row.editor.isAncestorOf(focus)) or focus is row.reason
            for row in self.rows.values()
        )

    def focus_first(self) -> None:
        """The first editable field takes the next keystroke (selected, so typing
        replaces a proposal and one key accepts it)."""
        for row in self.rows.values():
            if row.editor is not None and row.editor.isEnabled():
                row.editor.take_focus()
                return
        focus_first_editable(self)

    def validatePage(self) -> bool:  # noqa: N802
        return self.form_wizard.validate_fields(list(self.rows))


class FormWizard(QWizard):
    """Signals: ``saved(str)`` with the item uid; ``nothing_saved()`` when a new entry
    was closed with nothing typed (nothing is stored)."""

    saved = Signal(str)
    nothing_saved = Signal()

    def __init__(
        self,
        study: OpenStudy,
        casebook: Casebook,
        form: Form,
        item_uid: str | None,
        messages: MessageService,
        *,
        drafts: DraftStore | None = None,
        checker: Checker | None = None,
        deriver: Deriver | None = None,
        answerer: Answerer | None = None,
        site_units: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.site_units: Mapping[str, str] = site_units or {}
        self.study = study
        self.definition = study.definition
        self.casebook = casebook
        self.form = form
        self.item_uid = item_uid
        self.messages = messages
        self.drafts = drafts or DraftStore(study)
        self.checker = checker
        self.deriver = deriver
        self.answerer = answerer
        self.operation: Operation | None = None
        self.dirty = False
        self.loading = True
        self.closing_after_save = False
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.save_draft)
        self.findings: list[FindingLike] = []
        # Fields holding a proposal nobody has typed over yet, and the proposal.
        self.proposed: dict[str, Value] = {}
        self.touched: set[str] = set()  # fields the user typed in: never proposed into
        self._pending_focus: FieldRow | None = None
        self.typed_on_page: set[int] = set()
        self.setObjectName(f"form_{form.id}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveFinishButtonOnEarlyPages, True)
        entry_text = ""
        if form.repeating and form.item_label is not None:
            entry_text = " – " + (
                self.tr("new {item}").format(item=form.item_label.text(language()))
                if item_uid is None
                else form.item_label.text(language())
            )
        self.setWindowTitle(f"{casebook.subject_code} · {form.label.text(language())}{entry_text}")
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Save"))
        # Enter always means Next (or Save), even when Tab has reached the Back button.
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.CancelButton):
            button = self.button(which)
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.setMinimumSize(640, 420)
        self.pages_in_order = [SectionPage(self, section) for section in form.sections]
        for page in self.pages_in_order:
            self.addPage(page)
        self.rows: dict[str, FieldRow] = {}
        for page in self.pages_in_order:
            self.rows.update(page.rows)
        self.original: dict[str, Value] = dict(self._entry_values())
        for field_id, value in self.original.items():
            row = self.rows.get(field_id)
            if row is not None and row.editor is not None:
                row.editor.set_value(value)
        # The coordinating center's queries of this entry, at their fields (issue 16).
        self.center_queries = CenterQueryNotes(
            self, study, messages, casebook.subject_code, form.id, item_uid, self.rows
        )
        self._restore_draft()
        self.refresh_applicability()
        self.refresh_proposals()
        self.refresh_derived()
        self.loading = False
        self.dirty = self._values_differ()
        place(self, "crf", QSize(860, 620))
        # Whenever a page appears (open, Next, Back, an error sent us back), the first
        # field has focus, so the first characters typed are never lost.
        self.currentIdChanged.connect(self._page_changed)

    def _page_changed(self, _page_id: int) -> None:
        # After QWizard has put focus where it likes (Back restores the last field).
        QTimer.singleShot(0, self, lambda: self.focus_page(always=True))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        QTimer.singleShot(0, self, self.focus_page)

    def focus_page(self, *, always: bool = False) -> None:
        """Focus the field an error named, else the page's first field (unless a field
        already has focus and ``always`` is False)."""
        page = self.currentPage()
        pending, self._pending_focus = self._pending_focus, None
        if pending is not None and pending.editor is not None:
            pending.editor.take_focus()
        elif isinstance(page, SectionPage) and (always or not page.has_field_focus()):
            page.focus_first()

    # -- loading ---------------------------------------------------------------------

    @property
    def draft_item(self) -> str:
        return self.item_uid or NEW_ENTRY

    def _entry_values(self) -> dict[str, Value]:
        if self.item_uid is None:
            return {}
        for entry in self.casebook.entries.get(self.form.id, []):
            if entry.item_uid == self.item_uid:
                return dict(entry.values)
        return {}

    def _restore_draft(self) -> None:
        draft = self.drafts.load(self.casebook.subject_code, self.form.id, self.draft_item)
        if draft is None:
            return
        when = draft.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if self.messages.confirm(
            self,
            self.tr("Unsaved draft"),
            self.tr("This form has unsaved changes from {when}. Restore them?").format(when=when),
        ):
            for field_id, raw in draft.state.items():
                row = self.rows.get(field_id)
                if row is not None and row.editor is not None and isinstance(raw, dict):
                    row.editor.set_raw(raw)
        else:
            self.drafts.discard(self.casebook.subject_code, self.form.id, self.draft_item)

    # -- values ----------------------------------------------------------------------

    def parsed(self) -> tuple[dict[str, Value], dict[str, FieldProblem]]:
        values: dict[str, Value] = {}
        problems: dict[str, FieldProblem] = {}
        for field_id, row in self.rows.items():
            if row.editor is None or not row.editor.isEnabled():
                continue
            try:
                value = row.editor.value()
            except FieldProblem as exc:
                problems[field_id] = exc
                continue
            if value is not None:
                values[field_id] = value
        return values, problems

    def entered(self, values: Mapping[str, Value]) -> dict[str, Value]:
        """``values`` without the proposals nobody has typed over (they alone are no entry)."""
        return {k: v for k, v in values.items() if k not in self.proposed}

    def _values_differ(self) -> bool:
        values, problems = self.parsed()
        original = {k: v for k, v in self.original.items() if v is not None}
        return bool(problems) or self.entered(values) != original

    # -- reactions -------------------------------------------------------------------

    def mark_dirty(self) -> None:
        if self.loading:
            return
        self.dirty = True
        self.autosave.start()

    def on_edited(self, field: Field) -> None:
        if self.loading:
            return
        self.mark_dirty()
        self.proposed.pop(field.id, None)
        self.touched.add(field.id)
        self.typed_on_page.add(self.currentId())
        row = self.rows[field.id]
        if row.editor is not None:
            row.editor.set_problem(False)
        if not row.reason.isVisible():
            row.note.hide()
        self.refresh_applicability()
        self.refresh_proposals()
        self.refresh_derived()

    def refresh_proposals(self) -> None:
        """Fill empty fields of a new entry with the domain's proposals (cycle number,
        start, last dosing day) and keep untouched proposals in step with what was typed."""
        if self.item_uid is not None:
            return
        values, _ = self.parsed()
        wanted = proposals(self.casebook, self.form.id, self.entered(values))
        was_loading, self.loading = self.loading, True
        try:
            for field_id, value in wanted.items():
                row = self.rows.get(field_id)
                editor = row.editor if row is not None else None
                if editor is None or not editor.isEnabled() or field_id in self.touched:
                    continue
                current = values.get(field_id)
                # Empty, or still showing an earlier proposal: (re)propose.
                if current is None or field_id in self.proposed:
                    if current != value:
                        editor.set_value(value)
                    self.proposed[field_id] = value
        finally:
            self.loading = was_loading

    def on_left(self, field: Field) -> None:
        """Leaving a field: an impossible value or a finding about it shows at once."""
        row = self.rows[field.id]
        if row.editor is None or not row.editor.isEnabled():
            return
        try:
            row.editor.value()
        except FieldProblem as exc:
            self.show_note(row, exc.label.text(language()), error=True)
            return
        values, problems = self.parsed()
        if problems:
            self.clear_note(row)
            return
        mine = [
            f
            for f in self._run_checks(values)
            if f.field == field.id
            # "Required, not entered" waits until something was typed on this page.
            and (f.rule != REQUIRED_RULE or self.currentId() in self.typed_on_page)
        ]
        if not mine:
            self.clear_note(row)
            row.reason.hide()
            return
        worst = min(mine, key=lambda f: ("error", "deviation", "warning").index(f.severity))
        text = worst.message_zh if language().startswith("zh") else worst.message
        self.show_note(row, text, error=worst.severity == "error")
        row.reason.setVisible(worst.severity == "deviation")

    def refresh_applicability(self) -> None:
        values, _ = self.parsed()
        for row in self.rows.values():
            if row.editor is None:
                continue
            ok = applies(self.form, row.field, values)
            if not ok and row.editor.isEnabled():
                row.editor.set_value(None)
            row.editor.setEnabled(ok)
            row.label.setEnabled(ok)

    def refresh_derived(self) -> None:
        if self.deriver is None:
            return
        values, _ = self.parsed()
        texts = self.deriver(self.casebook, self.form.id, self.item_uid, values)
        for field_id, row in self.rows.items():
            if row.derived is not None:
                row.derived.setText(texts.get(field_id) or self.tr("not computable yet"))

    def show_note(self, row: FieldRow, text: str, *, error: bool) -> None:
        row.note.setText(text)
        row.note.setStyleSheet(ERROR_STYLE if error else WARNING_STYLE)
        row.note.show()
        if row.editor is not None:
            row.editor.set_problem(error)

    def clear_note(self, row: FieldRow) -> None:
        row.note.hide()
        if row.editor is not None:
            row.editor.set_problem(False)

    # -- validation ------------------------------------------------------------------

    def validate_fields(self, field_ids: list[str]) -> bool:
        """Hard errors block; soft findings need a reason. Focuses the first problem."""
        values, problems = self.parsed()
        first: FieldRow | None = None
        for field_id in field_ids:
            row = self.rows[field_id]
            if field_id in problems:
                self.show_note(row, problems[field_id].label.text(language()), error=True)
                first = first or row
            elif row.editor is not None:
                self.clear_note(row)
                row.reason.hide()
        if first is not None:
            self._focus(first)
            return False
        self.findings = list(self._run_checks(values))
        wanted = set(field_ids)
        for finding in self.findings:
            target = finding.field if finding.field in self.rows else None
            if target is None or target not in wanted:
                continue
            row = self.rows[target]
            text = finding.message_zh if language().startswith("zh") else finding.message
            if finding.severity == "error":
                self.show_note(row, text, error=True)
                first = first or row
            elif finding.severity == "deviation":
                self.show_note(row, text, error=False)
                row.reason.show()
                if not row.reason.text().strip():
                    first = first or row
            elif not row.note.isVisible():
                self.show_note(row, text, error=False)
        if first is not None:
            if first.reason.isVisible() and not first.reason.text().strip():
                first.reason.setFocus()
            else:
                self._focus(first)
            return False
        return True

    def _run_checks(self, values: dict[str, Value]) -> Sequence[FindingLike]:
        if self.checker is None:
            return ()
        return self.checker(self.casebook, self.form.id, self.item_uid, values)

    def _focus(self, row: FieldRow) -> None:
        """Go back to the page of ``row`` and give it focus (the page change would
        otherwise focus that page's first field)."""
        for page_id in self.pageIds():
            page = self.page(page_id)
            if isinstance(page, SectionPage) and row.field.id in page.rows:
                if self.currentId() > page_id:
                    self._pending_focus = row
                while self.currentId() > page_id:
                    self.back()
                break
        if row.editor is not None:
            row.editor.take_focus()

    # -- saving ----------------------------------------------------------------------

    def save_draft(self) -> None:
        if not self.dirty or self.closing_after_save:
            return
        state = {fid: row.editor.raw() for fid, row in self.rows.items() if row.editor is not None}
        self.drafts.save(self.casebook.subject_code, self.form.id, self.draft_item, state)

    def accept(self) -> None:
        if self.operation is not None and self.operation.running:
            return
        values, problems = self.parsed()
        if self.item_uid is None and not problems and not self.entered(values):
            # Enter, Enter on a new entry: nothing was typed, so nothing is stored.
            self._close_without_saving()
            return
        if not self.validate_fields(list(self.rows)):
            return
        missing = missing_required(self.form, values)
        if missing:
            names = ", ".join(f.label.text(language()) for f in missing)
            if not self.messages.confirm(
                self,
                self.tr("Required fields missing"),
                self.tr(
                    "Not entered yet: {fields}.\n\nSave this {what} as incomplete anyway? "
                    "No goes back to the first missing field."
                ).format(fields=names, what=self._what()),
            ):
                row = self.rows[missing[0].id]
                self._focus(row)
                return
        reason: str | None = None
        changed_saved = [
            fid for fid, old in self.original.items() if old is not None and values.get(fid) != old
        ]
        if self.item_uid is not None and changed_saved:
            labels = ", ".join(self.form.field(f).label.text(language()) for f in changed_saved)
            reason = self.messages.ask_text(
                self,
                self.tr("Reason for change"),
                self.tr("You changed saved data ({fields}). Why? (kept in the audit trail)").format(
                    fields=labels
                ),
            )
            if reason is None or not reason.strip():
                return
        deviation_reasons: dict[tuple[str, str | None], str] = {
            (f.rule, f.field): self.rows[f.field].reason.text().strip()
            for f in self.findings
            if f.severity == "deviation" and f.field in self.rows
        }
        service = PatientService(self.study)
        subject, form_id, item_uid, answerer = (
            self.casebook.subject_code,
            self.form.id,
            self.item_uid,
            self.answerer,
        )

        def work(_progress: Progress) -> str:
            uid = service.save(subject, form_id, values, item_uid=item_uid, reason=reason)
            if answerer is not None and deviation_reasons:
                answerer(subject, form_id, uid, deviation_reasons)
            return uid

        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        self.operation = Operation(
            work, parent=self, label=self.tr("Saving…"), messages=self.messages
        )
        self.operation.succeeded.connect(self._saved)
        self.operation.failed.connect(
            lambda _e: self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        )
        self.operation.start()

    def _what(self) -> str:
        label = self.form.item_label if self.form.repeating else None
        return (label or self.form.label).text(language())

    def _done_with_draft(self) -> None:
        """Nothing left to keep: no autosave, no draft, nothing to ask on closing."""
        self.closing_after_save = True
        self.autosave.stop()
        self.drafts.discard(self.casebook.subject_code, self.form.id, self.draft_item)
        self.dirty = False

    def _close_without_saving(self) -> None:
        self._done_with_draft()
        super().reject()
        self.nothing_saved.emit()

    def _saved(self, uid: object) -> None:
        self._done_with_draft()
        self.saved.emit(str(uid))
        super().accept()

    def reject(self) -> None:
        if self._confirm_close():
            self.autosave.stop()
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.closing_after_save or self._confirm_close():
            self.autosave.stop()
            event.accept()
        else:
            event.ignore()

    def _confirm_close(self) -> bool:
        if not self.dirty or not self._values_differ():
            self.drafts.discard(self.casebook.subject_code, self.form.id, self.draft_item)
            return True
        answer = self.messages.ask_save(
            self,
            self.tr("Unsaved changes"),
            self.tr("{form} has unsaved changes.").format(form=self.form.label.text(language())),
        )
        if answer == "save":
            self.accept()
            return False
        if answer == "discard":
            self.dirty = False
            self.drafts.discard(self.casebook.subject_code, self.form.id, self.draft_item)
            return True
        return False


def entry_summary(definition: Any, form: Form, entry: Entry) -> list[str]:
    """Display texts of a repeating entry's summary fields (table cells)."""
    from rego_desktop.study.values import display

    return [
        display(definition, form.field(f), entry.get(f), language()) for f in form.summary_fields
    ]
