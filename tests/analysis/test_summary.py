"""Every figure of the summary against the hand-worked cohort of ``cohort.py``."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from rego_desktop.analysis import analyse, render_text, summarize
from rego_desktop.endpoints import DAYS_PER_MONTH
from tests.analysis.cohort import casebooks

Z = 1.959963984540054


def band(s: float, greenwood: float) -> tuple[float, float]:
    """Greenwood variance on the log(-log S) scale, as in design.md section 4."""
    centre = math.log(-math.log(s))
    half = Z * math.sqrt(greenwood) / -math.log(s)
    return math.exp(-math.exp(centre + half)), math.exp(-math.exp(centre - half))


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    return summarize(casebooks())


def test_patient_counts(summary: dict[str, Any]) -> None:
    assert summary["patients"] == {
        "enrolled": 10,
        "screen_failures": 1,
        "analysed": 7,
        "incomplete": 2,
    }


def test_overall_survival(summary: dict[str, Any]) -> None:
    os_ = summary["os"]
    assert (os_["n"], os_["events"], os_["censored"], os_["not_computable"]) == (6, 4, 2, 1)
    assert os_["median_months"] == pytest.approx(200 / 30.4375)
    assert os_["rate_6m"] == pytest.approx(5 / 6)
    assert os_["rate_6m_ci95"] == pytest.approx(band(5 / 6, 1 / (6 * 5)))
    assert os_["rate_12m"] == pytest.approx(5 / 24)
    # Greenwood: 1/(6*5) + 2/(4*2) + 1/(2*1)
    assert os_["rate_12m_ci95"] == pytest.approx(band(5 / 24, 1 / 30 + 2 / 8 + 1 / 2))
    # The lower band first drops to <= 0.5 at day 100 (S = 5/6: lower 0.273); the upper
    # band never does (at day 300 it is 0.595, and the curve ends there).
    assert band(5 / 6, 1 / 30)[0] < 0.5
    assert os_["ci95_months"] == [pytest.approx(100 / 30.4375), None]


def test_progression_free_survival(summary: dict[str, Any]) -> None:
    pfs = summary["pfs"]
    assert (pfs["n"], pfs["events"], pfs["censored"], pfs["not_computable"]) == (6, 5, 1, 1)
    assert pfs["median_months"] == pytest.approx(120 / DAYS_PER_MONTH)
    assert pfs["rate_6m"] == pytest.approx(2 / 5)
    greenwood_120 = 1 / (5 * 4) + 1 / (4 * 3) + 1 / (3 * 2)
    assert pfs["rate_6m_ci95"] == pytest.approx(band(2 / 5, greenwood_120))
    # Last time on the curve is day 300, before 12 months: no 12-month rate.
    assert pfs["rate_12m"] is None
    assert pfs["rate_12m_ci95"] is None
    # Lower band <= 0.5 from day 50 (S 0.8: lower 0.204); upper band <= 0.5 from day 300
    # (S 0.2: upper 0.52 at day 200 still above, S = 0 at day 300).
    assert band(0.8, 1 / 20)[0] < 0.5 < band(0.2, greenwood_120 + 1 / 2)[1]
    assert pfs["ci95_months"] == [
        pytest.approx(50 / DAYS_PER_MONTH),
        pytest.approx(300 / DAYS_PER_MONTH),
    ]


def test_time_to_progression(summary: dict[str, Any]) -> None:
    ttp = summary["ttp"]
    assert (ttp["n"], ttp["events"], ttp["censored"], ttp["not_computable"]) == (6, 3, 3, 1)
    assert ttp["median_months"] == pytest.approx(120 / DAYS_PER_MONTH)
    assert ttp["rate_6m"] == pytest.approx(4 / 15)
    greenwood = 1 / (5 * 4) + 1 / (3 * 2) + 1 / (2 * 1)
    assert ttp["rate_6m_ci95"] == pytest.approx(band(4 / 15, greenwood))
    assert ttp["rate_12m"] is None  # last time 290 days < 365.25
    assert ttp["ci95_months"] == [pytest.approx(50 / DAYS_PER_MONTH), None]


def test_response_rates_over_all_analysed_patients(summary: dict[str, Any]) -> None:
    # Exact intervals: R binom.test(2, 7) and binom.test(3, 7).
    assert summary["orr"]["n"] == 7
    assert summary["orr"]["responders"] == 2
    assert summary["orr"]["rate"] == pytest.approx(2 / 7)
    assert summary["orr"]["ci95"] == pytest.approx([0.03669257, 0.70957914], abs=1e-8)
    assert summary["dcr"]["responders"] == 3
    assert summary["dcr"]["rate"] == pytest.approx(3 / 7)
    assert summary["dcr"]["ci95"] == pytest.approx([0.09898828, 0.81594843], abs=1e-8)
    assert summary["best_response"] == {
        "n": 7,
        "CR": 1,
        "PR": 1,
        "SD": 1,
        "PD": 1,
        "NE": 1,
        "not_assessed": 2,
    }


def test_adverse_events_worst_grade_once_per_patient(summary: dict[str, Any]) -> None:
    table = {row["code"]: row for row in summary["adverse_events"]}
    assert set(table) == {"ppes", "hypertension", "diarrhea", "fatigue"}  # no anorexia
    assert table["ppes"]["term"] == "Palmar-plantar erythrodysesthesia syndrome"
    counts = {code: (r["any_grade"], r["grade_3_plus"]) for code, r in table.items()}
    assert counts == {"ppes": (2, 1), "hypertension": (2, 1), "diarrhea": (1, 1), "fatigue": (1, 0)}
    assert table["ppes"]["by_worst_grade"] == [0, 1, 1, 0, 0]
    assert table["diarrhea"]["by_worst_grade"] == [0, 0, 0, 0, 1]
    assert all(row["n"] == 7 for row in table.values())
    # Most frequent first, then alphabetically by code.
    assert [r["code"] for r in summary["adverse_events"]] == [
        "hypertension",
        "ppes",
        "diarrhea",
        "fatigue",
    ]


def test_dosing(summary: dict[str, Any]) -> None:
    dosing = summary["dosing"]
    assert dosing["n"] == 7
    assert dosing["initial_dose_mg"] == {"200": 1, "160": 4, "120": 1, "80": 1}
    assert list(dosing["initial_dose_mg"]) == ["200", "160", "120", "80"]
    assert dosing["initial_dose_unknown"] == 0
    assert dosing["cycles_median"] == 1.0
    assert dosing["rdi_n"] == 7
    assert dosing["rdi_median"] == pytest.approx(1.0)
    # type 7 quartiles of (0.381, 0.75, 0.833, 1, 1, 1, 1.25): positions 2.5 and 5.5
    assert dosing["rdi_iqr"] == pytest.approx([(0.75 + 2800 / 3360) / 2, 1.0])
    assert dosing["patients_with_reductions"] == 1
    assert dosing["patients_with_interruptions"] == 1
    assert dosing["patients_with_label_deviations"] == 1
    assert dosing["label_deviations_by_rule"] == {"dose.range": 1}


def test_typed_summary_keeps_the_curves() -> None:
    result = analyse(casebooks())
    os_ = result.endpoints["os"]
    assert os_.km is not None
    assert os_.km.timeline == (0.0, 100.0, 150.0, 200.0, 300.0, 400.0)
    assert os_.km.survival == pytest.approx((1, 5 / 6, 5 / 6, 5 / 12, 5 / 24, 5 / 24))
    assert os_.km.at_risk == (6, 6, 5, 4, 2, 1)
    assert os_.label == "Overall survival"
    rate = os_.rate(6)
    assert rate is not None
    assert rate.survival == pytest.approx(5 / 6)


def test_json_is_plain_data(summary: dict[str, Any]) -> None:
    again = json.loads(json.dumps(summary))
    assert again == summary
    for key in ("os", "pfs", "ttp"):
        assert {
            "n",
            "events",
            "median_months",
            "ci95_months",
            "rate_6m",
            "rate_12m",
        } <= set(summary[key])
    for key in ("orr", "dcr"):
        assert set(summary[key]) == {"n", "responders", "rate", "ci95"}
    assert {"term", "any_grade", "grade_3_plus"} <= set(summary["adverse_events"][0])


def test_no_patients() -> None:
    summary = summarize([])
    assert summary["patients"] == {
        "enrolled": 0,
        "screen_failures": 0,
        "analysed": 0,
        "incomplete": 0,
    }
    assert summary["os"]["n"] == 0
    assert summary["os"]["median_months"] is None
    assert summary["os"]["rate_6m"] is None
    assert summary["orr"] == {"n": 0, "responders": 0, "rate": None, "ci95": None}
    assert summary["adverse_events"] == []
    assert summary["dosing"]["rdi_median"] is None
    text = render_text(summary)
    os_line = next(line for line in text.splitlines() if line.startswith("OS "))
    assert os_line.split() == ["OS", "0", "0", "–", "–", "–"]
    assert "no analysed patients" in text
    assert "none reported" in text


def test_text_table_shows_every_figure_with_its_patients(summary: dict[str, Any]) -> None:
    text = render_text(summary)
    assert (
        "Patients: 10 enrolled, 1 screen failure (excluded), 7 analysed (eligible and "
        "treated), 2 not yet analysable" in text
    )
    lines = text.splitlines()
    os_line = next(line for line in lines if line.startswith("OS "))
    assert os_line.split()[:3] == ["OS", "6", "4"]
    assert "6.6 (3.3–NR)" in os_line
    assert "83.3% (27.3%–97.5%)" in os_line
    pfs_line = next(line for line in lines if line.startswith("PFS "))
    assert "beyond follow-up" in pfs_line
    assert "not in the OS figures: 1 analysed patient without the dates needed" in text
    assert "ORR      2 / 7       28.6%   95% CI 3.7%–71.0% (exact)" in text
    assert "DCR      3 / 7       42.9%" in text
    assert "n = 7 analysed" in text
    ppes = next(line for line in lines if "Palmar-plantar" in line)
    assert ppes.split()[-4:] == ["2", "(28.6%)", "1", "(14.3%)"]
    assert "160 mg 4 (57.1%)" in text
    assert "100% (IQR 79%–100%; n = 7)" in text
    assert "Daily dose outside 80–160 mg" in text


def test_label_deviations_are_named_not_coded(summary: dict[str, Any]) -> None:
    line = next(line for line in render_text(summary).splitlines() if "80–160" in line)
    assert line.split() == ["Daily", "dose", "outside", "80–160", "mg", "1"]


def test_every_label_deviation_rule_has_a_name_in_both_languages() -> None:
    from rego_desktop.rules.dosing_rules import DEVIATION_NAMES, RULE_SEVERITY, deviation_name

    deviations = {rule for rule, severity in RULE_SEVERITY.items() if severity == "deviation"}
    assert set(DEVIATION_NAMES) == deviations
    for rule in deviations:
        assert deviation_name(rule, "en") != rule
        assert deviation_name(rule, "zh_CN") != deviation_name(rule, "en")
