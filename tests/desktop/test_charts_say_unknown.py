"""Issue 13 in a real X server: a chart that says "diagnosed 2019, AFP not done, died
March 2024" is entered by keys alone, without inventing anything, and the endpoint
rests on a documented imputed date with its flag."""

from __future__ import annotations

import datetime as dt

from pytestqt.qtbot import QtBot

from rego_desktop.analysis.dataset import analysis_row
from rego_desktop.derive import PatientData
from rego_desktop.services.patients import PatientService
from rego_desktop.services.site_units import SiteUnits
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.dates import PartialDate
from rego_desktop.study.schema import MissingReason
from rego_desktop.study.values import Missing
from rego_desktop.ui.casebook_window import CasebookWindow
from rego_desktop.ui.login import LoginDialog
from rego_desktop.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.desktop.conftest import StartSite
from tests.desktop.keyboard import KeyScript, focus_named, window_active
from tests.desktop.reference_patient import SITE_UNITS, fields, form, wizard_for

ND = Missing(MissingReason.NOT_DONE)
UNK = Missing(MissingReason.UNKNOWN)


def tabbed(script: KeyScript, *values: str) -> KeyScript:
    """Type each value and Tab on (no Enter at the end, unlike ``fields``)."""
    for value in values:
        script.type(value).key("Tab")
    return script


def chart(script: KeyScript) -> KeyScript:
    script.key("Ctrl+N").until(window_active(CasebookWindow), "the new casebook is open")
    form(script, "eligibility", ("y", "y", "y", "y", "y"), ("n", "n"))
    form(script, "identification", ("Wang Xiuying", "ZY20240301", "19550310"))
    # Weight not done (typed), ECOG not recorded (Ctrl+M, then U from the menu).
    script.key("Enter").until(wizard_for("demographics"), "demographics open")
    tabbed(script, "f", "158", "nd")
    script.key("Ctrl+M").pause(300).key("U").pause(200).key("Enter")
    script.until(window_active(CasebookWindow), "demographics saved")
    # Diagnosed 2019, advanced stage May 2021, aetiology unknown (Ctrl+M on the boxes).
    script.key("Enter").until(wizard_for("hcc_history"), "HCC history open")
    tabbed(script, "cl", "2019", "2021-5")
    script.key("Ctrl+M").pause(300).key("U").pause(200).key("Tab")
    fields(script, "y")
    script.until(window_active(CasebookWindow), "HCC history saved")
    script.key("Down")  # no medical history
    form(script, "primary_tumour", ("r", "2", "64", "y", "vp3", "n", "c", "ND"))
    script.key("Down")  # no prior treatment
    form(script, "baseline_liver", ("20230412", "19", "ND", "1.12", "38", "51", "n", "n"))
    script.key("Down").key("Down")  # no laboratory or genetic tests
    form(script, "baseline_imaging", ("20230410", "<Space>", "y", "n"))
    form(script, "treatment", ("20230417", "160"), ("d", "20230604", "pro"), ("",))
    for _ in range(7):  # past cycles ... subsequent treatments: not in this test
        script.key("Down")
    form(script, "survival", ("de", "20240215", "2024-03", "dis"))
    return script


def test_a_chart_with_unknowns_is_entered_without_inventing_anything(
    qtbot: QtBot, start_site: StartSite, created: tuple[OpenStudy, str]
) -> None:
    study = created[0]
    SiteUnits(study).set_many(SITE_UNITS, "units of the site laboratory")
    app = start_site()
    (
        KeyScript()
        .until(window_active(LoginDialog), "the log-in window is active")
        .until(focus_named("password"), "the password has the focus")
        .type(PASSWORD)
        .key("Enter")
        .until(window_active(MainWindow), "the main window is active")
        .run(qtbot, timeout=30_000)
    )
    chart(KeyScript()).run(qtbot, timeout=120_000)
    assert app.study is not None
    service = PatientService(app.study)
    [code] = service.subject_codes()
    book = service.casebook(code)
    assert book.value("demographics", "weight") == ND
    assert book.value("demographics", "ecog") == UNK
    assert book.value("hcc_history", "hcc_diagnosis_date") == PartialDate(2019)
    assert book.value("hcc_history", "advanced_diagnosis_date") == PartialDate(2021, 5)
    assert book.value("hcc_history", "aetiology") == UNK
    assert book.value("primary_tumour", "afp") == ND
    assert book.value("baseline_liver", "albumin") == ND
    assert book.value("survival", "death_date") == PartialDate(2024, 3)
    death = PatientData(book).death
    assert death is not None
    assert (death.date, death.flag) == (dt.date(2024, 3, 1), "D")
    row = analysis_row(book)
    assert row.os is not None
    assert row.os.event
    assert row.os.flag == "D"
