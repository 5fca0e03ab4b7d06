"""Investigators sign complete casebooks; signing locks, unlocking is audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Role
from rego_desktop.demo.generator import generate
from rego_desktop.errors import (
    AuthenticationError,
    CasebookLocked,
    PermissionDenied,
    ValidationError,
)
from rego_desktop.services.patients import PatientService
from rego_desktop.services.signatures import MEANING, SignatureService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.conftest import FAST_KDF

DOCTOR_PASSWORD = "Clinic-rounds-123"


@pytest.fixture
def doctor(study: OpenStudy, db_path: Path) -> Iterator[OpenStudy]:
    generate(study, 6, seed=11)
    UserService(study, kdf=FAST_KDF).add_user(
        "drliu", "Liu Yang", Role.INVESTIGATOR, DOCTOR_PASSWORD
    )
    session = open_study(db_path, "drliu", DOCTOR_PASSWORD)
    yield session
    session.close()


def complete_subject(study: OpenStudy) -> str:
    service = SignatureService(study)
    for code in PatientService(study).subject_codes():
        if not service.incomplete_forms(code):
            return code
    raise AssertionError("the demo has no complete casebook")


def test_sign_locks_and_unlock_is_audited(doctor: OpenStudy) -> None:
    code = complete_subject(doctor)
    signatures = SignatureService(doctor)
    signatures.sign(code, DOCTOR_PASSWORD)
    [signature] = signatures.signatures(code)
    assert signature.full_name == "Liu Yang"
    assert signature.meaning == MEANING.en
    assert signature.revoked_at is None
    rows = {r.subject_code: r for r in PatientService(doctor).list_patients()}
    assert rows[code].locked
    assert rows[code].status.value == "locked"
    with pytest.raises(CasebookLocked):
        PatientService(doctor).save(code, "demographics", {"sex": "male"}, reason="x")
    with pytest.raises(ValidationError, match="already signed"):
        signatures.sign(code, DOCTOR_PASSWORD)
    with pytest.raises(ValidationError, match="reason"):
        signatures.unlock(code, DOCTOR_PASSWORD, "  ")
    signatures.unlock(code, DOCTOR_PASSWORD, "Query on AE grade after monitoring visit")
    assert signatures.signatures(code)[0].revoked_by == "drliu"
    with doctor.reading() as session:
        entries = trail.read(session, doctor.keyring, doctor.info.db_uid, code)
    actions = [e.action for e in entries]
    assert actions[-2:] == ["casebook.sign", "casebook.unlock"]
    assert entries[-2].details["name"] == "Liu Yang"
    assert entries[-1].reason == "Query on AE grade after monitoring visit"


def test_signing_needs_the_right_password_and_role(doctor: OpenStudy, study: OpenStudy) -> None:
    code = complete_subject(doctor)
    with pytest.raises(AuthenticationError):
        SignatureService(doctor).sign(code, "Not-my-password-1")
    with pytest.raises(PermissionDenied, match="sign casebooks"):
        SignatureService(study).sign(code, "whatever")


def test_incomplete_casebook_cannot_be_signed(doctor: OpenStudy) -> None:
    code = PatientService(doctor).create_patient()
    with pytest.raises(ValidationError, match="not complete"):
        SignatureService(doctor).sign(code, DOCTOR_PASSWORD)
