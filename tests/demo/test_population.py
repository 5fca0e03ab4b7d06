"""The synthetic population looks like a Chinese regorafenib HCC cohort.

Proportions are checked on 3,000 synthesized patients (no database needed) against
ranges wide enough for sampling noise and narrow enough to catch a wrong mix.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from datetime import date
from itertools import pairwise

import pytest

from rego_desktop.demo.patient import SyntheticPatient, synthesize
from rego_desktop.rules.dates import age_at
from rego_desktop.rules.derived import Computed
from rego_desktop.rules.scores import child_pugh
from rego_desktop.study.values import Quantity, Value

COHORT = 3000
SEED = 21


@pytest.fixture(scope="module")
def cohort() -> list[SyntheticPatient]:
    return [synthesize(SEED, index) for index in range(COHORT)]


@pytest.fixture(scope="module")
def eligible(cohort: list[SyntheticPatient]) -> list[SyntheticPatient]:
    return [p for p in cohort if p.screen_failure is None]


def single(patient: SyntheticPatient, form_id: str) -> Mapping[str, Value]:
    (values,) = patient.form(form_id)
    return values


def share(hits: int, total: int) -> float:
    return hits / total


def first_dose(patient: SyntheticPatient) -> date:
    value = single(patient, "treatment")["first_dose_date"]
    assert isinstance(value, date)
    return value


def quantity(values: Mapping[str, Value], key: str) -> Quantity:
    value = values[key]
    assert isinstance(value, Quantity)
    return value


def test_screen_failures_are_about_five_percent(cohort: list[SyntheticPatient]) -> None:
    failures = [p for p in cohort if p.screen_failure is not None]
    assert 0.03 <= share(len(failures), COHORT) <= 0.07
    assert len({p.screen_failure for p in failures}) >= 4


def test_mostly_men_hbv_and_bclc_c(eligible: list[SyntheticPatient]) -> None:
    n = len(eligible)
    men = sum(single(p, "demographics")["sex"] == "male" for p in eligible)
    assert 0.81 <= share(men, n) <= 0.89
    aetiologies = [single(p, "hcc_history")["aetiology"] for p in eligible]
    hbv = sum(isinstance(a, tuple) and "hbv" in a for a in aetiologies)
    assert 0.75 <= share(hbv, n) <= 0.88
    assert {code for a in aetiologies if isinstance(a, tuple) for code in a} == {
        "hbv",
        "hcv",
        "alcohol",
        "masld",
        "other",
    }
    stages = Counter(single(p, "primary_tumour")["bclc_stage"] for p in eligible)
    assert set(stages) == {"B", "C"}
    assert 0.70 <= share(stages["C"], n) <= 0.95


def test_ages_30_to_85_with_a_few_over_89(eligible: list[SyntheticPatient]) -> None:
    ages = []
    for p in eligible:
        birth = single(p, "identification")["date_of_birth"]
        assert isinstance(birth, date)
        ages.append(age_at(birth, first_dose(p)))
    over_89 = [a for a in ages if a > 89]
    assert all(30 <= a <= 85 or 90 <= a <= 95 for a in ages)
    assert 5 <= len(over_89) <= 0.03 * len(ages)
    assert 52 <= statistics.median(ages) <= 62


def test_child_pugh_a_mostly_some_b_and_both_lab_units(eligible: list[SyntheticPatient]) -> None:
    classes: Counter[str] = Counter()
    bilirubin_units: Counter[str] = Counter()
    albumin_units: Counter[str] = Counter()
    for p in eligible:
        liver = single(p, "baseline_liver")
        bilirubin, albumin = quantity(liver, "bilirubin"), quantity(liver, "albumin")
        bilirubin_units[bilirubin.unit] += 1
        albumin_units[albumin.unit] += 1
        inr = liver["inr"]
        ascites, encephalopathy = liver["ascites"], liver["encephalopathy"]
        assert isinstance(inr, float)
        assert isinstance(ascites, str)
        assert isinstance(encephalopathy, str)
        score = child_pugh(
            bilirubin.value,
            bilirubin.unit,
            albumin.value,
            albumin.unit,
            inr,
            ascites,
            encephalopathy,
        )
        assert isinstance(score, Computed)
        classes[score.value.class_] += 1
    n = len(eligible)
    assert set(classes) == {"A", "B"}
    assert 0.78 <= share(classes["A"], n) <= 0.92
    for units in (bilirubin_units, albumin_units):
        assert len(units) == 2
        assert min(units.values()) >= 0.15 * n


def test_regorafenib_mostly_second_line_after_the_usual_first_lines(
    eligible: list[SyntheticPatient],
) -> None:
    prior_counts = Counter(len(p.form("prior_treatments")) for p in eligible)
    assert 0.75 <= share(prior_counts[1], len(eligible)) <= 0.85
    assert prior_counts[2] > 0
    assert prior_counts[3] > 0
    first_lines = Counter(
        row["regimen"] for p in eligible for row in p.form("prior_treatments") if row["line"] == 1
    )
    top = {regimen for regimen, _ in first_lines.most_common(3)}
    assert top == {"sorafenib", "lenvatinib", "atezolizumab_bevacizumab"}
    for p in eligible:
        for row in p.form("prior_treatments"):
            start = row["start_date"]
            assert isinstance(start, date)
            if row["regimen"] == "atezolizumab_bevacizumab":
                assert start >= date(2020, 10, 1)


def test_initial_doses_cycles_and_dose_changes(eligible: list[SyntheticPatient]) -> None:
    n = len(eligible)
    initial = Counter(single(p, "treatment")["initial_daily_dose"] for p in eligible)
    assert set(initial) == {80.0, 120.0, 160.0}
    assert 0.62 <= share(initial[160.0], n) <= 0.74
    redos = [
        p
        for p in eligible
        if [(c["method"], c.get("new_daily_dose"), c["reason"]) for c in p.form("dose_changes")][:2]
        == [
            ("escalation", 120.0, "planned_escalation"),
            ("escalation", 160.0, "planned_escalation"),
        ]
    ]
    assert 0.05 <= share(len(redos), n) <= 0.20

    cycles = [len(p.form("cycles")) for p in eligible]
    assert min(cycles) == 1
    assert max(cycles) == 20
    assert 2 <= statistics.median(cycles) <= 8

    methods = Counter(c["method"] for p in eligible for c in p.form("dose_changes"))
    assert methods["reduction"] > 0.1 * n
    assert methods["interruption"] > 0.05 * n
    assert methods["restart"] >= methods["interruption"]
    steps = Counter(
        (before, c.get("new_daily_dose"))
        for p in eligible
        for before, c in _levels_before_changes(p)
        if c["method"] == "reduction"
    )
    assert steps[(160.0, 120.0)] > 0
    assert steps[(120.0, 80.0)] > 0

    delays = [(b - a).days for p in eligible for a, b in _consecutive_starts(p)]
    assert 0.05 <= share(sum(d > 28 for d in delays), len(delays)) <= 0.25


def _consecutive_starts(p: SyntheticPatient) -> list[tuple[date, date]]:
    starts = [c["start_date"] for c in p.form("cycles")]
    dates = [s for s in starts if isinstance(s, date)]
    return list(pairwise(dates))


def _levels_before_changes(
    p: SyntheticPatient,
) -> list[tuple[Value, Mapping[str, Value]]]:
    """(dose in force just before the change, change) for every dose change."""
    events: list[tuple[date, int, Mapping[str, Value]]] = []
    for c in p.form("cycles"):
        assert isinstance(c["start_date"], date)
        events.append((c["start_date"], 0, c))
    for c in p.form("dose_changes"):
        assert isinstance(c["change_date"], date)
        events.append((c["change_date"], 1, c))
    events.sort(key=lambda e: (e[0], e[1]))
    level: Value = single(p, "treatment")["initial_daily_dose"]
    out: list[tuple[Value, Mapping[str, Value]]] = []
    for _, kind, row in events:
        if kind == 0:
            level = row["daily_dose"]
            continue
        out.append((level, row))
        if row.get("new_daily_dose") is not None:
            level = row["new_daily_dose"]
    return out


def test_responses_adverse_events_and_outcomes(eligible: list[SyntheticPatient]) -> None:
    n = len(eligible)
    responses = Counter(
        r["overall_response"] for p in eligible for r in p.form("response_assessments")
    )
    assert set(responses) == {"CR", "PR", "SD", "PD", "NE"}
    criteria = Counter(r["criteria"] for p in eligible for r in p.form("response_assessments"))
    assert set(criteria) == {"recist_1_1", "mrecist"}

    grades = Counter(e["grade"] for p in eligible for e in p.form("adverse_events"))
    assert set(grades) == {1, 2, 3, 4, 5}
    terms = Counter(e["term"] for p in eligible for e in p.form("adverse_events"))
    assert terms.most_common(1)[0][0] == "ppes"
    assert {"hypertension", "diarrhea", "fatigue", "bilirubin_increased"} <= set(terms)
    fatal = [p for p in eligible if any(e["grade"] == 5 for e in p.form("adverse_events"))]
    assert 0.005 <= share(len(fatal), n) <= 0.04
    assert all(p.death is not None and p.death.fatal_adverse_event for p in fatal)

    assert 0.70 <= share(sum(p.progressed for p in eligible), n) <= 0.90
    assert 0.02 <= share(sum(p.lost for p in eligible), n) <= 0.08
    dead = share(sum(p.death is not None for p in eligible), n)
    alive = share(sum(single(p, "survival")["status"] == "alive" for p in eligible), n)
    assert 0.6 <= dead <= 0.9
    assert 0.05 <= alive <= 0.35
    with_next = share(sum(bool(p.form("subsequent_treatments")) for p in eligible), n)
    assert 0.15 <= with_next <= 0.50
    status = Counter(single(p, "treatment")["treatment_status"] for p in eligible)
    assert status["ongoing"] > 0
    assert status["discontinued"] > 0.8 * n


def test_first_doses_spread_over_2019_to_2024(eligible: list[SyntheticPatient]) -> None:
    years = Counter(first_dose(p).year for p in eligible)
    assert set(years) == set(range(2019, 2025))
    assert min(years.values()) > 0.12 * len(eligible)


def test_planted_deviations_in_five_to_ten_percent_with_every_rule(
    eligible: list[SyntheticPatient],
) -> None:
    planted = [p for p in eligible if p.planted]
    assert 0.05 <= share(len(planted), len(eligible)) <= 0.10
    rules = Counter(rule.rule for p in planted for rule in p.planted)
    assert set(rules) == {
        "dose.range",
        "dose.tablet",
        "cycle.dosing_days",
        "cycle.off_days",
        "cycle.early_start",
    }
    # a long cycle is reported twice: too many dosing days, and dosing in days 22-28
    for p in planted:
        keys = {(r.rule, r.cycle) for r in p.planted}
        for rule, cycle in keys:
            if rule == "cycle.dosing_days":
                assert ("cycle.off_days", cycle) in keys
