"""Queries of the coordinating center at the field, in the form wizard (issue 16).

A field that has a query from the center (imported from a query file) shows it under
the field, marked as from the center, with its text, like the site's own findings; an
"Answer the center's query…" button follows the field in the Tab order and records the
answer (:meth:`rego_desktop.services.queries.QueryService.answer`), which goes to the
center in the next transfer file. A query about the whole entry or form shows at the
first field. Correcting: change the value in the form and save (a reason is asked),
then answer saying what was changed — or use Queries › Correct value, which records the
correction on the query itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from rego_desktop.auth.roles import Permission
from rego_desktop.errors import RegoError
from rego_desktop.services.queries import QueryRow, QueryService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.errors import report_exception
from rego_desktop.ui.messages import MessageService
from rego_desktop.ui.widgets import language

__all__ = ["CENTER_STYLE", "CenterQueryNote", "CenterQueryNotes"]

CENTER_STYLE = "color: #003a6c; background: #deecf9; border-left: 3px solid #0078d4; padding: 3px;"


class RowLike(Protocol):
    """What is needed of a wizard row: its note label (the center's note goes above it)
    and its reason box (the answer button follows it in the Tab order)."""

    @property
    def note(self) -> QLabel: ...
    @property
    def reason(self) -> QLineEdit: ...


@dataclass
class CenterQueryNote:
    query: QueryRow
    label: QLabel
    button: QPushButton


class CenterQueryNotes(QObject):
    """The center's open (and answered) queries of one entry, shown at their fields."""

    def __init__(
        self,
        parent: QWidget,
        study: OpenStudy,
        messages: MessageService,
        subject: str,
        form_id: str,
        item_uid: str | None,
        rows: Mapping[str, RowLike],
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.study = study
        self.messages = messages
        self.notes: list[CenterQueryNote] = []
        if item_uid is None or not rows:
            return
        try:
            found = QueryService(study).list(subject, status=("open", "answered"))
        except RegoError:
            return  # no right to see queries: the form opens as before
        first = next(iter(rows))
        can_answer = study.user.can(Permission.ANSWER_QUERIES)
        after: dict[str, QWidget] = {}
        for query in found:
            if not query.from_center or query.form != form_id or query.item_uid != item_uid:
                continue
            target = query.field if query.field is not None and query.field in rows else first
            note = rows[target].note
            holder = note.parentWidget()
            layout = holder.layout() if holder is not None else None
            if not isinstance(layout, QBoxLayout):
                continue
            label = QLabel()
            label.setObjectName(f"center_query_{query.center_id or query.uid}")
            label.setWordWrap(True)
            label.setStyleSheet(CENTER_STYLE)
            button = QPushButton(self.tr("Answer the center's query…"))
            button.setObjectName(f"answer_center_{query.center_id or query.uid}")
            button.setAutoDefault(False)
            button.setEnabled(can_answer)
            index = layout.indexOf(note)
            layout.insertWidget(index, label)
            layout.insertWidget(index + 1, button, 0, Qt.AlignmentFlag.AlignLeft)
            # Tab goes from the field (and its reason box) to the button, not to the end.
            QWidget.setTabOrder(after.get(target, rows[target].reason), button)
            after[target] = button
            item = CenterQueryNote(query, label, button)
            button.clicked.connect(lambda _c=False, n=item: self.answer(n))
            self.notes.append(item)
            self._show(item)

    def _show(self, note: CenterQueryNote) -> None:
        q = note.query
        text = q.message_zh if language().startswith("zh") and q.message_zh else q.message
        lines = [
            self.tr("From the coordinating center ({id}): {text}").format(
                id=q.center_id or "", text=text
            )
            if q.field
            else self.tr(
                "From the coordinating center ({id}), about this whole form: {text}"
            ).format(id=q.center_id or "", text=text)
        ]
        if q.center_value:
            lines.append(self.tr("Value the center saw: {value}").format(value=q.center_value))
        if q.status == "answered" and q.answer:
            lines.append(
                self.tr("Answered ({by}): {answer}").format(by=q.answered_by or "", answer=q.answer)
            )
            note.button.setText(self.tr("Change the answer to the center…"))
        else:
            lines.append(
                self.tr(
                    "To correct the value, change it here and save, then answer saying what "
                    "was changed."
                )
            )
        note.label.setText("\n".join(lines))

    def answer(self, note: CenterQueryNote) -> None:
        q = note.query
        text = self.messages.ask_text(
            self.parent_widget,
            self.tr("Answer the center's query {id}").format(id=q.center_id or ""),
            self.tr("Your answer (why the value is right, or what was changed):"),
            q.message_zh if language().startswith("zh") and q.message_zh else q.message,
        )
        if text is None or not text.strip():
            note.button.setFocus()
            return
        try:
            note.query = QueryService(self.study).answer(q.uid, text)
        except RegoError as exc:
            self.messages.error(self.parent_widget, self.tr("Cannot answer"), exc.text(language()))
        except Exception as exc:
            report_exception(self.parent_widget, exc, self.messages)
        self._show(note)
        note.button.setFocus()
