"""Issue 12's reference patient entered in a real X server by keys alone."""

from __future__ import annotations

import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from rego_desktop.services.patients import PatientService
from rego_desktop.services.site_units import SiteUnits
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.login import LoginDialog
from rego_desktop.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.desktop.conftest import StartSite
from tests.desktop.keyboard import KeyScript, focus_named, window_active
from tests.desktop.reference_patient import EXPECTED, SITE_UNITS, reference_patient

COUNT_FILE_ENV = "REGO_KEYSTROKES_FILE"  # bench/keystrokes.py reads the count from it
TARGET = 550


def test_the_reference_patient_is_entered_by_keys_alone(
    qtbot: QtBot, start_site: StartSite, created: tuple[OpenStudy, str]
) -> None:
    study = created[0]
    SiteUnits(study).set_many(SITE_UNITS, "units of the site laboratory")
    app = start_site()
    login = (
        KeyScript()
        .until(window_active(LoginDialog), "the log-in window is active")
        .until(focus_named("password"), "the password has the focus")
        .type(PASSWORD)
        .key("Enter")
        .until(window_active(MainWindow), "the main window is active")
    )
    login.run(qtbot, timeout=30_000)
    script = reference_patient(KeyScript())
    script.run(qtbot, timeout=300_000)
    assert app.study is not None
    service = PatientService(app.study)
    [code] = service.subject_codes()
    book = service.casebook(code)
    for form_id, expected in EXPECTED.items():
        assert [dict(entry.values) for entry in book.items(form_id)] == expected, form_id
    assert book.status().value == "deceased"
    count_file = os.environ.get(COUNT_FILE_ENV)
    if count_file:
        Path(count_file).write_text(f"{script.keystrokes}\n", encoding="utf-8")
    assert script.keystrokes <= TARGET, f"{script.keystrokes} keystrokes"
