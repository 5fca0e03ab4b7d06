"""The checks against the demo generator: exactly the planted deviations, nothing spurious.

The generator (:mod:`rego_desktop.demo`) writes realistic patients through the patient
service and reports the label deviations it planted, by subject, rule and cycle. Every
other treated patient follows the label, so any other deviation, and any error, would be
a rule firing where it should not. The only soft findings the demo holds on purpose are
response assessments without an imaging date (about one in ten is written without one).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rego_desktop.demo import DemoReport, generate
from rego_desktop.services.patients import PatientService
from rego_desktop.services.queries import QueryRow, QueryService
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, FAST_KDF, PASSWORD

PATIENTS = 300
EXPECTED_WARNINGS = {"response.imaging_date_missing"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OpenStudy, DemoReport]]:
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGO_DATA_DIR", str(folder / "data"))
        created = create_study(folder / "demo.rego", "DEMO", ADMIN, PASSWORD, kdf=FAST_KDF)
        report = generate(created.study, PATIENTS, seed=1)
        yield created.study, report
        created.study.close()


@pytest.fixture(scope="module")
def queries(demo: tuple[OpenStudy, DemoReport]) -> list[QueryRow]:
    study, _ = demo
    service = QueryService(study)
    service.sync_all()
    return service.list(status="open")


@pytest.mark.slow
def test_the_demo_plants_deviations_to_find(demo: tuple[OpenStudy, DemoReport]) -> None:
    _, report = demo
    assert report.patients == PATIENTS
    assert len(report.deviations) >= 10
    assert {d.rule_id for d in report.deviations} == {
        "dose.range",
        "dose.tablet",
        "cycle.dosing_days",
        "cycle.off_days",
        "cycle.early_start",
    }


@pytest.mark.slow
def test_check_finds_exactly_the_planted_deviations(
    demo: tuple[OpenStudy, DemoReport], queries: list[QueryRow]
) -> None:
    _, report = demo
    found = {(q.subject, q.rule, q.cycle) for q in queries if q.severity == "deviation"}
    planted = report.deviation_keys()
    assert found - planted == set(), "deviations the generator did not plant"
    assert planted - found == set(), "planted deviations the checks missed"
    assert len([q for q in queries if q.severity == "deviation"]) == len(planted)


@pytest.mark.slow
def test_no_spurious_errors_or_warnings(queries: list[QueryRow]) -> None:
    errors = [(q.subject, q.rule, q.message) for q in queries if q.severity == "error"]
    assert errors == []
    warnings = {q.rule for q in queries if q.severity == "warning"}
    assert warnings <= EXPECTED_WARNINGS, warnings - EXPECTED_WARNINGS


@pytest.mark.slow
def test_missing_imaging_dates_are_all_found(
    demo: tuple[OpenStudy, DemoReport], queries: list[QueryRow]
) -> None:
    study, _ = demo
    patients = PatientService(study)
    expected = {
        (code, entry.item_uid)
        for code in patients.subject_codes()
        for entry in patients.casebook(code).items("response_assessments")
        if entry.get("imaging_date") is None
    }
    found = {(q.subject, q.item_uid) for q in queries if q.rule == "response.imaging_date_missing"}
    assert found == expected
    assert expected


@pytest.mark.slow
def test_screen_failures_have_no_queries(
    demo: tuple[OpenStudy, DemoReport], queries: list[QueryRow]
) -> None:
    _, report = demo
    failed = {s.subject_code for s in report.screen_failures}
    assert failed
    assert not [q for q in queries if q.subject in failed]
