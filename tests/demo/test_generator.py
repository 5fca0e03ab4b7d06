"""Demo data written through the patient service: stored, consistent, deterministic.

The date and label checks here are written independently of the generator, from
design.md sections 2-3; the planted deviations are confirmed with the project's own
dosing rules (``rego_desktop.rules.dosing.check_dosing``).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from rego_desktop.casebook import PatientStatus
from rego_desktop.crypto.keyslots import ScryptParams
from rego_desktop.demo import generator
from rego_desktop.demo.generator import DemoReport, generate
from rego_desktop.demo.patient import DATA_CUT, FAILING_ANSWERS, synthesize
from rego_desktop.rules.dates import age_at
from rego_desktop.rules.dosing import (
    ChangeMethod,
    CycleStart,
    DoseChange,
    DosingHistory,
    check_dosing,
)
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study import CURRENT
from rego_desktop.study.values import Value

KDF = ScryptParams(n=2**14)
PASSWORD = "Correct-horse-42"
SEED = 11
PATIENTS = 240
SAMPLE = 200
LABEL_DOSES = {80.0, 120.0, 160.0}
DEVIATION_RULES = {
    "dose.range",
    "dose.tablet",
    "cycle.dosing_days",
    "cycle.off_days",
    "cycle.early_start",
}

METHODS: dict[str, ChangeMethod] = {
    "reduction": "reduction",
    "escalation": "escalation",
    "interruption": "interruption",
    "restart": "restart",
}

Rows = Sequence[Mapping[str, Value]]
Forms = Mapping[str, Rows]


def new_study(folder: Path, name: str = "site.rego") -> OpenStudy:
    return create_study(folder / name, "BJ01", "admin", PASSWORD, kdf=KDF).study


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OpenStudy, DemoReport]]:
    study = new_study(tmp_path_factory.mktemp("demo"))
    report = generate(study, PATIENTS, seed=SEED)
    yield study, report
    study.close()


@pytest.fixture(scope="module")
def stored(demo: tuple[OpenStudy, DemoReport]) -> dict[str, dict[str, list[Mapping[str, Value]]]]:
    """Every subject's decrypted casebook as {form id: [values, ...]}."""
    study, report = demo
    service = PatientService(study)
    out: dict[str, dict[str, list[Mapping[str, Value]]]] = {}
    for code in report.subject_codes:
        book = service.casebook(code)
        out[code] = {fid: [e.values for e in entries] for fid, entries in book.entries.items()}
    return out


def as_forms(
    forms: Sequence[tuple[str, Mapping[str, Value]]],
) -> dict[str, list[Mapping[str, Value]]]:
    out: dict[str, list[Mapping[str, Value]]] = {}
    for form_id, values in forms:
        out.setdefault(form_id, []).append(values)
    return out


def canonical(forms: Forms) -> dict[str, list[str]]:
    """Order-free comparable text of every record (entries of a form as a sorted list)."""
    return {
        fid: sorted(repr(sorted(values.items())) for values in rows) for fid, rows in forms.items()
    }


def one(forms: Forms, form_id: str) -> Mapping[str, Value]:
    rows = forms.get(form_id, [])
    return rows[0] if rows else {}


def get_date(values: Mapping[str, Value], key: str) -> date | None:
    value = values.get(key)
    return value if isinstance(value, date) else None


def need_date(values: Mapping[str, Value], key: str) -> date:
    value = values.get(key)
    assert isinstance(value, date), f"{key} is {value!r}"
    return value


def number(values: Mapping[str, Value], key: str) -> float:
    value = values.get(key)
    assert isinstance(value, int | float), f"{key} is {value!r}"
    return float(value)


def cycles_of(forms: Forms) -> list[Mapping[str, Value]]:
    return sorted(forms.get("cycles", []), key=lambda c: number(c, "cycle_number"))


# --- the oracles ------------------------------------------------------------------


def date_problems(forms: Forms) -> list[str]:
    """Every way the dates of one eligible patient could contradict each other."""
    problems: list[str] = []

    def bad(text: str) -> None:
        problems.append(text)

    first = need_date(one(forms, "treatment"), "first_dose_date")
    birth = need_date(one(forms, "identification"), "date_of_birth")
    survival = one(forms, "survival")
    death = get_date(survival, "death_date")
    last_seen = need_date(survival, "last_follow_up_date")
    if not 30 <= age_at(birth, first) <= 95:
        bad(f"age {age_at(birth, first)} at first dose")

    every: list[tuple[str, date]] = []
    for form_id, rows in forms.items():
        form = CURRENT.form(form_id)
        for row in rows:
            for f in form.fields:
                value = row.get(f.id)
                if not isinstance(value, date):
                    continue
                where = f"{form_id}.{f.id} {value}"
                every.append((f"{form_id}.{f.id}", value))
                if f.before_first_dose and not value < first:
                    bad(f"{where} is not before the first dose {first}")
                if f.after_first_dose and not value >= first:
                    bad(f"{where} is before the first dose {first}")
                if value > DATA_CUT:
                    bad(f"{where} is after the data cut-off")
                if f.id != "date_of_birth" and value <= birth:
                    bad(f"{where} is not after birth")

    # Death and follow-up bound everything.
    if survival.get("status") == "dead":
        if death is None:
            bad("dead without a date of death")
        else:
            bad_dates = [f"{k} {v}" for k, v in every if v > death]
            if bad_dates:
                bad(f"after death {death}: {bad_dates}")
    elif death is not None:
        bad("date of death for a patient not dead")
    later = [f"{k} {v}" for k, v in every if k != "survival.death_date" and v > last_seen]
    if later:
        bad(f"after the last follow-up {last_seen}: {later}")

    # Ends on or after starts.
    pairs = {
        "prior_treatments": ("start_date", "end_date"),
        "medical_history": ("start_date", "end_date"),
        "subsequent_treatments": ("start_date", "end_date"),
        "adverse_events": ("onset_date", "resolution_date"),
        "cycles": ("start_date", "dosing_end_date"),
    }
    for form_id, (start_key, end_key) in pairs.items():
        for row in forms.get(form_id, []):
            start, end = get_date(row, start_key), get_date(row, end_key)
            if start is not None and end is not None and end < start:
                bad(f"{form_id}: {end_key} {end} before {start_key} {start}")

    # Before day 1: history, prior regimens, baseline.
    history = one(forms, "hcc_history")
    diagnosed = need_date(history, "hcc_diagnosis_date")
    advanced = need_date(history, "advanced_diagnosis_date")
    priors = forms.get("prior_treatments", [])
    if not priors:
        bad("no prior regimen")
    if not diagnosed <= advanced:
        bad(f"advanced-stage diagnosis {advanced} before HCC diagnosis {diagnosed}")
    for row in priors:
        if need_date(row, "start_date") < advanced:
            bad(f"prior regimen starts {row['start_date']} before advanced stage {advanced}")
        if not need_date(row, "end_date") < first:
            bad(f"prior regimen ends {row['end_date']} on or after the first dose")
    lines = sorted(priors, key=lambda r: number(r, "line"))
    if [number(r, "line") for r in lines] != [float(n) for n in range(1, len(lines) + 1)]:
        bad("prior lines not numbered 1..n")
    for earlier, following in pairwise(lines):
        if not need_date(earlier, "end_date") < need_date(following, "start_date"):
            bad("prior lines overlap")
    for row in forms.get("medical_history", []):
        for key in ("start_date", "end_date"):
            when = get_date(row, key)
            if when is not None and not when < first:
                bad(f"medical history {key} {when} not before the first dose")
    for row in forms.get("genetic_tests", []):
        if not need_date(row, "test_date") < first:
            bad("genetic test after the first dose")
    samples = [need_date(r, "sample_date") for r in forms.get("lab_tests", [])]
    if sum(1 for s in samples if s < first) != 1:
        bad(f"expected one baseline lab sample, got {samples}")
    if first in samples:
        bad("lab sample on day 1 is neither before nor after the first dose")

    # Treatment period.
    treatment = one(forms, "treatment")
    cycles = cycles_of(forms)
    if not cycles:
        bad("no cycle")
        return problems
    if [number(c, "cycle_number") for c in cycles] != [float(n) for n in range(1, len(cycles) + 1)]:
        bad("cycles not numbered 1..n")
    if need_date(cycles[0], "start_date") != first:
        bad("cycle 1 does not start on the first dose")
    for cycle in cycles:
        if need_date(cycle, "liver_date") > need_date(cycle, "start_date"):
            bad(f"cycle {cycle['cycle_number']} liver tests after the cycle start")
    for current, following in pairwise(cycles):
        if not need_date(current, "dosing_end_date") < need_date(following, "start_date"):
            bad(f"cycle {current['cycle_number']} dosing runs into the next cycle")
    windows = [(need_date(c, "start_date"), need_date(c, "dosing_end_date")) for c in cycles]
    changes = [need_date(r, "change_date") for r in forms.get("dose_changes", [])]
    for on in changes:
        if not any(start < on <= end for start, end in windows):
            bad(f"dose change {on} outside every dosing window")
    last_dose = get_date(treatment, "last_dose_date")
    if treatment.get("treatment_status") == "discontinued":
        if last_dose is None:
            bad("discontinued without a last dose date")
        elif last_dose != max(end for _, end in windows):
            bad(f"last dose {last_dose} is not the last dosing day {windows[-1][1]}")
    elif forms.get("subsequent_treatments"):
        bad("subsequent treatment while regorafenib is ongoing")
    for row in forms.get("subsequent_treatments", []):
        if last_dose is not None and not need_date(row, "start_date") > last_dose:
            bad("subsequent treatment starts before the last regorafenib dose")

    # Assessments and progression.
    visits = sorted(
        forms.get("response_assessments", []), key=lambda r: need_date(r, "assessment_date")
    )
    for row in visits:
        imaged = get_date(row, "imaging_date")
        if imaged is not None and imaged > need_date(row, "assessment_date"):
            bad("imaging after its assessment")
    pd = [need_date(r, "assessment_date") for r in visits if r.get("overall_response") == "PD"]
    progression = one(forms, "progression")
    if progression.get("progressed") == "yes":
        if pd != [get_date(progression, "progression_date")]:
            bad(f"progression {progression.get('progression_date')} is not the one PD visit {pd}")
        elif need_date(visits[-1], "assessment_date") != pd[0]:
            bad("assessments after progression")
    elif pd:
        bad("PD assessment without documented progression")

    # A grade 5 event is the death.
    for event in forms.get("adverse_events", []):
        if event.get("grade") == 5:
            onset = need_date(event, "onset_date")
            if death is None or death < onset or survival.get("death_cause") != "adverse_event":
                bad(f"grade 5 event on {onset} without a death from it")
            if event.get("outcome") != "fatal":
                bad("grade 5 event not fatal")
    return problems


def label_problems(forms: Forms) -> list[str]:
    """Departures from the regorafenib label, checked directly on the stored values."""
    problems: list[str] = []
    doses = [number(one(forms, "treatment"), "initial_daily_dose")]
    cycles = cycles_of(forms)
    doses += [number(c, "daily_dose") for c in cycles]
    doses += [
        number(c, "new_daily_dose")
        for c in forms.get("dose_changes", [])
        if c.get("new_daily_dose") is not None
    ]
    problems += [f"daily dose {d:g} mg" for d in doses if d not in LABEL_DOSES]
    for cycle in cycles:
        start, end = need_date(cycle, "start_date"), need_date(cycle, "dosing_end_date")
        if end > start + timedelta(days=20):
            problems.append(
                f"cycle {cycle['cycle_number']} dosed until day {(end - start).days + 1}"
            )
    for current, following in pairwise(cycles):
        gap = (need_date(following, "start_date") - need_date(current, "start_date")).days
        if gap < 28:
            problems.append(f"cycle {following['cycle_number']} starts on day {gap + 1}")
    return problems


def dosing_history(code: str, forms: Forms) -> DosingHistory:
    treatment = one(forms, "treatment")
    initial = treatment.get("initial_daily_dose")
    cycles = tuple(
        CycleStart(
            int(number(c, "cycle_number")),
            need_date(c, "start_date"),
            number(c, "daily_dose"),
            need_date(c, "dosing_end_date"),
        )
        for c in forms.get("cycles", [])
    )
    changes: list[DoseChange] = []
    for row in forms.get("dose_changes", []):
        dose = row.get("new_daily_dose")
        method = METHODS[str(row.get("method"))]
        changes.append(
            DoseChange(
                need_date(row, "change_date"),
                method,
                float(dose) if isinstance(dose, int | float) else None,
            )
        )
    return DosingHistory(
        code,
        need_date(treatment, "first_dose_date"),
        float(initial) if isinstance(initial, int | float) else None,
        cycles,
        tuple(changes),
        get_date(treatment, "last_dose_date"),
    )


# --- stored data ----------------------------------------------------------------------


def test_every_synthesized_record_is_stored_as_generated(
    demo: tuple[OpenStudy, DemoReport], stored: dict[str, dict[str, list[Mapping[str, Value]]]]
) -> None:
    study, report = demo
    assert PatientService(study).subject_codes() == list(report.subject_codes)
    assert report.subject_codes[0] == "BJ01-0001"
    assert report.records == sum(len(rows) for forms in stored.values() for rows in forms.values())
    for index, code in enumerate(report.subject_codes):
        expected = as_forms(synthesize(SEED, index).forms)
        assert canonical(stored[code]) == canonical(expected), code


def test_same_seed_gives_identical_casebooks_and_another_seed_does_not(tmp_path: Path) -> None:
    books: list[dict[str, dict[str, list[str]]]] = []
    for name, seed in (("a.rego", 5), ("b.rego", 5), ("c.rego", 6)):
        study = new_study(tmp_path, name)
        try:
            report = generate(study, 25, seed=seed)
            service = PatientService(study)
            books.append(
                {
                    code: canonical(
                        {
                            f: [e.values for e in es]
                            for f, es in service.casebook(code).entries.items()
                        }
                    )
                    for code in report.subject_codes
                }
            )
        finally:
            study.close()
    assert books[0] == books[1]
    assert len(books[0]) == 25
    assert books[0] != books[2]
    assert all(books[0][code] != books[2][code] for code in books[0])


def test_dates_are_consistent_in_a_sample_of_200_stored_patients(
    demo: tuple[OpenStudy, DemoReport], stored: dict[str, dict[str, list[Mapping[str, Value]]]]
) -> None:
    _, report = demo
    sample = report.subject_codes[:SAMPLE]
    checked = 0
    for code in sample:
        if code in {s.subject_code for s in report.screen_failures}:
            continue
        assert date_problems(stored[code]) == [], code
        checked += 1
    assert checked >= 0.9 * SAMPLE


def test_the_oracle_catches_inconsistent_dates(
    stored: dict[str, dict[str, list[Mapping[str, Value]]]], demo: tuple[OpenStudy, DemoReport]
) -> None:
    _, report = demo
    code = next(c for c in report.eligible if stored[c].get("subsequent_treatments"))
    forms = {fid: [dict(v) for v in rows] for fid, rows in stored[code].items()}
    first = need_date(forms["treatment"][0], "first_dose_date")
    forms["prior_treatments"][0]["end_date"] = first + timedelta(days=3)
    forms["survival"][0]["last_follow_up_date"] = first + timedelta(days=1)
    found = " | ".join(date_problems(forms))
    assert "prior regimen ends" in found
    assert "after the last follow-up" in found


def test_edit_checks_find_exactly_the_planted_deviations(
    demo: tuple[OpenStudy, DemoReport], stored: dict[str, dict[str, list[Mapping[str, Value]]]]
) -> None:
    _, report = demo
    assert report.deviations, "no deviation planted"
    found: set[tuple[str, str, int]] = set()
    for code in report.eligible:
        summary = check_dosing(dosing_history(code, stored[code]))
        assert summary.with_severity("error") == (), code
        assert summary.with_severity("warning") == (), code
        for finding in summary.findings:
            assert finding.cycle is not None
            found.add((code, finding.rule, finding.cycle))
    assert found == report.deviation_keys()
    assert {rule for _, rule, _ in found} <= DEVIATION_RULES


def test_patients_without_planted_deviations_follow_the_label(
    demo: tuple[OpenStudy, DemoReport], stored: dict[str, dict[str, list[Mapping[str, Value]]]]
) -> None:
    _, report = demo
    assert len(report.conformant) > 0.85 * len(report.eligible)
    for code in report.conformant:
        assert label_problems(stored[code]) == [], code
    for code in report.deviating:
        assert label_problems(stored[code]) != [], code


def test_each_planted_deviation_is_visible_in_the_stored_cycle(
    demo: tuple[OpenStudy, DemoReport], stored: dict[str, dict[str, list[Mapping[str, Value]]]]
) -> None:
    _, report = demo
    for deviation in report.deviations:
        forms = stored[deviation.subject_code]
        cycles = {int(number(c, "cycle_number")): c for c in forms["cycles"]}
        cycle = cycles[deviation.cycle]
        start = need_date(cycle, "start_date")
        end = need_date(cycle, "dosing_end_date")
        doses_in_cycle = [number(cycle, "daily_dose")] + [
            number(c, "new_daily_dose")
            for c in forms.get("dose_changes", [])
            if c.get("new_daily_dose") is not None and start < need_date(c, "change_date") <= end
        ]
        if deviation.rule_id == "dose.range":
            assert 200.0 in doses_in_cycle, deviation
        elif deviation.rule_id == "dose.tablet":
            assert 100.0 in doses_in_cycle, deviation
        elif deviation.rule_id in ("cycle.dosing_days", "cycle.off_days"):
            assert (end - start).days + 1 in (22, 23, 24, 25), deviation
        else:
            assert deviation.rule_id == "cycle.early_start"
            previous = need_date(cycles[deviation.cycle - 1], "start_date")
            assert (start - previous).days + 1 == 24, deviation


def test_screen_failures_have_one_failed_criterion_and_nothing_else(
    demo: tuple[OpenStudy, DemoReport], stored: dict[str, dict[str, list[Mapping[str, Value]]]]
) -> None:
    study, report = demo
    assert report.screen_failures
    service = PatientService(study)
    failed_codes = {s.subject_code for s in report.screen_failures}
    for failure in report.screen_failures:
        forms = stored[failure.subject_code]
        answers = one(forms, "eligibility")
        failing = [k for k, bad in FAILING_ANSWERS.items() if answers.get(k) == bad]
        assert failing == [failure.criterion]
        assert answers[failure.criterion] == failure.answer
        assert set(forms) == {"eligibility", "identification", "demographics"}
        book = service.casebook(failure.subject_code)
        assert book.screen_failed()
        assert book.status() is PatientStatus.SCREEN_FAILURE
    for code in report.subject_codes:
        if code not in failed_codes:
            answers = one(stored[code], "eligibility")
            assert not [k for k, bad in FAILING_ANSWERS.items() if answers.get(k) == bad]
            assert "treatment" in stored[code]


def test_deaths_lost_and_progressed_in_the_report_match_the_casebooks(
    demo: tuple[OpenStudy, DemoReport], stored: dict[str, dict[str, list[Mapping[str, Value]]]]
) -> None:
    _, report = demo
    dead = {d.subject_code: d for d in report.deaths}
    assert dead
    assert report.progressed
    for code in report.eligible:
        survival = one(stored[code], "survival")
        if code in dead:
            assert survival["status"] == "dead"
            assert survival["death_date"] == dead[code].on
            assert survival["death_cause"] == dead[code].cause
            grade_5 = [e for e in stored[code].get("adverse_events", []) if e["grade"] == 5]
            assert bool(grade_5) == dead[code].fatal_adverse_event
        else:
            assert survival["status"] == ("lost" if code in report.lost_to_follow_up else "alive")
        progressed = one(stored[code], "progression")["progressed"]
        assert progressed == ("yes" if code in report.progressed else "no")


def test_identification_looks_real_and_is_unique(
    demo: tuple[OpenStudy, DemoReport], stored: dict[str, dict[str, list[Mapping[str, Value]]]]
) -> None:
    _, report = demo
    names = [one(stored[c], "identification")["full_name"] for c in report.subject_codes]
    numbers = [
        one(stored[c], "identification")["hospital_record_number"] for c in report.subject_codes
    ]
    assert all(isinstance(n, str) and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", n) for n in names)
    assert len(set(numbers)) == len(numbers)
    assert all(isinstance(n, str) and re.fullmatch(r"ZY\d{8}", n) for n in numbers)
    assert len(set(names)) > 0.8 * len(names)


def test_thousands_of_synthesized_patients_are_consistent_and_planted_exactly() -> None:
    """The same oracles over 3,000 patients of another seed, without the database."""
    planted = 0
    for index in range(3000):
        patient = synthesize(3, index)
        if patient.screen_failure is not None:
            continue
        forms = as_forms(patient.forms)
        assert date_problems(forms) == [], index
        summary = check_dosing(dosing_history(f"S{index}", forms))
        found = {(f.rule, f.cycle) for f in summary.findings}
        assert found == {(p.rule, p.cycle) for p in patient.planted}, index
        assert (label_problems(forms) == []) == (not patient.planted), index
        planted += bool(patient.planted)
    assert planted > 100


# --- the API --------------------------------------------------------------------------


def test_progress_is_reported_after_each_committed_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generator, "BATCH_SIZE", 2)
    calls: list[tuple[int, int]] = []
    study = new_study(tmp_path)
    try:
        report = generate(
            study, 5, seed=2, progress=lambda done, total: calls.append((done, total))
        )
        assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]
        assert report.patients == 5
        assert len(PatientService(study).subject_codes()) == 5
    finally:
        study.close()


def test_generating_again_adds_different_patients(tmp_path: Path) -> None:
    study = new_study(tmp_path)
    try:
        first = generate(study, 3, seed=4)
        second = generate(study, 3, seed=4)
        assert first.subject_codes == ("BJ01-0001", "BJ01-0002", "BJ01-0003")
        assert second.subject_codes == ("BJ01-0004", "BJ01-0005", "BJ01-0006")
        service = PatientService(study)
        names = {
            service.casebook(code).value("identification", "hospital_record_number")
            for code in first.subject_codes + second.subject_codes
        }
        assert len(names) == 6
    finally:
        study.close()


def test_a_negative_patient_count_is_refused(tmp_path: Path) -> None:
    study = new_study(tmp_path)
    try:
        with pytest.raises(ValueError, match="between 0 and"):
            generate(study, -1)
        assert generate(study, 0).patients == 0
    finally:
        study.close()


def test_report_summary_counts(demo: tuple[OpenStudy, DemoReport]) -> None:
    _, report = demo
    text = report.summary()
    assert f"{PATIENTS} patients (seed {SEED})" in text
    assert f"{len(report.screen_failures)} screen failures" in text
    assert (
        f"{len(report.deviations)} planted deviations in {len(report.deviating)} patients" in text
    )
    rules = Counter(d.rule_id for d in report.deviations)
    assert all(f"{rule} {n}" in text for rule, n in rules.items())


@pytest.mark.slow
def test_a_thousand_patients_are_written_in_well_under_two_minutes(tmp_path: Path) -> None:
    study = new_study(tmp_path)
    try:
        started = time.perf_counter()
        report = generate(study, 1000, seed=1)
        elapsed = time.perf_counter() - started
        assert report.patients == 1000
        assert len(PatientService(study).subject_codes()) == 1000
        # About 25 s on a developer laptop; the bound catches super-linear slow-downs.
        assert elapsed < 120, f"1000 patients took {elapsed:.0f} s"
    finally:
        study.close()
