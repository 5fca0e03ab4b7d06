"""Keyboard-first data entry: every key goes to whatever has focus, as a nurse types.

Each test here was written against a defect seen in a real window (issue 12): Enter
on the log-in opening "Other study…", empty entries saved by Enter-Enter, the wrong
patient opened from the search box, keystrokes lost because nothing had focus, the
entries table trapping Tab, windows larger than the screen.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.values import Quantity
from rego_desktop.ui.casebook_window import CasebookWindow
from rego_desktop.ui.fields import MultiChoiceEditor, NumberEditor
from rego_desktop.ui.form_wizard import FormWizard
from rego_desktop.ui.login import LoginDialog
from rego_desktop.ui.main_window import MainWindow
from rego_desktop.ui.messages import ScriptedMessages
from rego_desktop.ui.settings import Settings
from tests.conftest import ADMIN, PASSWORD
from tests.ui.conftest import activate, settle

D = dt.date


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has focus: the next keystroke would be lost"
    return widget


def key(qtbot: QtBot, which: Qt.Key, modifier: Qt.KeyboardModifier | None = None) -> None:
    if modifier is None:
        qtbot.keyClick(focus(), which)
    else:
        qtbot.keyClick(focus(), which, modifier)
        if modifier & Qt.KeyboardModifier.AltModifier:
            qtbot.wait(200)  # a mnemonic "animates" its click for 100 ms
    settle()


def typed(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focus(), text)
    settle()


def casebook(qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages) -> CasebookWindow:
    code = PatientService(study).subject_codes()[0]
    window = CasebookWindow(study, code, messages)
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    return window


def open_new_entry(
    qtbot: QtBot, window: CasebookWindow, form_id: str, item: str | None = None
) -> FormWizard:
    form = window.study.definition.form(form_id)
    wizard = window.open_form(form, item)
    assert wizard is not None
    activate(qtbot, wizard)
    settle()
    return wizard


def new_patient_form(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, form_id: str
) -> tuple[CasebookWindow, FormWizard]:
    """A new patient's casebook, and a new entry of ``form_id`` opened from it."""
    PatientService(study).create_patient()
    window = casebook(qtbot, study, messages)
    return window, open_new_entry(qtbot, window, form_id)


def with_first_dose(study: OpenStudy) -> str:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "treatment", {"first_dose_date": D(2024, 3, 1)})
    return code


# -- 1. log-in ---------------------------------------------------------------------------


def test_enter_on_the_password_logs_in_and_opens_nothing_else(
    qtbot: QtBot, created: tuple[OpenStudy, str], messages: ScriptedMessages
) -> None:
    study = created[0]
    path = study.path
    study.close()
    dialog = LoginDialog(path, messages, username=ADMIN)
    qtbot.addWidget(dialog)
    unlocked: list[object] = []
    others: list[bool] = []
    dialog.unlocked.connect(unlocked.append)
    dialog.other_study.connect(lambda: others.append(True))
    dialog.show()
    activate(qtbot, dialog)
    assert focus() is dialog.password
    typed(qtbot, PASSWORD)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(unlocked) == 1, timeout=10_000)
    settle()
    assert others == []
    assert len(unlocked) == 1
    for button in (dialog.other_button, dialog.forgot_button, dialog.restore_button):
        assert not button.autoDefault()
        assert not button.isDefault()
    assert dialog.login_button.isDefault()
    opened = unlocked[0]
    opened.close()  # type: ignore[attr-defined]


def test_enter_in_the_user_name_moves_to_the_password(
    qtbot: QtBot, created: tuple[OpenStudy, str], messages: ScriptedMessages
) -> None:
    study = created[0]
    path = study.path
    study.close()
    dialog = LoginDialog(path, messages)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    assert focus() is dialog.username
    typed(qtbot, ADMIN)
    key(qtbot, Qt.Key.Key_Return)
    assert focus() is dialog.password
    assert not dialog.error.isVisible(), "Enter in the user name must not try to log in"


# -- 2. empty or accidental records --------------------------------------------------------


def test_enter_enter_on_a_new_entry_saves_nothing(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    with_first_dose(study)
    window = casebook(qtbot, study, messages)
    window._select_form("adverse_events")
    wizard = open_new_entry(qtbot, window, "adverse_events")
    key(qtbot, Qt.Key.Key_Return)  # one page: Enter means Save
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=5000)
    settle()
    book = PatientService(study).casebook(window.subject_code)
    assert book.items("adverse_events") == []
    assert messages.shown == []
    assert focus() is window.tree, "the casebook takes the next key"
    assert "nothing was saved" in window.statusBar().currentMessage()


def test_saving_with_required_fields_missing_asks_and_goes_back_by_default(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    with_first_dose(study)
    window = casebook(qtbot, study, messages)
    window._select_form("adverse_events")
    wizard = open_new_entry(qtbot, window, "adverse_events")
    typed(qtbot, "hand")
    messages.replies.append(False)  # the default answer: go back
    key(qtbot, Qt.Key.Key_Return)
    settle()
    asked = messages.texts("confirm")
    assert len(asked) == 1
    assert "CTCAE grade" in asked[0]
    assert "Onset date" in asked[0]
    assert wizard.isVisible()
    grade = wizard.rows["grade"].editor
    assert grade is not None
    assert focus() is grade.focus_target()
    assert PatientService(study).casebook(window.subject_code).items("adverse_events") == []


# -- 3. the right patient -----------------------------------------------------------------


def test_enter_in_the_search_opens_the_exact_subject_not_a_record_number(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, tmp_path: Path
) -> None:
    service = PatientService(study)
    codes = [service.create_patient() for _ in range(4)]
    # The first patient's record number contains the third patient's number.
    service.save(codes[0], "identification", {"hospital_record_number": "ZY0003"})
    window = MainWindow(study, messages, Settings(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    settle()
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focus() is window.search
    typed(qtbot, "0003")
    key(qtbot, Qt.Key.Key_Return)
    assert list(window.casebooks) == [codes[2]]
    assert codes[2] in window.casebooks[codes[2]].windowTitle()


def test_enter_in_an_ambiguous_search_moves_to_the_list_and_opens_nothing(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, tmp_path: Path
) -> None:
    service = PatientService(study)
    for _ in range(3):
        service.create_patient()
    window = MainWindow(study, messages, Settings(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    settle()
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    typed(qtbot, "BJ01")
    key(qtbot, Qt.Key.Key_Return)
    assert window.casebooks == {}
    assert focus() is window.table


def test_a_new_patient_is_not_hidden_by_a_search_left_in_place(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, tmp_path: Path
) -> None:
    PatientService(study).create_patient()
    window = MainWindow(study, messages, Settings(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    settle()
    window.search.setText("nobody")
    window.new_patient()
    settle()
    assert window.search.text() == ""
    assert window.current_subject() == "BJ01-0002"


# -- 4. focus on every page -----------------------------------------------------------------


def test_the_first_field_has_focus_when_a_page_opens_turns_and_comes_back(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    _window, wizard = new_patient_form(qtbot, study, messages, "eligibility")
    first = wizard.rows["inc_age_18"].editor
    assert first is not None
    assert focus() is first.focus_target()
    for _ in range(len(wizard.form.sections[0].fields)):
        typed(qtbot, "yes")
        key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Return)  # next page
    page_two = wizard.form.sections[1].fields[0].id
    editor = wizard.rows[page_two].editor
    assert editor is not None
    assert focus() is editor.focus_target()
    key(qtbot, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)  # < Back
    assert focus() is first.focus_target()


# -- 5. no keyboard trap in the casebook ------------------------------------------------------


def test_f6_and_ctrl_tab_move_between_calendar_entries_and_buttons(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    code = with_first_dose(study)
    PatientService(study).save(
        code, "adverse_events", {"term": "fatigue", "grade": 1, "onset_date": D(2024, 3, 9)}
    )
    window = casebook(qtbot, study, messages)
    window._select_form("adverse_events")
    assert focus() is window.tree
    key(qtbot, Qt.Key.Key_Return)  # a repeating form with entries: go to its table
    assert focus() is window.content
    key(qtbot, Qt.Key.Key_Tab)
    assert focus() is not window.content, "Tab must leave the entries table"
    key(qtbot, Qt.Key.Key_F6)
    assert focus() is window.tree
    key(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert focus() is window.content
    key(qtbot, Qt.Key.Key_F6)
    assert focus() is window.edit_button


def test_esc_in_a_form_closes_that_form_only(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    window, wizard = new_patient_form(qtbot, study, messages, "demographics")
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=5000)
    assert window.isVisible()


# -- 6. windows fit the screen ----------------------------------------------------------------


def test_windows_open_inside_the_screen_and_remember_their_size(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, tmp_path: Path
) -> None:
    from rego_desktop.ui.geometry import set_session

    settings = Settings(tmp_path / "settings.ini")
    set_session(settings.path, ADMIN)
    try:
        PatientService(study).create_patient()
        area = QGuiApplication.primaryScreen().availableGeometry()
        main = MainWindow(study, messages, settings)
        qtbot.addWidget(main)
        book = casebook(qtbot, study, messages)
        wizard = open_new_entry(qtbot, book, "cycles")
        for window in (main, book, wizard):
            assert window.width() <= area.width()
            assert window.height() <= area.height() - 30
        book.resize(900, 500)
        book.close()
        again = casebook(qtbot, study, messages)
        assert (again.width(), again.height()) == (900, 500)
    finally:
        set_session(None, None)


# -- faster entry without guessing -------------------------------------------------------------


def test_a_new_cycle_proposes_number_start_and_last_dosing_day(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    code = with_first_dose(study)
    PatientService(study).save(
        code,
        "cycles",
        {
            "cycle_number": 1,
            "start_date": D(2024, 3, 1),
            "daily_dose": 160,
            "dosing_end_date": D(2024, 3, 21),
        },
    )
    window = casebook(qtbot, study, messages)
    window._select_form("cycles")
    wizard = open_new_entry(qtbot, window, "cycles")
    values, _ = wizard.parsed()
    assert values["cycle_number"] == 2
    assert values["start_date"] == D(2024, 3, 29)
    assert values["dosing_end_date"] == D(2024, 4, 18)
    assert "daily_dose" not in values, "a dose is never proposed"
    line = focus()
    assert isinstance(line, QLineEdit)
    assert line.selectedText() == "2"
    key(qtbot, Qt.Key.Key_Tab)  # accept the number
    typed(qtbot, "2024-4-2")  # the chart says the cycle started later
    values, _ = wizard.parsed()
    assert values["start_date"] == D(2024, 4, 2)
    assert values["dosing_end_date"] == D(2024, 4, 22), "the proposal follows the start"


def test_a_proposal_alone_is_not_an_entry(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    with_first_dose(study)
    window = casebook(qtbot, study, messages)
    window._select_form("cycles")
    wizard = open_new_entry(qtbot, window, "cycles")
    wizard.accept()
    settle()
    assert not wizard.isVisible()
    assert PatientService(study).casebook(window.subject_code).items("cycles") == []


def test_multi_choice_is_one_tab_stop_with_arrow_keys(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    _window, wizard = new_patient_form(qtbot, study, messages, "hcc_history")
    editor = wizard.rows["aetiology"].editor
    assert isinstance(editor, MultiChoiceEditor)
    editor.focus_target().setFocus()
    settle()
    first = focus()
    assert isinstance(first, QCheckBox)
    key(qtbot, Qt.Key.Key_Space)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Space)
    assert editor.value() is not None
    assert len(editor.value()) == 2
    key(qtbot, Qt.Key.Key_Tab)
    assert not editor.isAncestorOf(focus()), "Tab leaves the group in one step"


def test_a_unit_is_never_guessed_and_the_site_unit_costs_no_tab(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    from rego_desktop.study.values import FieldProblem

    field = study.definition.form("baseline_liver").field("bilirubin")
    bare = NumberEditor(study.definition, field)
    qtbot.addWidget(bare)
    bare.edit.setText("2.0")
    with pytest.raises(FieldProblem, match="unit"):
        bare.value()
    bare.edit.setText("2.0 mg/dL")
    assert bare.value() == Quantity(2.0, "mg/dL")

    preset = NumberEditor(study.definition, field, "umol/L")
    qtbot.addWidget(preset)
    preset.edit.setText("34")
    assert preset.value() == Quantity(34.0, "umol/L")
    assert preset.unit is not None
    assert preset.unit.focusPolicy() == Qt.FocusPolicy.ClickFocus


def test_the_site_unit_is_set_once_by_an_administrator_and_preset_in_forms(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    from rego_desktop.services.site_units import SiteUnits
    from rego_desktop.ui.site_units_dialog import SiteUnitsDialog

    PatientService(study).create_patient()
    dialog = SiteUnitsDialog(study, messages)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    chooser = dialog.choosers["bilirubin"]
    chooser.setCurrentIndex(chooser.findData("umol/L"))
    dialog.accept()
    assert dialog.error.isVisible(), "a reason is required"
    assert focus() is dialog.reason
    typed(qtbot, "our laboratory reports SI units")
    key(qtbot, Qt.Key.Key_Return)
    assert SiteUnits(study).unit_for("bilirubin") == "umol/L"

    window = casebook(qtbot, study, messages)
    wizard = open_new_entry(qtbot, window, "baseline_liver")
    editor = wizard.rows["bilirubin"].editor
    assert isinstance(editor, NumberEditor)
    assert editor.unit is not None
    assert editor.unit.currentData() == "umol/L"
    assert editor.unit.focusPolicy() == Qt.FocusPolicy.ClickFocus


# -- 10. warnings when they help --------------------------------------------------------------


def test_required_warnings_wait_until_something_was_typed(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    _window, wizard = new_patient_form(qtbot, study, messages, "demographics")
    key(qtbot, Qt.Key.Key_Tab)  # passing through the first field without typing
    key(qtbot, Qt.Key.Key_Tab)
    assert not [row.field.id for row in wizard.rows.values() if row.note.isVisible()]
    typed(qtbot, "61.5")  # the weight
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Tab)  # leaves ECOG empty after typing on the page
    assert wizard.rows["ecog"].note.isVisible()
    assert "not entered" in wizard.rows["ecog"].note.text()


def test_a_long_not_computable_text_wraps_instead_of_widening_the_page(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    _window, wizard = new_patient_form(qtbot, study, messages, "baseline_liver")
    label = wizard.rows["albi_grade"].derived
    assert label is not None
    assert label.wordWrap()
    page = wizard.currentPage()
    assert page is not None
    scrolls = page.findChildren(QScrollArea)
    assert scrolls
    bar = scrolls[0].horizontalScrollBar()
    assert bar.maximum() == 0, "no horizontal scrolling"


def test_a_date_typed_short_is_shown_back_in_full(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages
) -> None:
    _window, wizard = new_patient_form(qtbot, study, messages, "identification")
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Tab)
    editor = wizard.rows["date_of_birth"].editor
    assert editor is not None
    assert focus() is editor.focus_target()
    typed(qtbot, "1961/6/2")
    key(qtbot, Qt.Key.Key_Tab)
    line = editor.focus_target()
    assert isinstance(line, QLineEdit)
    assert line.text() == "1961-06-02"
