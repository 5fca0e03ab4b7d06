"""At the site: a query of the coordinating center shows at its field in the form wizard
(marked as from the center, with its text), and is answered from there by keys only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from rego_desktop.center import queries as cq
from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.merge import merge_file
from rego_desktop.exchange.export import export_transfer
from rego_desktop.exchange.keys import generate_center_keys
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.services.center_queries import import_query_file
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui import edit_checks
from rego_desktop.ui.center_query_notes import CENTER_STYLE
from rego_desktop.ui.form_wizard import FormWizard
from rego_desktop.ui.messages import ScriptedMessages
from tests.center_ui.conftest import focused, press
from tests.exchange.sitefill import new_site
from tests.ui.conftest import activate, settle, snapshot

CENTER = generate_center_keys("Field Test Center")
SHOTS = Path("/tmp/center-shots")


@pytest.fixture
def site_with_query(tmp_path: Path) -> Iterator[tuple[OpenStudy, CenterDatabase]]:
    study, _ = new_site(tmp_path, "BJ01", 2, seed=78)
    public = site_public_key(study)
    db = open_center_database(tmp_path / "center.db", create=True)
    try:
        transfer = tmp_path / "t1.rgt"
        export_transfer(study, CENTER.public, transfer)
        merge_file(db, transfer, CENTER, {"BJ01": public})
        cq.raise_manual(db, site="BJ01", subject="BJ01-0001", form="demographics",
                        field="ecog", text="Please confirm the ECOG score.")  # fmt: skip
        cq.raise_manual(db, site="BJ01", subject="BJ01-0001", form="demographics",
                        text="Height and weight look swapped.")  # fmt: skip
        cq.raise_manual(db, site="BJ01", subject="BJ01-0002", form="demographics",
                        field="ecog", text="Another patient's query.")  # fmt: skip
        path = tmp_path / "q1.rgq"
        cq.export_query_file(db, "BJ01", path, CENTER, public)
        import_query_file(study, path, CENTER.public)
        yield study, db
    finally:
        study.close()
        db.close()


def test_center_query_shows_at_the_field_and_is_answered_by_keys(
    qtbot: QtBot,
    messages: ScriptedMessages,
    site_with_query: tuple[OpenStudy, CenterDatabase],
) -> None:
    study, _db = site_with_query
    book = PatientService(study).casebook("BJ01-0001")
    wizard = FormWizard(
        study,
        book,
        study.definition.form("demographics"),
        "",
        messages,
        checker=edit_checks.checker(study),
        deriver=edit_checks.deriver(study),
        answerer=edit_checks.answerer(study),
    )
    qtbot.addWidget(wizard)
    wizard.show()
    activate(qtbot, wizard)
    notes = wizard.center_queries.notes
    assert sorted(n.query.center_id or "" for n in notes) == ["Q000001", "Q000002"]
    at_field = next(n for n in notes if n.query.field == "ecog")
    whole_form = next(n for n in notes if n.query.field is None)
    # at the ecog field, marked as from the center, with its text, styled like a note
    ecog_holder = wizard.rows["ecog"].note.parentWidget()
    assert ecog_holder is not None
    assert at_field.label.parentWidget() is ecog_holder
    assert at_field.label.isVisible()
    assert at_field.label.styleSheet() == CENTER_STYLE
    text = at_field.label.text()
    assert "From the coordinating center (Q000001)" in text
    assert "Please confirm the ECOG score." in text
    # a query about the whole form shows at the first field
    first = next(iter(wizard.rows))
    assert whole_form.label.parentWidget() is wizard.rows[first].note.parentWidget()
    # the other patient's query is not shown here
    labels = [w.text() for w in wizard.findChildren(QLabel)]
    assert not any("Another patient's query." in t for t in labels)
    SHOTS.mkdir(parents=True, exist_ok=True)
    snapshot(wizard, SHOTS, "site-wizard-center-query-en")

    # keyboard: from the ECOG field, Tab reaches the answer button
    editor = wizard.rows["ecog"].editor
    assert editor is not None
    editor.focus_target().setFocus()
    settle()
    for _ in range(3):
        if focused() is at_field.button:
            break
        press(Qt.Key.Key_Tab)
    assert focused() is at_field.button
    assert isinstance(at_field.button, QPushButton)
    messages.replies.append("ECOG 1 confirmed against the clinic note of screening.")
    press(Qt.Key.Key_Space)
    assert messages.contexts[-1] == "Please confirm the ECOG score."
    assert focused() is at_field.button
    assert "Answered" in at_field.label.text()
    rows = {r.center_id: r for r in QueryService(study).list("BJ01-0001")}
    answered = rows["Q000001"]
    assert answered.status == "answered"
    assert answered.answer == "ECOG 1 confirmed against the clinic note of screening."
    assert rows["Q000002"].status == "open"
    # cancelling the prompt changes nothing
    whole_form.button.setFocus()
    press(Qt.Key.Key_Space)  # no scripted reply: cancelled
    assert QueryService(study).get(rows["Q000002"].uid).status == "open"


def test_new_entry_shows_no_center_query(
    qtbot: QtBot,
    messages: ScriptedMessages,
    site_with_query: tuple[OpenStudy, CenterDatabase],
) -> None:
    study, _db = site_with_query
    book = PatientService(study).casebook("BJ01-0001")
    form = next(f for f in study.definition.forms if f.repeating)
    wizard = FormWizard(study, book, form, None, messages)
    qtbot.addWidget(wizard)
    assert wizard.center_queries.notes == []
