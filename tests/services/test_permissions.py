"""Roles are enforced in the domain layer, whatever the GUI shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from rego_desktop.auth.roles import Role
from rego_desktop.errors import PermissionDenied, ValidationError
from rego_desktop.services.patients import PatientService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, FAST_KDF

USERS = {
    "nurse": (Role.DATA_ENTRY, "Ward-seven-123"),
    "doctor": (Role.INVESTIGATOR, "Clinic-rounds-123"),
    "monitor": (Role.MONITOR, "Source-verify-123"),
}


@pytest.fixture
def team(study: OpenStudy) -> OpenStudy:
    users = UserService(study, kdf=FAST_KDF)
    for name, (role, password) in USERS.items():
        users.add_user(name, name.title(), role, password)
    return study


def login(path: Path, name: str) -> OpenStudy:
    return open_study(path, name, USERS[name][1])


def test_each_user_unlocks_the_same_data(team: OpenStudy, db_path: Path) -> None:
    code = PatientService(team).create_patient()
    for name in USERS:
        session = login(db_path, name)
        assert [r.subject_code for r in PatientService(session).list_patients()] == [code]
        session.close()


def test_monitor_is_read_only(team: OpenStudy, db_path: Path) -> None:
    code = PatientService(team).create_patient()
    monitor = login(db_path, "monitor")
    with pytest.raises(
        PermissionDenied,
        match=r"monitor \(Monitor \(read-only\)\) is not allowed to change patient data",
    ):
        PatientService(monitor).save(code, "demographics", {"sex": "male"})
    with pytest.raises(PermissionDenied):
        PatientService(monitor).create_patient()
    assert PatientService(monitor).casebook(code).entries == {}
    monitor.close()


@pytest.mark.parametrize("name", ["nurse", "doctor", "monitor"])
def test_only_administrators_manage_users(team: OpenStudy, db_path: Path, name: str) -> None:
    session = login(db_path, name)
    with pytest.raises(PermissionDenied, match="manage users"):
        UserService(session, kdf=FAST_KDF).add_user(
            "intruder", "X", Role.ADMINISTRATOR, "Intruder-pass-1"
        )
    session.close()


def test_data_entry_can_enter_data(team: OpenStudy, db_path: Path) -> None:
    code = PatientService(team).create_patient()
    nurse = login(db_path, "nurse")
    PatientService(nurse).save(code, "demographics", {"sex": "female"})
    nurse.close()


def test_deactivated_user_cannot_log_in(team: OpenStudy, db_path: Path) -> None:
    from rego_desktop.auth.throttle import LoginThrottle
    from rego_desktop.errors import AuthenticationError

    UserService(team).set_active("nurse", False)
    with pytest.raises(AuthenticationError):
        open_study(db_path, "nurse", USERS["nurse"][1], throttle=LoginThrottle())


def test_last_administrator_stays(team: OpenStudy) -> None:
    users = UserService(team)
    with pytest.raises(ValidationError, match="at least one active administrator"):
        users.set_role(ADMIN, Role.MONITOR)
    with pytest.raises(ValidationError, match="your own account"):
        users.set_active(ADMIN, False)


def test_reset_password_by_administrator(team: OpenStudy, db_path: Path) -> None:
    UserService(team, kdf=FAST_KDF).reset_password("nurse", "Fresh-start-2024")
    open_study(db_path, "nurse", "Fresh-start-2024").close()


def test_duplicate_user_and_weak_password(team: OpenStudy) -> None:
    users = UserService(team, kdf=FAST_KDF)
    with pytest.raises(ValidationError, match="already exists"):
        users.add_user("Nurse", "Again", Role.DATA_ENTRY, "Ward-eight-456")
    with pytest.raises(ValidationError, match="at least 10"):
        users.add_user("newbie", "New", Role.DATA_ENTRY, "abc1")
