"""Restoring: nothing is replaced until the backup has proven itself; the old file stays."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Role
from rego_desktop.backup import restore as restore_module
from rego_desktop.backup.manifest import manifest_path
from rego_desktop.backup.restore import check_backup, restore_backup
from rego_desktop.backup.writer import write_backup
from rego_desktop.errors import (
    AuthenticationError,
    DamagedDatabase,
    DatabaseInUse,
    PermissionDenied,
    StorageFull,
    StudyFileError,
)
from rego_desktop.services.patients import PatientService
from rego_desktop.services.users import UserService
from rego_desktop.store.opening import create_study, open_study
from rego_desktop.store.study import OpenStudy
from tests.backup.conftest import NAMES, add_patients, damage_pages, flip_byte, names_in
from tests.conftest import ADMIN, FAST_KDF, PASSWORD

T1 = dt.datetime(2024, 6, 1, 8, 30, 0, tzinfo=dt.UTC)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_only_the_attempt_recorded(db_path: Path, before: str) -> None:
    """A restore that failed at the last step left the study in place, with its data; the
    only change is the audit entry of the attempt (written before replacing it)."""
    assert digest(db_path) != before
    assert folder_listing(db_path.parent) == ["backups", "site.rego"]
    study = open_study(db_path, ADMIN, PASSWORD)
    try:
        assert len(PatientService(study).list_patients()) == 3
        with study.reading() as session:
            records = trail.read(session, study.keyring, study.info.db_uid)
        assert records[-1].action == "study.replaced"
    finally:
        study.close()


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def backup(filled: OpenStudy, db_path: Path, tmp_path: Path) -> Path:
    return write_backup(db_path, tmp_path / "backups").path


def test_restore_puts_the_backup_back_and_keeps_the_replaced_file(
    filled: OpenStudy, db_path: Path, backup: Path
) -> None:
    PatientService(filled).create_patient()  # made after the backup
    filled.close()
    before = digest(backup)
    result = restore_backup(backup, db_path, ADMIN, PASSWORD, now=T1)
    assert result.kept == db_path.with_name("site.rego.replaced-20240601-083000Z")
    assert (result.check.patients, result.check.records) == (3, 3)
    assert digest(backup) == before  # the backup is only read
    assert folder_listing(backup.parent) == sorted([backup.name, manifest_path(backup).name])

    restored = open_study(db_path, ADMIN, PASSWORD)
    try:
        assert names_in(restored) == set(NAMES)
        with restored.reading() as session:
            _count, problems = trail.verify(session, restored.keyring)
            last = trail.read(session, restored.keyring, restored.info.db_uid)[-1]
        assert problems == []
        assert last.action == "study.restore"
        assert last.details["backup"] == backup.name
        assert last.details["replaced_file_kept_as"] == result.kept.name
    finally:
        restored.close()
    kept = open_study(result.kept, ADMIN, PASSWORD)
    try:
        assert len(PatientService(kept).list_patients()) == 4  # nothing lost
    finally:
        kept.close()
    leftovers = [p.name for p in db_path.parent.iterdir() if ".restoring-" in p.name]
    assert leftovers == []


def test_replaced_file_keeps_its_uncheckpointed_wal(
    filled: OpenStudy, db_path: Path, backup: Path
) -> None:
    PatientService(filled).create_patient()
    # Simulate a crash: copy the open database with its -wal, as a killed process leaves it.
    crashed = db_path.with_name("crashed.rego")
    crashed.write_bytes(db_path.read_bytes())
    wal = Path(str(db_path) + "-wal")
    assert wal.exists()
    assert wal.stat().st_size > 0
    Path(str(crashed) + "-wal").write_bytes(wal.read_bytes())
    filled.close()
    result = restore_backup(backup, crashed, ADMIN, PASSWORD, now=T1)
    assert result.kept is not None
    # Signing in to the crashed study (restoring is for its administrators) recovered
    # its log into it; what the log held is kept with the replaced file either way.
    assert not Path(str(crashed) + "-wal").exists()
    kept = open_study(result.kept, ADMIN, PASSWORD)
    try:
        assert len(PatientService(kept).list_patients()) == 4
    finally:
        kept.close()
    restored = open_study(crashed, ADMIN, PASSWORD)
    try:
        assert len(PatientService(restored).list_patients()) == 3
    finally:
        restored.close()


def test_check_only_changes_nothing(filled: OpenStudy, db_path: Path, backup: Path) -> None:
    filled.close()
    before = {p.name: digest(p) for p in db_path.parent.iterdir() if p.is_file()}
    checked = check_backup(backup, ADMIN, PASSWORD, work_dir=db_path.parent)
    assert checked.patients == 3
    assert checked.audit_entries >= 7
    after = {p.name: digest(p) for p in db_path.parent.iterdir() if p.is_file()}
    assert after == before


def test_wrong_password_replaces_nothing(filled: OpenStudy, db_path: Path, backup: Path) -> None:
    filled.close()
    before = digest(db_path)
    with pytest.raises(AuthenticationError, match=r"cannot sign in to the study site\.rego"):
        restore_backup(backup, db_path, ADMIN, "Wrong-password-1")
    assert digest(db_path) == before
    assert folder_listing(db_path.parent) == ["backups", "site.rego"]


def test_backup_keeps_the_password_valid_when_it_was_made(
    filled: OpenStudy, db_path: Path, backup: Path
) -> None:
    UserService(filled, FAST_KDF).change_own_password(PASSWORD, "Newer-password-77")
    filled.close()
    with pytest.raises(AuthenticationError, match="give the old one as the backup's password"):
        check_backup(backup, ADMIN, "Newer-password-77")
    assert check_backup(backup, ADMIN, PASSWORD).patients == 3
    # Restoring: the current password for the current study, the old one for the backup.
    with pytest.raises(AuthenticationError, match="cannot sign in to the study"):
        restore_backup(backup, db_path, ADMIN, PASSWORD)
    result = restore_backup(backup, db_path, ADMIN, "Newer-password-77", backup_password=PASSWORD)
    assert result.check.patients == 3


def test_checksum_mismatch_is_refused(filled: OpenStudy, db_path: Path, backup: Path) -> None:
    filled.close()
    before = digest(db_path)
    flip_byte(backup)
    with pytest.raises(DamagedDatabase, match="differs from the checksum"):
        restore_backup(backup, db_path, ADMIN, PASSWORD)
    assert digest(db_path) == before


def test_damaged_backup_without_manifest_fails_the_integrity_check(
    filled: OpenStudy, db_path: Path, backup: Path
) -> None:
    filled.close()
    manifest_path(backup).unlink()
    damage_pages(backup)
    with pytest.raises(DamagedDatabase, match="integrity check") as caught:
        restore_backup(backup, db_path, ADMIN, PASSWORD)
    assert str(backup) in str(caught.value)
    assert ".restoring-" not in str(caught.value)


def test_altered_audit_trail_in_a_backup_is_refused(
    filled: OpenStudy, db_path: Path, backup: Path
) -> None:
    filled.close()
    manifest_path(backup).unlink()
    conn = sqlite3.connect(backup)
    try:
        conn.execute("UPDATE audit_entries SET username = 'mallory' WHERE seq = 2")
        conn.commit()
    finally:
        conn.close()
    before = digest(db_path)
    with pytest.raises(DamagedDatabase, match=r"audit trail of the backup .* does not verify"):
        restore_backup(backup, db_path, ADMIN, PASSWORD)
    assert digest(db_path) == before


def test_record_that_does_not_decrypt_is_refused(
    filled: OpenStudy, db_path: Path, backup: Path
) -> None:
    filled.close()
    manifest_path(backup).unlink()
    conn = sqlite3.connect(backup)
    try:
        payload = conn.execute("SELECT payload FROM records WHERE id = 1").fetchone()[0]
        conn.execute("UPDATE records SET payload = ? WHERE id = 2", (payload,))  # moved blob
        conn.commit()
    finally:
        conn.close()
    with pytest.raises(DamagedDatabase, match="does not decrypt"):
        check_backup(backup, ADMIN, PASSWORD)


def test_restore_over_a_damaged_study(filled: OpenStudy, db_path: Path, backup: Path) -> None:
    filled.close()
    damage_pages(db_path)
    damaged = digest(db_path)
    result = restore_backup(backup, db_path, ADMIN, PASSWORD, now=T1)
    assert result.kept is not None
    assert digest(result.kept) == damaged
    restored = open_study(db_path, ADMIN, PASSWORD)
    try:
        assert names_in(restored) == set(NAMES)
    finally:
        restored.close()


def test_restore_onto_a_new_computer(filled: OpenStudy, backup: Path, tmp_path: Path) -> None:
    target = tmp_path / "new-pc" / "study.rego"
    target.parent.mkdir()
    result = restore_backup(backup, target, ADMIN, PASSWORD)
    assert result.kept is None
    assert folder_listing(target.parent) == ["study.rego"]
    restored = open_study(target, ADMIN, PASSWORD)
    try:
        assert names_in(restored) == set(NAMES)
    finally:
        restored.close()


def test_a_different_study_is_not_replaced(filled: OpenStudy, backup: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.rego"
    create_study(other, "SH02", ADMIN, PASSWORD, kdf=FAST_KDF).study.close()
    before = digest(other)
    with pytest.raises(StudyFileError, match="holds a different study"):
        restore_backup(backup, other, ADMIN, PASSWORD)
    assert digest(other) == before
    assert folder_listing(tmp_path).count("other.rego") == 1
    assert not [p for p in tmp_path.iterdir() if "replaced" in p.name or "restoring" in p.name]


def test_read_only_users_may_not_restore(filled: OpenStudy, db_path: Path, tmp_path: Path) -> None:
    UserService(filled, FAST_KDF).add_user("mon", "Monitor M", Role.MONITOR, "Watch-closely-42")
    backup = write_backup(db_path, tmp_path / "b").path
    filled.close()
    with pytest.raises(PermissionDenied, match="may not restore"):
        restore_backup(backup, db_path, "mon", "Watch-closely-42")


def test_failed_final_rename_puts_the_old_file_back(
    filled: OpenStudy, db_path: Path, backup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled.close()
    before = digest(db_path)
    real_replace = os.replace

    def failing_replace(src: object, dst: object) -> None:
        if ".restoring-" in str(src):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(restore_module.os, "replace", failing_replace)
    with pytest.raises(StorageFull, match="full"):
        restore_backup(backup, db_path, ADMIN, PASSWORD)
    monkeypatch.undo()
    assert_only_the_attempt_recorded(db_path, before)


def test_missing_backup_file(db_path: Path, tmp_path: Path) -> None:
    with pytest.raises(StudyFileError, match="There is no backup file"):
        restore_backup(tmp_path / "gone.rego-backup", db_path, ADMIN, PASSWORD)


def test_a_plain_copy_of_a_study_file_restores_too(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    add_patients(filled, ("Extra Person",))
    filled.close()
    copy = tmp_path / "copied-by-hand.rego"
    copy.write_bytes(db_path.read_bytes())
    target = tmp_path / "restored.rego"
    result = restore_backup(copy, target, ADMIN, PASSWORD)
    assert result.check.manifest is None
    assert result.check.patients == 4


def test_study_file_in_use_on_windows_is_a_clear_error(
    filled: OpenStudy, db_path: Path, backup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to replace a file another program has open."""
    filled.close()
    before = digest(db_path)
    real_replace = os.replace

    def locked(src: object, dst: object) -> None:
        if str(dst) == str(db_path):
            raise PermissionError(13, "The process cannot access the file")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(restore_module.os, "replace", locked)
    with pytest.raises(DatabaseInUse, match="is rego-desktop still open"):
        restore_backup(backup, db_path, ADMIN, PASSWORD)
    monkeypatch.undo()
    assert_only_the_attempt_recorded(db_path, before)
