"""Writing backups: consistent online copies, non-identifying manifests, keeping N."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from rego_desktop.backup.catalog import (
    NAME_RE,
    default_backup_dir,
    known_folders,
    list_backups,
    remembered_folders,
    rotate,
)
from rego_desktop.backup.manifest import MANIFEST_FIELDS, Manifest, manifest_path, read_manifest
from rego_desktop.backup.policy import BackupPolicy, auto_backup, backup_due
from rego_desktop.backup.restore import check_backup
from rego_desktop.backup.writer import write_backup
from rego_desktop.errors import DamagedDatabase, StudyFileError
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy
from tests.backup.conftest import add_patients, damage_pages
from tests.conftest import ADMIN, FAST_KDF, PASSWORD
from tests.store.test_no_plaintext import encodings, needles

T0 = dt.datetime(2024, 3, 5, 10, 11, 12, tzinfo=dt.UTC)

# Everything a manifest may say; none of it is about a patient or a user.
ALLOWED_MANIFEST_FIELDS = {
    "format",
    "app_version",
    "created_at",
    "reason",
    "db_uid",
    "site_code",
    "schema_revision",
    "database_name",
    "size",
    "sha256",
    "audit_entries",
    "audit_state",
    "patients",
}


def test_backup_is_a_checked_single_file_copy_with_a_manifest(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "usb" / "backups"
    result = write_backup(db_path, folder, now=T0)
    assert result.path.parent == folder
    assert NAME_RE.match(result.path.name)
    assert result.path.name.startswith("BJ01-20240305-101112Z-")
    # One self-contained file (no -wal/-shm), plus the manifest.
    assert sorted(p.name for p in folder.iterdir()) == [
        result.path.name,
        manifest_path(result.path).name,
    ]
    m = result.manifest
    assert read_manifest(result.path) == m
    assert m.db_uid == filled.info.db_uid
    assert m.site_code == "BJ01"
    assert m.patients == 3
    assert m.reason == "manual"
    assert m.created_at == T0
    assert m.size == result.path.stat().st_size
    conn = sqlite3.connect(f"file:{result.path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    checked = check_backup(result.path, ADMIN, PASSWORD)
    assert (checked.patients, checked.records) == (3, 3)


def test_manifest_says_nothing_identifying(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    result = write_backup(db_path, tmp_path / "b")
    data = json.loads(manifest_path(result.path).read_text(encoding="utf-8"))
    assert set(data) == ALLOWED_MANIFEST_FIELDS == set(MANIFEST_FIELDS)
    text = manifest_path(result.path).read_text(encoding="utf-8")
    assert str(tmp_path) not in text  # no folder paths
    assert ADMIN not in text
    assert "Site Admin" not in text


def test_nothing_readable_in_backup_or_manifest(
    study: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    from tests.store import test_no_plaintext

    # Same data as the plaintext scan of the study file, then backed up while open.
    service = PatientService(study)
    for i in range(3):
        code = service.create_patient()
        service.save(
            code,
            "identification",
            {
                "full_name": test_no_plaintext.NAMES[i],
                "hospital_record_number": test_no_plaintext.RECORD_NUMBERS[i],
                "date_of_birth": test_no_plaintext.BIRTHS[i],
            },
        )
        service.save(
            code,
            "treatment",
            {"first_dose_date": test_no_plaintext.FIRST_DOSES[i], "initial_daily_dose": 160.0},
        )
    folder = tmp_path / "backups"
    write_backup(db_path, folder, reason="close")
    files = list(folder.iterdir())
    assert len(files) == 2
    for path in files:
        data = path.read_bytes()
        for needle in needles()[:12]:  # names, record numbers, dates
            for encoded in encodings(needle):
                assert encoded not in data, f"{needle!r} found in {path.name}"


def test_backup_while_saving_is_consistent(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    service = PatientService(filled)
    stop = threading.Event()
    saved: list[str] = []

    def keep_saving() -> None:
        while not stop.is_set():
            saved.append(service.create_patient())

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        results = [write_backup(db_path, tmp_path / "b", keep=None) for _ in range(4)]
    finally:
        stop.set()
        writer.join()
    assert saved
    for result in results:
        checked = check_backup(result.path, ADMIN, PASSWORD)
        assert checked.patients == result.manifest.patients >= 3
        assert checked.audit_entries == result.manifest.audit_entries


def test_keeps_the_newest_n_of_this_study_only(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    other = create_study(tmp_path / "other.rego", "SH02", ADMIN, PASSWORD, kdf=FAST_KDF).study
    other.close()
    theirs = write_backup(tmp_path / "other.rego", folder, now=T0, keep=1).path
    unrelated = folder / "notes.txt"
    unrelated.write_text("not a backup", encoding="utf-8")
    paths = []
    for i in range(5):
        PatientService(filled).create_patient()
        paths.append(write_backup(db_path, folder, now=T0 + dt.timedelta(hours=i), keep=3).path)
    mine = list_backups(folder, db_uid=filled.info.db_uid)
    assert [e.path for e in mine] == paths[:1:-1]  # newest three, newest first
    assert theirs.exists()
    assert unrelated.exists()
    assert not any(manifest_path(p).exists() for p in paths[:2])
    assert rotate(folder, filled.info.db_uid, 1) == paths[2:4][::-1]
    assert [e.path for e in list_backups(folder, db_uid=filled.info.db_uid)] == [paths[4]]


def test_same_second_backups_get_distinct_names(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    first = write_backup(db_path, tmp_path, now=T0).path
    second = write_backup(db_path, tmp_path, now=T0).path
    assert first != second
    assert second.name.endswith("-2.rego-backup")
    assert NAME_RE.match(second.name)


def test_automatic_backup_skips_an_unchanged_study(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    policy = BackupPolicy(tmp_path / "b", keep=5)
    first = auto_backup(db_path, policy, "close", now=T0)
    again = auto_backup(db_path, policy, "close", now=T0 + dt.timedelta(minutes=5))
    assert not first.result.skipped
    assert again.result.skipped
    assert again.result.path == first.result.path
    PatientService(filled).create_patient()
    changed = auto_backup(db_path, policy, "close", now=T0 + dt.timedelta(minutes=6))
    assert not changed.result.skipped
    assert changed.result.manifest.patients == 4
    assert len(list_backups(policy.target)) == 2


def test_backup_due_daily(filled: OpenStudy, db_path: Path, tmp_path: Path) -> None:
    policy = BackupPolicy(tmp_path / "b")
    assert backup_due(db_path, policy, T0)
    auto_backup(db_path, policy, "daily", now=T0)
    assert not backup_due(db_path, policy, T0 + dt.timedelta(hours=23))
    assert backup_due(db_path, policy, T0 + dt.timedelta(hours=24))


def test_missing_usb_drive_falls_back_to_the_default_folder(
    filled: OpenStudy, db_path: Path, tmp_path: Path, data_dir: Path
) -> None:
    unplugged = tmp_path / "E-drive" / "rego-backups"
    done = auto_backup(db_path, BackupPolicy(unplugged), "close")
    assert done.fallback_from == unplugged
    assert done.result.path.parent == default_backup_dir()
    assert str(unplugged) in done.note
    assert not unplugged.exists()


def test_folders_backups_went_to_are_remembered(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    usb = tmp_path / "usb"
    write_backup(db_path, usb)
    assert remembered_folders() == [usb.resolve()]
    assert usb.resolve() in known_folders()
    assert default_backup_dir().resolve() in known_folders()


def test_a_damaged_study_is_not_backed_up_over_good_backups(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    good = write_backup(db_path, folder, keep=1).path
    filled.close()
    damage_pages(db_path)
    with pytest.raises(DamagedDatabase) as caught:
        write_backup(db_path, folder, keep=1)
    assert "No backup was written" in str(caught.value)
    assert str(good) in str(caught.value)
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".json")] == [good.name]


def test_backup_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StudyFileError, match="There is no study database"):
        write_backup(tmp_path / "nothing.rego", tmp_path / "b")


def test_manifest_round_trip_and_rejects_strangers() -> None:
    m = Manifest(
        1, "0.1.0", T0, "daily", "a" * 32, "BJ01", "0003", "s.rego", 1, "0" * 64, 3, "x", 2
    )
    assert Manifest.from_json(m.to_json()) == m
    for bad in ("[]", "{}", '{"format": 99}', "not json", '{"format": 1}'):
        with pytest.raises(ValueError):  # noqa: PT011 (message varies by cause)
            Manifest.from_json(bad)


def test_two_studies_same_site_are_told_apart(db_path: Path, tmp_path: Path) -> None:
    a = create_study(tmp_path / "a.rego", "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF).study
    b = create_study(tmp_path / "b.rego", "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF).study
    add_patients(a, ("A One",))
    a.close()
    b.close()
    folder = tmp_path / "shared"
    write_backup(tmp_path / "a.rego", folder, now=T0)
    write_backup(tmp_path / "b.rego", folder, now=T0)
    assert len(list_backups(folder)) == 2
    assert [e.manifest.patients for e in list_backups(folder, db_uid=a.info.db_uid) if e.manifest]
    assert len(list_backups(folder, db_uid=b.info.db_uid)) == 1
