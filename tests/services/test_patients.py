"""Saving CRF data: hard checks, reasons for changes, encryption bound to rows."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from rego_desktop.casebook import FormStatus, PatientStatus
from rego_desktop.errors import CasebookLocked, NotFound, ValidationError
from rego_desktop.services.damage import DamagedRecord
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.values import Quantity
from tests.conftest import ADMIN, PASSWORD

AE = {
    "term": "hypertension",
    "grade": 2,
    "onset_date": dt.date(2024, 3, 20),
    "serious": "no",
    "relation": "probable",
    "action": "none",
    "outcome": "recovered",
}


def test_subject_codes_are_numbered_per_site(study: OpenStudy) -> None:
    service = PatientService(study)
    assert service.create_patient() == "BJ01-0001"
    assert service.create_patient("bj01-0100") == "BJ01-0100"
    assert service.create_patient() == "BJ01-0002"
    with pytest.raises(ValidationError, match="already exists"):
        service.create_patient("BJ01-0100")
    with pytest.raises(ValidationError, match="use BJ01-NNNN"):
        service.create_patient("SH02-0001")


def test_saved_values_come_back(study: OpenStudy) -> None:
    service = PatientService(study)
    code = service.create_patient()
    values = {
        "liver_date": dt.date(2024, 3, 1),
        "bilirubin": Quantity(1.1, "mg/dL"),
        "albumin": Quantity(36.0, "g/L"),
        "inr": 1.1,
        "alt": 40.0,
        "ast": 52.0,
        "ascites": "none",
        "encephalopathy": "none",
    }
    service.save(code, "baseline_liver", values)
    book = service.casebook(code)
    assert dict(book.single("baseline_liver")) == values
    assert book.form_status("baseline_liver") is FormStatus.COMPLETE
    assert book.form_status("demographics") is FormStatus.NOT_STARTED


def test_repeating_entries_are_kept_apart_and_ordered(study: OpenStudy) -> None:
    service = PatientService(study)
    code = service.create_patient()
    late = service.save(code, "adverse_events", {**AE, "onset_date": dt.date(2024, 5, 1)})
    early = service.save(code, "adverse_events", {**AE, "term": "diarrhea"})
    items = service.casebook(code).items("adverse_events")
    assert [i.item_uid for i in items] == [early, late]


def test_changing_saved_data_needs_a_reason(study: OpenStudy) -> None:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "demographics", {"sex": "male", "ecog": 1})
    # Filling an empty field is not a change of saved data.
    service.save(code, "demographics", {"sex": "male", "ecog": 1, "weight": 66.0})
    with pytest.raises(ValidationError, match=r"reason for changing saved data \(ECOG"):
        service.save(code, "demographics", {"sex": "male", "ecog": 2, "weight": 66.0})
    assert service.casebook(code).value("demographics", "ecog") == 1
    service.save(code, "demographics", {"sex": "male", "ecog": 2, "weight": 66.0}, reason="typo")
    assert service.casebook(code).value("demographics", "ecog") == 2


def test_hard_checks_refuse_and_save_nothing(study: OpenStudy) -> None:
    service = PatientService(study)
    code = service.create_patient()
    with pytest.raises(ValidationError, match="ECOG performance status: 7 is impossible"):
        service.save(code, "demographics", {"sex": "male", "ecog": 7})
    with pytest.raises(ValidationError, match="has no field 'colour'"):
        service.save(code, "demographics", {"colour": "blue"})
    with pytest.raises(ValidationError, match="BMI is computed"):
        service.save(code, "demographics", {"bmi": 22.0})
    with pytest.raises(
        ValidationError, match="Date of death applies only when Survival status is dead"
    ):
        service.save(
            code,
            "survival",
            {
                "status": "alive",
                "last_follow_up_date": dt.date(2024, 6, 1),
                "death_date": dt.date(2024, 6, 1),
            },
        )
    with pytest.raises(ValidationError, match="no form"):
        service.save(code, "x_form", {})
    assert service.casebook(code).entries == {}


def test_unknown_subject(study: OpenStudy) -> None:
    with pytest.raises(NotFound, match="no subject BJ01-0999"):
        PatientService(study).save("BJ01-0999", "demographics", {"sex": "male"})


def test_status_follows_the_casebook(study: OpenStudy) -> None:
    service = PatientService(study)
    code = service.create_patient()
    assert service.list_patients()[0].status is PatientStatus.SCREENING
    service.save(
        code, "treatment", {"first_dose_date": dt.date(2024, 3, 5), "initial_daily_dose": 160.0}
    )
    assert service.list_patients()[0].status is PatientStatus.ON_TREATMENT
    service.save(code, "survival", {"status": "lost", "last_follow_up_date": dt.date(2024, 8, 1)})
    assert service.list_patients()[0].status is PatientStatus.FOLLOW_UP
    service.save(
        code,
        "survival",
        {
            "status": "dead",
            "last_follow_up_date": dt.date(2024, 9, 1),
            "death_date": dt.date(2024, 9, 1),
            "death_cause": "progression",
        },
        reason="died",
    )
    row = service.list_patients()[0]
    assert row.status is PatientStatus.DECEASED
    assert (row.status.label.en, row.status.label.zh) == ("Deceased", "已死亡")
    other = service.create_patient()
    service.save(other, "eligibility", {"inc_age_18": "yes", "inc_bclc_b_c": "no"})
    rows = {r.subject_code: r for r in service.list_patients()}
    assert rows[other].status is PatientStatus.SCREEN_FAILURE


def test_locked_casebook_refuses_changes(study: OpenStudy) -> None:
    service = PatientService(study)
    code = service.create_patient()
    with study.transaction() as session:
        from sqlalchemy import update

        from rego_desktop.models import Patient

        session.execute(update(Patient).values(locked=True))
    with pytest.raises(CasebookLocked, match="signed and locked"):
        service.save(code, "demographics", {"sex": "male"})


def test_ciphertexts_cannot_be_swapped_between_patients(study: OpenStudy, db_path: Path) -> None:
    service = PatientService(study)
    a = service.create_patient()
    b = service.create_patient()
    service.save(a, "demographics", {"sex": "male", "ecog": 0})
    service.save(b, "demographics", {"sex": "female", "ecog": 3})
    study.close()
    with sqlite3.connect(db_path) as conn:
        payloads = dict(
            conn.execute(
                "SELECT p.subject_code, r.payload "
                "FROM records r JOIN patients p ON p.id = r.patient_id"
            ).fetchall()
        )
        conn.execute(
            "UPDATE records SET payload = ? "
            "WHERE patient_id = (SELECT id FROM patients WHERE subject_code = ?)",
            (payloads[b], a),
        )
    reopened = open_study(db_path, ADMIN, PASSWORD)
    with pytest.raises(DamagedRecord) as caught:  # named: patient, form, entry, backup
        PatientService(reopened).casebook(a)
    assert caught.value.place.subject_code == a
    assert caught.value.place.form_id == "demographics"
    assert PatientService(reopened).casebook(b).value("demographics", "ecog") == 3
    reopened.close()


def test_altered_list_entry_is_reported_as_damage(study: OpenStudy) -> None:
    from sqlalchemy import select, update

    from rego_desktop.errors import DamagedDatabase
    from rego_desktop.models import Patient

    service = PatientService(study)
    first, second = service.create_patient(), service.create_patient()
    with study.transaction() as session:
        blobs = dict(session.execute(select(Patient.subject_code, Patient.summary)).all())
        # The first patient's entry presented as the second's.
        session.execute(
            update(Patient).where(Patient.subject_code == second).values(summary=blobs[first])
        )
    with pytest.raises(DamagedDatabase, match=f"list entry of {second} cannot be decrypted"):
        service.list_patients()


def test_list_entries_of_an_older_version_show_a_death(study: OpenStudy) -> None:
    """Version 1 list entries said "follow_up" for a patient who died: the list works
    the status out again from the records, once, and stores it."""
    import json

    from rego_desktop.models import Patient
    from rego_desktop.services.patients import SUMMARY_VERSION, summary_aad

    service = PatientService(study)
    dead, alive = service.create_patient(), service.create_patient()
    survival = {
        "status": "dead",
        "last_follow_up_date": dt.date(2024, 9, 1),
        "death_date": dt.date(2024, 9, 1),
        "death_cause": "progression",
    }
    service.save(dead, "survival", survival)
    service.save(alive, "survival", {"status": "lost", "last_follow_up_date": dt.date(2024, 9, 1)})
    old = {"status": "follow_up", "name": "", "record_number": "", "forms_complete": 0}
    with study.transaction() as session:
        for patient in session.query(Patient):
            patient.summary = study.keyring.records.encrypt(
                json.dumps(old).encode(), summary_aad(study.info.db_uid, patient.uid)
            )
    rows = {r.subject_code: r.status for r in service.list_patients()}
    assert rows == {dead: PatientStatus.DECEASED, alive: PatientStatus.FOLLOW_UP}
    with study.reading() as session:
        for patient in session.query(Patient):
            assert patient.summary is not None
            stored = json.loads(
                study.keyring.records.decrypt(
                    patient.summary, summary_aad(study.info.db_uid, patient.uid)
                )
            )
            assert stored["v"] == SUMMARY_VERSION
            assert stored["status"] == rows[patient.subject_code].value
