"""Finding a patient: Ctrl+F, the subject number, Enter."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from rego_desktop.demo.generator import generate
from rego_desktop.services.patients import PatientRow, PatientService
from rego_desktop.store.study import OpenStudy
from rego_desktop.ui.app import SiteApplication
from rego_desktop.ui.casebook_window import CasebookWindow
from rego_desktop.ui.login import LoginDialog
from rego_desktop.ui.main_window import MainWindow
from rego_desktop.ui.patient_model import ROW_ROLE
from tests.conftest import PASSWORD
from tests.desktop.conftest import StartSite
from tests.desktop.keyboard import KeyScript, focus_named, window_active, windows_of

PATIENTS = 30
TARGET = "BJ01-0024"
DIGITS = "0024"
# Another patient, listed before the target, whose hospital record number contains the
# target's digits: a search for them finds both.
DECOY = "BJ01-0005"
DECOY_RECORD = "ZY01002471"


def patients_with_a_decoy(study: OpenStudy) -> None:
    generate(study, PATIENTS, seed=7)
    service = PatientService(study)
    identification = dict(service.casebook(DECOY).single("identification"))
    identification["hospital_record_number"] = DECOY_RECORD
    service.save(DECOY, "identification", identification, reason="typo corrected")
    rows = {row.subject_code: row for row in service.list_patients()}
    assert DIGITS in rows[DECOY].record_number
    assert [code for code, row in rows.items() if DIGITS in row.record_number] == [DECOY]


def log_in(script: KeyScript, app: SiteApplication) -> KeyScript:
    def list_loaded() -> bool:
        window = app.window
        return window is not None and window.model.rowCount() == PATIENTS

    return (
        script.until(window_active(LoginDialog), "the log-in window is active")
        .until(focus_named("password"), "the password field has the focus")
        .type(PASSWORD)
        .key("Enter")
        .until(window_active(MainWindow), "the main window is active")
        .until(list_loaded, f"the list shows the {PATIENTS} patients")
        .key("Ctrl+F")
        .until(focus_named("search"), "Ctrl+F: the search box has the focus")
    )


def shown(app: SiteApplication) -> list[str]:
    window = app.window
    assert window is not None
    rows = (window.proxy.index(r, 0).data(ROW_ROLE) for r in range(window.proxy.rowCount()))
    return [row.subject_code for row in rows if isinstance(row, PatientRow)]


def casebooks() -> list[str]:
    return [w.windowTitle() for w in windows_of(CasebookWindow)]


def test_subject_digits_open_that_patient_not_a_record_number_match(
    qtbot: QtBot, start_site: StartSite, study: OpenStudy
) -> None:
    patients_with_a_decoy(study)
    app = start_site()

    def both_listed() -> None:
        codes = shown(app)
        assert TARGET in codes, codes
        assert DECOY in codes, codes

    def only_the_target_opened() -> None:
        titles = casebooks()
        assert len(titles) == 1, f"casebooks open: {titles}"
        assert TARGET in titles[0], f"opened {titles[0]!r}, not {TARGET}"

    script = log_in(KeyScript(), app).type(DIGITS)
    script.check(both_listed, "the search lists the target and the other patient")
    script.key("Enter")
    script.until(window_active(CasebookWindow), "a casebook is active")
    script.pause(500)
    script.check(only_the_target_opened, f"the casebook of {TARGET} opened, and only it")
    script.run(qtbot, timeout=60_000)


def test_several_matches_and_no_subject_enter_goes_to_the_list(
    qtbot: QtBot, start_site: StartSite, study: OpenStudy
) -> None:
    patients_with_a_decoy(study)
    app = start_site()
    typed = "ZY011"  # the start of several record numbers, no subject code

    def several_listed() -> None:
        assert len(shown(app)) > 1, shown(app)

    script = log_in(KeyScript(), app).type(typed)
    script.check(several_listed, "several patients match")
    script.key("Enter")
    script.until(focus_named("patientTable"), "Enter moved the focus to the list")
    script.pause(500)
    script.check(lambda: not casebooks(), "no casebook opened")
    script.check(lambda: window_active(MainWindow)(), "the main window is still active")
    script.run(qtbot, timeout=60_000)
