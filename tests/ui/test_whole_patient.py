"""A whole patient, from screening to death, entered through every CRF with the keyboard."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from rego_desktop.casebook import FormStatus, PatientStatus
from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import FieldType
from rego_desktop.study.values import Quantity, Value, choices
from rego_desktop.ui.casebook_window import CasebookWindow
from rego_desktop.ui.fields import ChoiceEditor, MultiChoiceEditor, NumberEditor
from rego_desktop.ui.form_wizard import FormWizard
from rego_desktop.ui.messages import ScriptedMessages
from tests.ui.conftest import activate, settle, snapshot

D = dt.date
PATIENT: list[tuple[str, dict[str, Value]]] = [
    (
        "eligibility",
        {
            "inc_age_18": "yes",
            "inc_hcc_diagnosed": "yes",
            "inc_bclc_b_c": "yes",
            "inc_regorafenib_dose": "yes",
            "inc_chart_available": "yes",
            "exc_interventional_trial": "no",
            "exc_other_malignancy": "no",
        },
    ),
    (
        "identification",
        {
            "full_name": "刘建国",
            "hospital_record_number": "ZY20230417",
            "date_of_birth": D(1961, 6, 2),
        },
    ),
    ("demographics", {"sex": "male", "height": 168.0, "weight": 61.5, "ecog": 1}),
    (
        "hcc_history",
        {
            "diagnosis_basis": "clinical",
            "hcc_diagnosis_date": D(2021, 9, 14),
            "advanced_diagnosis_date": D(2022, 1, 10),
            "aetiology": ("hbv", "alcohol"),
            "cirrhosis": "yes",
        },
    ),
    (
        "medical_history",
        {"condition": "diabetes", "start_date": D(2015, 5, 1), "ongoing": "yes"},
    ),
    (
        "primary_tumour",
        {
            "tumour_site": "right_lobe",
            "lesion_count": "2",
            "largest_diameter": Quantity(64.0, "mm"),
            "macrovascular_invasion": "yes",
            "pvtt": "vp3",
            "extrahepatic_spread": "no",
            "bclc_stage": "C",
            "afp": Quantity(812.0, "ng/mL"),
        },
    ),
    (
        "prior_treatments",
        {
            "regimen": "sorafenib",
            "line": 1,
            "start_date": D(2022, 1, 20),
            "end_date": D(2023, 3, 30),
            "best_response": "SD",
            "reason_stopped": "progression",
        },
    ),
    (
        "baseline_liver",
        {
            "liver_date": D(2023, 4, 12),
            "bilirubin": Quantity(1.1, "mg/dL"),
            "albumin": Quantity(36.0, "g/L"),
            "inr": 1.12,
            "alt": 38.0,
            "ast": 51.0,
            "ascites": "none",
            "encephalopathy": "none",
        },
    ),
    (
        "lab_tests",
        {"sample_date": D(2023, 4, 12), "haemoglobin": Quantity(128.0, "g/L"), "platelets": 142.0},
    ),
    ("genetic_tests", {"test_date": D(2022, 2, 1), "test": "tp53", "result": "detected"}),
    (
        "baseline_imaging",
        {
            "scan_date": D(2023, 4, 10),
            "modality": ("ct",),
            "measurable_lesion": "yes",
            "metastases": "yes",
            "metastatic_sites": ("lung",),
        },
    ),
    (
        "treatment",
        {
            "first_dose_date": D(2023, 4, 17),
            "initial_daily_dose": 160.0,
            "treatment_status": "discontinued",
            "last_dose_date": D(2023, 6, 4),
            "discontinuation_reason": "progression",
        },
    ),
    (
        "cycles",
        {
            "cycle_number": 1,
            "start_date": D(2023, 4, 17),
            "daily_dose": 160.0,
            "dosing_end_date": D(2023, 5, 7),
            "ecog": 1,
            "liver_date": D(2023, 4, 12),
            "bilirubin": Quantity(19.0, "umol/L"),
            "albumin": Quantity(36.0, "g/L"),
            "inr": 1.12,
            "alt": 38.0,
            "ast": 51.0,
            "ascites": "none",
            "encephalopathy": "none",
        },
    ),
    (
        "cycles",
        {
            "cycle_number": 2,
            "start_date": D(2023, 5, 15),
            "daily_dose": 120.0,
            "dosing_end_date": D(2023, 6, 4),
            "ecog": 1,
            "liver_date": D(2023, 5, 12),
            "bilirubin": Quantity(24.0, "umol/L"),
            "albumin": Quantity(34.0, "g/L"),
            "inr": 1.2,
            "alt": 45.0,
            "ast": 60.0,
            "ascites": "mild",
            "encephalopathy": "none",
        },
    ),
    (
        "dose_changes",
        {
            "change_date": D(2023, 5, 15),
            "method": "reduction",
            "new_daily_dose": 120.0,
            "reason": "adverse_event",
        },
    ),
    (
        "response_assessments",
        {
            "assessment_date": D(2023, 6, 1),
            "imaging_date": D(2023, 6, 1),
            "modality": "ct",
            "criteria": "mrecist",
            "overall_response": "PD",
            "new_lesions": "yes",
        },
    ),
    (
        "adverse_events",
        {
            "term": "ppes",
            "grade": 3,
            "onset_date": D(2023, 5, 2),
            "resolution_date": D(2023, 5, 30),
            "serious": "no",
            "relation": "probable",
            "action": "reduced",
            "outcome": "recovered",
        },
    ),
    (
        "progression",
        {
            "progressed": "yes",
            "progression_date": D(2023, 6, 1),
            "pattern": ("intrahepatic_growth", "new_extrahepatic"),
        },
    ),
    (
        "subsequent_treatments",
        {"regimen": "lenvatinib", "start_date": D(2023, 6, 20), "best_response": "PD"},
    ),
    (
        "survival",
        {
            "status": "dead",
            "last_follow_up_date": D(2023, 11, 2),
            "death_date": D(2023, 11, 2),
            "death_cause": "progression",
        },
    ),
]


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type like a keyboard; characters beyond ASCII arrive as an input method would send them."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                )


def type_value(qtbot: QtBot, wizard: FormWizard, field_id: str, value: Value) -> None:
    row = wizard.rows[field_id]
    editor = row.editor
    assert editor is not None, field_id
    assert editor.isEnabled(), f"{field_id} is not enabled"
    field = row.field
    if isinstance(editor, MultiChoiceEditor):
        assert isinstance(value, tuple)
        for code, box in editor.boxes:
            if code in value:
                box.setFocus()
                qtbot.keyClick(box, Qt.Key.Key_Space)
        return
    target = editor.focus_target()
    target.setFocus()
    if isinstance(editor, ChoiceEditor):
        label = dict(choices(wizard.definition, field))[str(value)].en
        line = editor.combo.lineEdit()
        assert line is not None
        qtbot.keyClicks(line, label)
        qtbot.keyClick(line, Qt.Key.Key_Tab)
        assert editor.value() == value, (field_id, label)
        return
    if isinstance(target, QLineEdit):
        target.selectAll()  # a proposal (cycle number, dates) is replaced by typing
    if isinstance(value, Quantity):
        # The unit written in the chart is typed after the number ("2.0 umol/L").
        assert isinstance(editor, NumberEditor)
        unit = f" {value.unit}" if editor.unit is not None else ""
        qtbot.keyClicks(target, f"{value.value:g}{unit}")
        assert editor.value() == value, field_id
        return
    text = (
        value.isoformat()
        if isinstance(value, dt.date)
        else f"{value:g}"
        if isinstance(value, float)
        else str(value)
    )
    type_text(qtbot, target, text)
    if field.type is FieldType.DATE:
        qtbot.keyClick(target, Qt.Key.Key_Tab)


def enter_form(
    qtbot: QtBot, window: CasebookWindow, form_id: str, values: dict[str, Value]
) -> None:
    window._select_form(form_id)
    form = window.study.definition.form(form_id)
    if form.repeating and window.content.rowCount():
        window.add_entry()
    else:
        window.tree.setFocus()
        qtbot.keyClick(window.tree, Qt.Key.Key_Return)
    wizard = window.wizard
    assert wizard is not None
    assert wizard.form.id == form_id
    activate(qtbot, wizard)
    for page in wizard.pages_in_order:
        assert wizard.currentPage() is page
        for field_id in page.rows:
            if field_id in values:
                type_value(qtbot, wizard, field_id, values[field_id])
        focused = QApplication.focusWidget()
        assert focused is not None
        with qtbot.waitSignal(
            wizard.currentIdChanged if page is not wizard.pages_in_order[-1] else wizard.saved,
            timeout=10_000,
        ):
            qtbot.keyClick(focused, Qt.Key.Key_Return)
    settle()


def test_whole_patient_by_keyboard(
    qtbot: QtBot, study: OpenStudy, messages: ScriptedMessages, shots: Path
) -> None:
    code = PatientService(study).create_patient()
    window = CasebookWindow(study, code, messages)
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    for form_id, values in PATIENT:
        enter_form(qtbot, window, form_id, values)
        assert messages.shown == [], (form_id, messages.shown)
    book = PatientService(study).casebook(code)
    for form_id, values in PATIENT:
        stored = [dict(e.values) for e in book.items(form_id)]
        assert values in stored, form_id
    for form in study.definition.forms:
        assert book.form_status(form.id) is FormStatus.COMPLETE, form.id
    assert book.status() is PatientStatus.DECEASED
    window.reload()
    window._select_form("cycles")
    snapshot(window, shots, "whole-patient-casebook")
