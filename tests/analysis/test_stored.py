"""Analysis rows stored by the saves: current after every change, recomputed whenever
they cannot be trusted, never changing a result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from rego_desktop.analysis import dataset as dataset_module
from rego_desktop.analysis import loading, stored, summarize, summarize_study
from rego_desktop.analysis.dataset import analysis_row
from rego_desktop.casebook import Casebook
from rego_desktop.demo.generator import generate
from rego_desktop.errors import StorageFull
from rego_desktop.models import Patient, StoredAnalysisRow
from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy

PATIENTS = 12


@pytest.fixture
def site(study: OpenStudy) -> OpenStudy:
    generate(study, PATIENTS, seed=3)
    return study


@pytest.fixture
def derived(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Subject codes the summary derives from the records (rather than reads)."""
    computed: list[str] = []

    def counting(book: Casebook) -> Any:
        computed.append(book.subject_code)
        return analysis_row(book)

    monkeypatch.setattr(loading, "analysis_row", counting)
    return computed


def full_summary(study: OpenStudy) -> dict[str, Any]:
    service = PatientService(study)
    return summarize([service.casebook(code) for code in service.subject_codes()])


def stored_rows(study: OpenStudy) -> dict[int, tuple[int, str, bytes]]:
    with study.reading() as session:
        rows = session.execute(
            select(
                StoredAnalysisRow.patient_id,
                StoredAnalysisRow.revision,
                StoredAnalysisRow.code,
                StoredAnalysisRow.payload,
            )
        ).all()
    return {pid: (revision, code, payload) for pid, revision, code, payload in rows}


def revisions(study: OpenStudy) -> dict[int, int]:
    with study.reading() as session:
        return dict(session.execute(select(Patient.id, Patient.revision)).all())


def a_treated_patient(study: OpenStudy) -> tuple[str, dt.date]:
    service = PatientService(study)
    for code in service.subject_codes():
        book = service.casebook(code)
        if not book.screen_failed() and book.first_dose is not None:
            return code, book.first_dose
    raise AssertionError("the demo has no treated patient")


ALOPECIA = {
    "term": "alopecia",
    "grade": 2,
    "serious": "no",
    "relation": "probable",
    "action": "none",
    "outcome": "recovered",
}


def test_every_save_stores_the_row_the_summary_reads(site: OpenStudy, derived: list[str]) -> None:
    rows = stored_rows(site)
    current = revisions(site)
    assert set(rows) == set(current)
    codec = stored.RowCodec(site)
    for pid, (revision, code, _payload) in rows.items():
        assert revision == current[pid]
        assert code == codec.code
    expected = full_summary(site)
    assert summarize_study(site) == expected
    assert derived == []  # every row read, none derived
    assert summarize_study(site, use_cache=False) == expected
    assert len(derived) == PATIENTS


def test_a_save_refreshes_that_patients_row(site: OpenStudy, derived: list[str]) -> None:
    before = summarize_study(site)
    code, first_dose = a_treated_patient(site)
    PatientService(site).save(
        code, "adverse_events", {**ALOPECIA, "onset_date": first_dose + dt.timedelta(days=3)}
    )
    after = summarize_study(site)
    assert derived == []
    alopecia = {row["code"]: row["any_grade"] for row in after["adverse_events"]}["alopecia"]
    before_alopecia = {row["code"]: row["any_grade"] for row in before["adverse_events"]}
    assert alopecia == before_alopecia.get("alopecia", 0) + 1
    assert after == summarize_study(site, use_cache=False) == full_summary(site)


def test_a_deletion_refreshes_the_row(site: OpenStudy, derived: list[str]) -> None:
    service = PatientService(site)
    code, first_dose = a_treated_patient(site)
    service.save(
        code, "adverse_events", {**ALOPECIA, "onset_date": first_dose + dt.timedelta(days=3)}
    )
    with_event = summarize_study(site)
    entry = next(
        e for e in service.casebook(code).entries["adverse_events"] if e.get("term") == "alopecia"
    )
    service.delete(code, "adverse_events", entry.item_uid, "entered in error")
    without = summarize_study(site)
    assert derived == []
    assert without != with_event
    assert without == summarize_study(site, use_cache=False) == full_summary(site)


def test_missing_rows_are_derived_once_and_stored(site: OpenStudy, derived: list[str]) -> None:
    # What a study upgraded from schema 0003 looks like: records, no rows.
    with site.transaction() as session:
        session.execute(delete(StoredAnalysisRow))
    expected = full_summary(site)
    assert summarize_study(site) == expected
    assert len(derived) == PATIENTS
    assert set(stored_rows(site)) == set(revisions(site))
    derived.clear()
    assert summarize_study(site) == expected
    assert derived == []


def test_rows_of_other_code_are_derived_again(
    site: OpenStudy, derived: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = summarize_study(site)
    monkeypatch.setattr(stored, "code_fingerprint", lambda study_id, version: "f" * 64)
    assert summarize_study(site) == expected
    assert len(derived) == PATIENTS
    assert {code for _rev, code, _payload in stored_rows(site).values()} == {"f" * 16}
    derived.clear()
    assert summarize_study(site) == expected
    assert derived == []


def test_altered_or_moved_rows_are_derived_again(site: OpenStudy, derived: list[str]) -> None:
    expected = summarize_study(site)
    rows = stored_rows(site)
    first, second, third = sorted(rows)[:3]
    altered = bytearray(rows[first][2])
    altered[-1] ^= 0x01
    with site.transaction() as session:
        session.execute(
            update(StoredAnalysisRow)
            .where(StoredAnalysisRow.patient_id == first)
            .values(payload=bytes(altered))
        )
        # Another patient's row, presented as this one's.
        session.execute(
            update(StoredAnalysisRow)
            .where(StoredAnalysisRow.patient_id == second)
            .values(payload=rows[third][2])
        )
    assert summarize_study(site) == expected
    assert len(derived) == 2


def test_stale_revision_is_derived_again(site: OpenStudy, derived: list[str]) -> None:
    expected = summarize_study(site)
    with site.transaction() as session:
        session.execute(update(StoredAnalysisRow).values(revision=StoredAnalysisRow.revision - 1))
    assert summarize_study(site) == expected
    assert len(derived) == PATIENTS


def test_unwritable_database_still_summarises(
    site: OpenStudy, derived: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with site.transaction() as session:
        session.execute(delete(StoredAnalysisRow))
    expected = full_summary(site)

    def read_only() -> Any:
        raise StorageFull("site.rego cannot be written (read-only folder or file)")

    with monkeypatch.context() as patch:
        patch.setattr(site, "transaction", read_only)
        assert summarize_study(site) == expected
    assert stored_rows(site) == {}
    assert len(derived) == PATIENTS


def test_a_row_derived_before_a_save_does_not_replace_the_saved_one(site: OpenStudy) -> None:
    code, first_dose = a_treated_patient(site)
    with site.reading() as session:
        patient = session.scalars(select(Patient).where(Patient.subject_code == code)).one()
        pid, uid, old_revision = patient.id, patient.uid, patient.revision
    old_row = analysis_row(PatientService(site).casebook(code))
    PatientService(site).save(
        code, "adverse_events", {**ALOPECIA, "onset_date": first_dose + dt.timedelta(days=3)}
    )
    saved = stored_rows(site)[pid]
    codec = stored.RowCodec(site)
    stale = stored.Recomputed(pid, uid, old_revision, old_row)
    assert stored.store_recomputed(site, codec, [stale]) == 0
    assert stored_rows(site)[pid] == saved


def test_stored_rows_are_encrypted(site: OpenStudy) -> None:
    for _rev, _code, payload in stored_rows(site).values():
        for needle in ("analysed", "screen_failure", "incomplete", "BJ01-", "2024-", "ppes"):
            assert needle.encode() not in payload


def test_a_derivation_bug_does_not_lose_the_save(
    site: OpenStudy, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    code, first_dose = a_treated_patient(site)
    service = PatientService(site)

    def broken(book: Casebook) -> Any:
        raise ZeroDivisionError("a bug in a derivation")

    with monkeypatch.context() as patch:
        patch.setattr(dataset_module, "analysis_row", broken)
        service.save(
            code, "adverse_events", {**ALOPECIA, "onset_date": first_dose + dt.timedelta(days=3)}
        )
    terms = [e.get("term") for e in service.casebook(code).entries["adverse_events"]]
    assert "alopecia" in terms
    assert f"analysis row of {code} could not be derived" in caplog.text
    assert summarize_study(site) == full_summary(site)  # the stale row is not used
