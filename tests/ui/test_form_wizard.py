"""CRF wizard pages generated from the study definition, driven by the keyboard."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from rego_desktop.drafts import DraftStore
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui import edit_checks
from rego_desktop.ui.casebook_window import CasebookWindow
from rego_desktop.ui.fields import ChoiceEditor, DateEditor, NumberEditor
from rego_desktop.ui.form_wizard import FormWizard
from rego_desktop.ui.messages import ScriptedMessages
from tests.ui.conftest import activate, settle, snapshot


def open_form(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, form_id: str, item: str | None
) -> FormWizard:
    code = PatientService(study).subject_codes()[0]
    book = PatientService(study).casebook(code)
    wizard = FormWizard(
        study,
        book,
        study.definition.form(form_id),
        item,
        messages,
        checker=edit_checks.checker(study),
        deriver=edit_checks.deriver(study),
        answerer=edit_checks.answerer(study),
    )
    qtbot.addWidget(wizard)
    wizard.show()
    activate(qtbot, wizard)
    return wizard


def type_into(qtbot: QtBot, wizard: FormWizard, field: str, text: str) -> None:
    editor = wizard.rows[field].editor
    assert editor is not None
    target = editor.focus_target()
    target.setFocus()
    if isinstance(editor, ChoiceEditor):
        line = editor.combo.lineEdit()
        assert line is not None
        qtbot.keyClicks(line, text)
        qtbot.keyClick(line, Qt.Key.Key_Tab)
    else:
        qtbot.keyClicks(target, text)


def test_hard_error_shows_when_leaving_the_field_and_blocks_next(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, shots: Path
) -> None:
    PatientService(study).create_patient()
    wizard = open_form(qtbot, study, messages, "demographics", None)
    type_into(qtbot, wizard, "ecog", "7")
    qtbot.keyClick(wizard.rows["ecog"].editor.focus_target(), Qt.Key.Key_Tab)  # type: ignore[union-attr]
    note = wizard.rows["ecog"].note
    assert note.isVisible()
    assert note.text() == "ECOG performance status: 7 is impossible; allowed 0-4."
    snapshot(wizard, shots, "crf-hard-error")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    settle()
    assert PatientService(study).casebook("BJ01-0001").entries == {}


def test_units_are_chosen_not_guessed(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    PatientService(study).create_patient()
    wizard = open_form(qtbot, study, messages, "baseline_liver", None)
    editor = wizard.rows["bilirubin"].editor
    assert isinstance(editor, NumberEditor)
    assert editor.unit is not None
    # No unit is preselected: the chooser starts on "unit?" and the value is refused.
    assert [editor.unit.itemText(i) for i in range(editor.unit.count())] == [
        "unit?",
        "µmol/L",
        "mg/dL",
    ]
    type_into(qtbot, wizard, "bilirubin", "80")
    editor.unit.setCurrentIndex(2)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    settle()
    assert "allowed 0-58.466 mg/dL" in wizard.rows["bilirubin"].note.text()


def test_save_then_change_asks_a_reason(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, shots: Path
) -> None:
    code = PatientService(study).create_patient()
    wizard = open_form(qtbot, study, messages, "demographics", None)
    type_into(qtbot, wizard, "sex", "Female")
    type_into(qtbot, wizard, "height", "158")
    type_into(qtbot, wizard, "weight", "52.5")
    type_into(qtbot, wizard, "ecog", "1")
    snapshot(wizard, shots, "crf-demographics")
    with qtbot.waitSignal(wizard.saved, timeout=10_000):
        qtbot.keyClick(wizard.rows["ecog"].editor.focus_target(), Qt.Key.Key_Return)  # type: ignore[union-attr]
    values = PatientService(study).casebook(code).single("demographics")
    assert values == {"sex": "female", "height": 158.0, "weight": 52.5, "ecog": 1}

    again = open_form(qtbot, study, messages, "demographics", "")
    editor = again.rows["ecog"].editor
    assert editor is not None
    editor.focus_target().setFocus()
    qtbot.keyClick(editor.focus_target(), Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor.focus_target(), "2")
    messages.replies.append("Chart re-read: ECOG 2 at screening")
    with qtbot.waitSignal(again.saved, timeout=10_000):
        again.button(QWizard.WizardButton.FinishButton).click()
    assert messages.shown[-1][0] == "ask_text"
    assert "ECOG performance status" in messages.shown[-1][2]
    assert PatientService(study).casebook(code).value("demographics", "ecog") == 2


def test_not_applicable_fields_are_disabled(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    PatientService(study).create_patient()
    wizard = open_form(qtbot, study, messages, "survival", None)
    death = wizard.rows["death_date"].editor
    assert isinstance(death, DateEditor)
    assert not death.isEnabled()
    type_into(qtbot, wizard, "status", "Dead")
    assert death.isEnabled()


def test_autosaved_draft_survives_a_closed_window(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    code = PatientService(study).create_patient()
    wizard = open_form(qtbot, study, messages, "treatment", None)
    type_into(qtbot, wizard, "first_dose_date", "2024-03-05")
    type_into(qtbot, wizard, "initial_daily_dose", "12")  # half typed
    qtbot.waitUntil(
        lambda: DraftStore(study).load(code, "treatment", "new") is not None, timeout=5000
    )
    # The window is closed without saving: the user chooses to keep the draft.
    messages.replies.append("cancel")
    wizard.close()
    assert wizard.isVisible()
    wizard.hide()  # as if the computer crashed: no answer given
    replies = ScriptedMessages()
    replies.replies.append(True)  # restore the draft
    again = FormWizard(
        study,
        PatientService(study).casebook(code),
        study.definition.form("treatment"),
        None,
        replies,
    )
    qtbot.addWidget(again)
    assert replies.shown[-1][0] == "confirm"
    first = again.rows["first_dose_date"].editor
    dose = again.rows["initial_daily_dose"].editor
    assert first is not None
    assert dose is not None
    assert first.raw() == {"text": "2024-03-05"}
    assert dose.raw()["text"] == "12"
    assert PatientService(study).casebook(code).entries == {}


def test_discarding_removes_the_draft(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    code = PatientService(study).create_patient()
    wizard = open_form(qtbot, study, messages, "progression", None)
    type_into(qtbot, wizard, "progressed", "No")
    wizard.save_draft()
    assert DraftStore(study).load(code, "progression", "new") is not None
    messages.replies.append("discard")
    wizard.close()
    assert not wizard.isVisible()
    assert DraftStore(study).load(code, "progression", "new") is None


def test_casebook_window_shows_the_calendar(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, shots: Path
) -> None:
    service = PatientService(study)
    code = service.create_patient()
    service.save(
        code, "identification", {"full_name": "王秀英", "date_of_birth": dt.date(1950, 2, 3)}
    )
    service.save(
        code,
        "treatment",
        {
            "first_dose_date": dt.date(2024, 3, 5),
            "initial_daily_dose": 160.0,
            "treatment_status": "ongoing",
        },
    )
    for n in (1, 2):
        service.save(
            code,
            "cycles",
            {
                "cycle_number": n,
                "start_date": dt.date(2024, 3, 5) + dt.timedelta(days=28 * (n - 1)),
                "daily_dose": 160.0,
            },
        )
    window = CasebookWindow(study, code, messages)
    qtbot.addWidget(window)
    window.show()
    window._select_form("cycles")
    assert window.content.rowCount() == 2
    snapshot(window, shots, "casebook-cycles")
    window._select_form("treatment")
    snapshot(window, shots, "casebook-treatment")
    assert window.tree.topLevelItemCount() == 3


def test_derived_values_show_beside_their_inputs(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, shots: Path
) -> None:
    PatientService(study).create_patient()
    wizard = open_form(qtbot, study, messages, "demographics", None)
    bmi = wizard.rows["bmi"].derived
    assert bmi is not None
    assert "not computable" in bmi.text()
    type_into(qtbot, wizard, "height", "160")
    type_into(qtbot, wizard, "weight", "64")
    assert bmi.text() == "25.0 kg/m²"
    snapshot(wizard, shots, "crf-derived-bmi")


def test_label_deviation_needs_a_reason_then_answers_its_query(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, shots: Path
) -> None:
    code = PatientService(study).create_patient()
    wizard = open_form(qtbot, study, messages, "treatment", None)
    type_into(qtbot, wizard, "first_dose_date", "2024-03-05")
    type_into(qtbot, wizard, "initial_daily_dose", "200")
    wizard.next()  # Next validates the page
    settle()
    assert wizard.currentPage() is wizard.pages_in_order[0]
    row = wizard.rows["initial_daily_dose"]
    assert row.note.isVisible()
    assert "200 mg/day is above the label maximum of 160 mg/day" in row.note.text()
    assert row.reason.isVisible()
    snapshot(wizard, shots, "crf-deviation-reason")
    row.reason.setFocus()
    qtbot.keyClicks(row.reason, "Physician escalated by mistake; corrected next cycle")
    wizard.next()
    assert wizard.currentPage() is wizard.pages_in_order[1]
    type_into(qtbot, wizard, "treatment_status", "Ongoing")
    wizard.next()
    assert PatientService(study).casebook(code).entries == {}  # nothing saved before Save
    with qtbot.waitSignal(wizard.saved, timeout=10_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    queries = QueryService(study).list(code)
    deviation = [q for q in queries if q.rule == "dose.range"]
    assert [q.status for q in deviation] == ["answered"]
    assert deviation[0].answer == "Physician escalated by mistake; corrected next cycle"
