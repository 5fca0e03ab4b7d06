"""Creating and unlocking studies, and every way opening can fail without harm."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from rego_desktop.auth.throttle import LoginThrottle
from rego_desktop.crypto import recovery
from rego_desktop.errors import (
    AuthenticationError,
    DamagedDatabase,
    LoginThrottled,
    NewerSchema,
    NotAStudyDatabase,
    StudyFileError,
    ValidationError,
)
from rego_desktop.models import Record
from rego_desktop.services.patients import PatientService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import create_study, open_study, recover_access
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, FAST_KDF, PASSWORD


def digest(path: Path) -> tuple[str, float]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime


def closed_copy(study: OpenStudy, tmp_path: Path) -> Path:
    """A checkpointed, closed copy of the study file to poke at."""
    study.close()
    with sqlite3.connect(study.path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "copy.rego"
    shutil.copy(study.path, copy)
    return copy


def test_create_then_open_with_password(study: OpenStudy, db_path: Path) -> None:
    assert study.info.site_code == "BJ01"
    assert study.user.username == ADMIN
    study.close()
    again = open_study(db_path, ADMIN, PASSWORD)
    assert again.info.db_uid == study.info.db_uid
    assert again.keyring.data_key == study.keyring.data_key
    again.close()


def test_user_name_is_case_insensitive(study: OpenStudy, db_path: Path) -> None:
    study.close()
    open_study(db_path, "ADMIN", PASSWORD).close()


@pytest.mark.parametrize(
    ("site", "user", "password", "says"),
    [
        ("B", "admin", PASSWORD, "Site code"),
        ("BJ 01", "admin", PASSWORD, "Site code"),
        ("BJ01", "a", PASSWORD, "User name"),
        ("BJ01", "admin", "short1", "at least 10"),
        ("BJ01", "admin", "onlyletterspassword", "no digit"),
        ("BJ01", "admin", "admin12345678", "user name"),
    ],
)
def test_create_refuses_bad_setup_values(
    tmp_path: Path, site: str, user: str, password: str, says: str
) -> None:
    path = tmp_path / "new.rego"
    with pytest.raises(ValidationError, match=says):
        create_study(path, site, user, password, kdf=FAST_KDF)
    assert not path.exists()


def test_create_refuses_an_existing_file(study: OpenStudy, db_path: Path) -> None:
    with pytest.raises(StudyFileError, match="already exists"):
        create_study(db_path, "BJ01", "other", PASSWORD, kdf=FAST_KDF)


def test_wrong_password_is_one_clear_error_and_changes_nothing(
    study: OpenStudy, tmp_path: Path
) -> None:
    copy = closed_copy(study, tmp_path)
    before = digest(copy)
    with pytest.raises(AuthenticationError) as info:
        open_study(copy, ADMIN, "Wrong-password-1", throttle=LoginThrottle())
    assert str(info.value) == "Wrong user name or password."
    assert digest(copy) == before


def test_unknown_user_gives_the_same_error(study: OpenStudy, tmp_path: Path) -> None:
    copy = closed_copy(study, tmp_path)
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        open_study(copy, "nobody", PASSWORD, throttle=LoginThrottle())


def test_repeated_failures_are_slowed_down(study: OpenStudy, tmp_path: Path) -> None:
    copy = closed_copy(study, tmp_path)
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            open_study(copy, ADMIN, "Wrong-password-1", throttle=throttle)
    with pytest.raises(LoginThrottled) as info:
        open_study(copy, ADMIN, PASSWORD, throttle=throttle)
    assert info.value.wait_seconds == pytest.approx(2.0)
    now[0] += 2.5
    open_study(copy, ADMIN, PASSWORD, throttle=throttle).close()
    # Success resets the count.
    with pytest.raises(AuthenticationError):
        open_study(copy, ADMIN, "Wrong-password-1", throttle=throttle)
    throttle.check(study.info.db_uid, ADMIN)


def test_throttle_delay_doubles_and_is_capped() -> None:
    throttle = LoginThrottle()
    assert [throttle.delay_after(n) for n in range(1, 7)] == [0, 0, 2, 4, 8, 16]
    assert throttle.delay_after(40) == 300


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.rego"
    path.write_text("Dear doctor, this is a letter, not a database." * 10)
    before = digest(path)
    with pytest.raises(NotAStudyDatabase, match="not a rego-desktop study database"):
        open_study(path, ADMIN, PASSWORD)
    assert digest(path) == before


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.rego"
    empty.touch()
    with pytest.raises(NotAStudyDatabase):
        open_study(empty, ADMIN, PASSWORD)
    with pytest.raises(StudyFileError, match="There is no study database"):
        open_study(tmp_path / "missing.rego", ADMIN, PASSWORD)


def test_other_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(NotAStudyDatabase, match="not a rego-desktop study"):
        open_study(path, ADMIN, PASSWORD)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_truncated_file(study: OpenStudy, tmp_path: Path, keep: float) -> None:
    PatientService(study).create_patient()
    copy = closed_copy(study, tmp_path)
    data = copy.read_bytes()
    copy.write_bytes(data[: int(len(data) * keep)])
    before = digest(copy)
    with pytest.raises(DamagedDatabase, match="damaged"):
        open_study(copy, ADMIN, PASSWORD)
    assert digest(copy) == before


def test_newer_schema_is_refused_unchanged(study: OpenStudy, tmp_path: Path) -> None:
    copy = closed_copy(study, tmp_path)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = digest(copy)
    with pytest.raises(NewerSchema, match="newer version of rego-desktop"):
        open_study(copy, ADMIN, PASSWORD)
    assert digest(copy) == before


def test_recovery_key_sets_a_new_password(created: tuple[OpenStudy, str], db_path: Path) -> None:
    study, key = created
    study.close()
    reopened = recover_access(db_path, key, ADMIN, "Brand-new-pass-77", kdf=FAST_KDF)
    reopened.close()
    with pytest.raises(AuthenticationError):
        open_study(db_path, ADMIN, PASSWORD, throttle=LoginThrottle())
    open_study(db_path, ADMIN, "Brand-new-pass-77").close()


def test_wrong_and_mistyped_recovery_keys(created: tuple[OpenStudy, str], db_path: Path) -> None:
    study, key = created
    study.close()
    before = digest(db_path)
    other = recovery.format_key(recovery.generate())
    with pytest.raises(AuthenticationError, match="does not belong to this study"):
        recover_access(db_path, other, ADMIN, "Brand-new-pass-77")
    typo = key[:-1] + ("0" if key[-1] != "0" else "1")
    with pytest.raises(recovery.MistypedRecoveryKey, match="typing mistake"):
        recover_access(db_path, typo, ADMIN, "Brand-new-pass-77")
    with pytest.raises(recovery.MistypedRecoveryKey, match="groups of 4"):
        recover_access(db_path, "ABCD-EFGH", ADMIN, "Brand-new-pass-77")
    assert digest(db_path) == before


def test_changing_a_password_rewraps_the_key_and_reencrypts_nothing(
    study: OpenStudy, db_path: Path
) -> None:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "demographics", {"sex": "male", "ecog": 1})
    with study.reading() as session:
        before = [r.payload for r in session.scalars(select(Record))]
    UserService(study, kdf=FAST_KDF).change_own_password(PASSWORD, "Another-pass-99")
    with study.reading() as session:
        after = [r.payload for r in session.scalars(select(Record))]
    assert before == after
    study.close()
    with pytest.raises(AuthenticationError):
        open_study(db_path, ADMIN, PASSWORD, throttle=LoginThrottle())
    reopened = open_study(db_path, ADMIN, "Another-pass-99")
    assert PatientService(reopened).casebook(code).value("demographics", "ecog") == 1
    reopened.close()


def test_change_password_needs_the_old_one(study: OpenStudy) -> None:
    with pytest.raises(AuthenticationError):
        UserService(study, kdf=FAST_KDF).change_own_password("Not-the-old-1", "Another-pass-99")
