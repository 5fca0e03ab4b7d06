"""Charts that say "not done" or "2019": missing reasons and partial dates by keyboard.

Keys go only to the widget that has focus, as a nurse types (issue 13).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu
from pytestqt.qtbot import QtBot

from rego_desktop.audit import trail
from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import MissingReason
from rego_desktop.study.values import Missing
from rego_desktop.ui.fields import FieldEditor
from rego_desktop.ui.form_wizard import FormWizard
from rego_desktop.ui.messages import ScriptedMessages
from tests.ui.conftest import settle
from tests.ui.test_keyboard_entry import focus, key, new_patient_form, typed

ND = Missing(MissingReason.NOT_DONE)
UNK = Missing(MissingReason.UNKNOWN)


def go_to(wizard: FormWizard, field_id: str) -> FieldEditor:
    editor = wizard.rows[field_id].editor
    assert editor is not None
    editor.take_focus()
    settle()
    assert focus() is editor.focus_target()
    return editor


def line(editor: FieldEditor) -> QLineEdit:
    target = editor.focus_target()
    assert isinstance(target, QLineEdit)
    return target


def test_a_reason_typed_in_a_number_field_is_shown_as_a_reason(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    _window, wizard = new_patient_form(qtbot, study, messages, "demographics")
    weight = go_to(wizard, "weight")
    typed(qtbot, "nd")
    key(qtbot, Qt.Key.Key_Tab)
    assert weight.value() == ND
    assert line(weight).text() == "ND"
    assert weight.badge.isVisible()
    assert weight.badge.text() == "Not done"
    assert "italic" in line(weight).styleSheet()
    assert not wizard.rows["weight"].note.isVisible(), "a reason is an answer"
    assert "Ctrl+M" in line(weight).toolTip()
    # Typing a number over it makes it a value again.
    go_to(wizard, "weight")
    typed(qtbot, "61.5")
    key(qtbot, Qt.Key.Key_Tab)
    assert weight.value() == 61.5
    assert not weight.badge.isVisible()
    assert "italic" not in line(weight).styleSheet()


def test_ctrl_m_opens_the_reasons_the_field_allows(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    _window, wizard = new_patient_form(qtbot, study, messages, "demographics")
    ecog = go_to(wizard, "ecog")
    seen: list[list[str]] = []

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        seen.append([a.text() for a in menu.actions()])
        qtbot.keyClick(menu, Qt.Key.Key_U)  # &UNK

    QTimer.singleShot(200, pick)
    key(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    settle()
    assert seen == [["&ND  Not done", "&UNK  Unknown / not recorded in the chart"]]
    assert ecog.value() == UNK
    assert line(ecog).text() == "UNK"
    assert focus() is ecog.focus_target(), "focus comes back to the field"


def test_a_reason_a_field_does_not_allow_is_refused_with_the_allowed_ones(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    _window, wizard = new_patient_form(qtbot, study, messages, "demographics")
    go_to(wizard, "height")
    typed(qtbot, "NA")
    key(qtbot, Qt.Key.Key_Tab)
    note = wizard.rows["height"].note
    assert note.isVisible()
    assert "NA is not allowed here" in note.text()
    assert "ND (Not done)" in note.text()


def test_reasons_are_saved_count_as_answers_and_a_change_asks_why(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    window, wizard = new_patient_form(qtbot, study, messages, "demographics")
    go_to(wizard, "sex")
    typed(qtbot, "female")
    key(qtbot, Qt.Key.Key_Tab)
    go_to(wizard, "height")
    typed(qtbot, "158")
    go_to(wizard, "weight")
    typed(qtbot, "ND")
    go_to(wizard, "ecog")
    typed(qtbot, "unk")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=10_000)
    settle()
    assert messages.texts("confirm") == [], "nothing is reported missing"
    service = PatientService(study)
    values = service.casebook(window.subject_code).single("demographics")
    assert values["weight"] == ND
    assert values["ecog"] == UNK
    # Later the chart turns up the weight: the change needs a reason and is audited.
    edit = window.open_form(study.definition.form("demographics"), "")
    assert edit is not None
    settle()
    go_to(edit, "weight")
    typed(qtbot, "61.5")
    messages.replies.append("weight found in the nursing notes")
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not edit.isVisible(), timeout=10_000)
    settle()
    assert messages.texts("ask_text"), "a reason for the change was asked"
    values = service.casebook(window.subject_code).single("demographics")
    assert values["weight"] == 61.5
    with study.reading() as session:
        records = trail.read(session, study.keyring, study.info.db_uid, window.subject_code)
    change = records[-1]
    assert change.reason == "weight found in the nursing notes"
    assert [(c.field, c.old, c.new) for c in change.changes] == [
        ("weight", {"missing": "ND"}, 61.5)
    ]


def test_partial_dates_where_the_chart_lacks_the_day(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    window, wizard = new_patient_form(qtbot, study, messages, "hcc_history")
    diagnosis = go_to(wizard, "hcc_diagnosis_date")
    assert line(diagnosis).placeholderText() == "YYYY-MM(-DD)"
    typed(qtbot, "2019")
    key(qtbot, Qt.Key.Key_Tab)
    assert diagnosis.value() == PartialDate(2019)
    advanced = go_to(wizard, "advanced_diagnosis_date")
    typed(qtbot, "2021-5")
    key(qtbot, Qt.Key.Key_Tab)
    assert line(advanced).text() == "2021-05"
    assert advanced.value() == PartialDate(2021, 5)
    assert not wizard.rows["advanced_diagnosis_date"].note.isVisible()
    assert dt.date(2021, 5, 1) == PartialDate(2021, 5).first
    _ = window
