"""The reference patient of issue 12, as the keys a nurse types from the chart.

Eligible, baseline, two cycles with a dose reduction on day 10 of cycle 2, a grade 3
hand-foot skin reaction, a partial response, progression and death: 15 forms. The
keys start in the main window after log-in (Ctrl+N adds the patient) and go only to
the widget that has the focus. ``bench/keystrokes.py`` prints their count; the test
checks what was stored through the domain.

Typing follows the study's matching: "y"/"n" for yes and no, a word's start for a
choice ("cl" clinical criteria, "pro" disease progression), "hand" for hand-foot skin
reaction; dates as 20230417; units come from the site's usual units (set once by the
administrator, :data:`SITE_UNITS`), so no unit is typed or chosen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from rego_desktop.study.values import Quantity, Value
from rego_desktop.ui.casebook_window import CasebookWindow
from rego_desktop.ui.form_wizard import FormWizard
from tests.desktop.keyboard import KeyScript, window_active

D = dt.date
SITE_UNITS = {
    "largest_diameter": "mm",
    "afp": "ng/mL",
    "bilirubin": "umol/L",
    "albumin": "g/L",
}


def wizard_for(form_id: str) -> Callable[[], bool]:
    """A predicate: the active window is the wizard of ``form_id``."""

    def check() -> bool:
        from PySide6.QtWidgets import QApplication

        window = QApplication.activeWindow()
        return isinstance(window, FormWizard) and window.form.id == form_id

    return check


def fields(script: KeyScript, *values: str) -> KeyScript:
    """Type each value and Tab to the next field; the last one ends with Enter
    (Next, or Save on the last page)."""
    for i, value in enumerate(values):
        if value.startswith("<") and value.endswith(">"):
            script.key(value[1:-1])  # e.g. <Space> ticks the focused check box
        elif value:
            script.type(value)
        script.key("Enter" if i == len(values) - 1 else "Tab")
    return script


def form(script: KeyScript, form_id: str, *pages: tuple[str, ...]) -> KeyScript:
    """Enter on the casebook opens ``form_id``; each page is typed in turn; back in the
    casebook afterwards."""
    script.key("Enter").until(wizard_for(form_id), f"the {form_id} form is open")
    for page in pages:
        fields(script, *page)
    return script.until(window_active(CasebookWindow), f"{form_id} saved, back in the casebook")


def reference_patient(script: KeyScript) -> KeyScript:
    """The whole patient, from Ctrl+N in the main window to the survival form."""
    script.key("Ctrl+N").until(window_active(CasebookWindow), "the new casebook is open")
    form(script, "eligibility", ("y", "y", "y", "y", "y"), ("n", "n"))
    form(script, "identification", ("Liu Jianguo", "ZY20230417", "19610602"))
    form(script, "demographics", ("m", "168", "61.5", "1"))
    form(script, "hcc_history", ("cl", "20210914", "20220110", "<Space>", "y"))
    script.key("Down")  # no medical history
    form(script, "primary_tumour", ("r", "2", "64", "y", "vp3", "n", "c", "812"))
    script.key("Down")  # no prior treatment
    form(
        script,
        "baseline_liver",
        ("20230412", "19", "36", "1.12", "38", "51", "n", "n"),
    )
    script.key("Down").key("Down")  # no laboratory or genetic tests
    form(script, "baseline_imaging", ("20230410", "<Space>", "y", "n"))
    form(script, "treatment", ("20230417", "160"), ("d", "20230604", "pro"), ("",))
    # Cycle 1: its number, start (the first dose) and last dosing day are proposed.
    form(
        script,
        "cycles",
        ("", "", "160", "", "1"),
        ("20230412", "19", "36", "1.12", "38", "51", "n", "n"),
        ("",),
    )
    # Cycle 2: back to the cycles, into their table, Insert adds one.
    script.key("Up").key("Enter").key("Ins")
    script.until(wizard_for("cycles"), "a new cycle")
    fields(script, "", "", "160", "", "1")
    fields(script, "20230512", "24", "34", "1.2", "45", "60", "mi", "n")
    fields(script, "")
    script.until(window_active(CasebookWindow), "cycle 2 saved")
    form(script, "dose_changes", ("20230524", "red", "120", "adv"))
    form(script, "response_assessments", ("20230512", "", "ct", "recist", "pr", "n"))
    form(
        script,
        "adverse_events",
        ("hand", "3", "20230522", "20230605", "n", "prob", "red", "recovered"),
    )
    form(script, "progression", ("y", "20230601", "<Space>"))
    script.key("Down")  # no subsequent treatment
    form(script, "survival", ("de", "20231102", "20231102", "dis"))
    return script


EXPECTED: dict[str, list[dict[str, Value]]] = {
    "eligibility": [
        {
            "inc_age_18": "yes",
            "inc_hcc_diagnosed": "yes",
            "inc_bclc_b_c": "yes",
            "inc_regorafenib_dose": "yes",
            "inc_chart_available": "yes",
            "exc_interventional_trial": "no",
            "exc_other_malignancy": "no",
        }
    ],
    "identification": [
        {
            "full_name": "Liu Jianguo",
            "hospital_record_number": "ZY20230417",
            "date_of_birth": D(1961, 6, 2),
        }
    ],
    "demographics": [{"sex": "male", "height": 168.0, "weight": 61.5, "ecog": 1}],
    "hcc_history": [
        {
            "diagnosis_basis": "clinical",
            "hcc_diagnosis_date": D(2021, 9, 14),
            "advanced_diagnosis_date": D(2022, 1, 10),
            "aetiology": ("hbv",),
            "cirrhosis": "yes",
        }
    ],
    "primary_tumour": [
        {
            "tumour_site": "right_lobe",
            "lesion_count": "2",
            "largest_diameter": Quantity(64.0, "mm"),
            "macrovascular_invasion": "yes",
            "pvtt": "vp3",
            "extrahepatic_spread": "no",
            "bclc_stage": "C",
            "afp": Quantity(812.0, "ng/mL"),
        }
    ],
    "baseline_liver": [
        {
            "liver_date": D(2023, 4, 12),
            "bilirubin": Quantity(19.0, "umol/L"),
            "albumin": Quantity(36.0, "g/L"),
            "inr": 1.12,
            "alt": 38.0,
            "ast": 51.0,
            "ascites": "none",
            "encephalopathy": "none",
        }
    ],
    "baseline_imaging": [
        {
            "scan_date": D(2023, 4, 10),
            "modality": ("ct",),
            "measurable_lesion": "yes",
            "metastases": "no",
        }
    ],
    "treatment": [
        {
            "first_dose_date": D(2023, 4, 17),
            "initial_daily_dose": 160.0,
            "treatment_status": "discontinued",
            "last_dose_date": D(2023, 6, 4),
            "discontinuation_reason": "progression",
        }
    ],
    "cycles": [
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
        {
            "cycle_number": 2,
            "start_date": D(2023, 5, 15),
            "daily_dose": 160.0,
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
    ],
    "dose_changes": [
        {
            "change_date": D(2023, 5, 24),
            "method": "reduction",
            "new_daily_dose": 120.0,
            "reason": "adverse_event",
        }
    ],
    "response_assessments": [
        {
            "assessment_date": D(2023, 5, 12),
            "modality": "ct",
            "criteria": "recist_1_1",
            "overall_response": "PR",
            "new_lesions": "no",
        }
    ],
    "adverse_events": [
        {
            "term": "ppes",
            "grade": 3,
            "onset_date": D(2023, 5, 22),
            "resolution_date": D(2023, 6, 5),
            "serious": "no",
            "relation": "probable",
            "action": "reduced",
            "outcome": "recovered",
        }
    ],
    "progression": [
        {
            "progressed": "yes",
            "progression_date": D(2023, 6, 1),
            "pattern": ("intrahepatic_growth",),
        }
    ],
    "survival": [
        {
            "status": "dead",
            "last_follow_up_date": D(2023, 11, 2),
            "death_date": D(2023, 11, 2),
            "death_cause": "progression",
        }
    ],
}
