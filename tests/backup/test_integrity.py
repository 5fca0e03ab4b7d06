"""The integrity check at open names the newest backup when the file is damaged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rego_desktop.auth.throttle import LoginThrottle
from rego_desktop.backup.integrity import check_integrity, find_newest_backup, quick_check
from rego_desktop.backup.writer import write_backup
from rego_desktop.errors import DamagedDatabase
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.backup.conftest import damage_pages
from tests.conftest import ADMIN, PASSWORD

T0 = dt.datetime(2024, 3, 5, 10, 0, tzinfo=dt.UTC)


def test_intact_study_passes(filled: OpenStudy, db_path: Path) -> None:
    assert quick_check(db_path) is None
    check_integrity(db_path)  # while open, with a -wal


def test_damage_names_the_newest_backup_and_the_command(
    filled: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    usb = tmp_path / "usb"
    write_backup(db_path, usb, now=T0)
    newest = write_backup(db_path, usb, now=T0 + dt.timedelta(days=1)).path
    write_backup(db_path, None, now=T0 - dt.timedelta(days=3))  # older, default folder
    filled.close()
    damage_pages(db_path)
    with pytest.raises(DamagedDatabase) as caught:
        check_integrity(db_path)
    message = str(caught.value)
    assert f"The study database {db_path} is damaged" in message
    assert f"The newest backup is {newest}" in message
    assert f'rego-desktop restore --db "{db_path}" --from "{newest}"' in message
    assert "Restore from backup" in message


def test_configured_folder_is_searched_too(
    filled: OpenStudy, db_path: Path, tmp_path: Path, data_dir: Path
) -> None:
    usb = tmp_path / "usb"
    backup = write_backup(db_path, usb).path
    (data_dir / "backup-folders.json").unlink()  # forgotten, e.g. settings reset
    filled.close()
    damage_pages(db_path)
    assert find_newest_backup(db_path) is None
    with pytest.raises(DamagedDatabase, match="No backup of it was found"):
        check_integrity(db_path)
    with pytest.raises(DamagedDatabase, match=str(backup)):
        check_integrity(db_path, backup_folders=[usb])


def test_unreadable_header_still_finds_backups_by_file_name(
    filled: OpenStudy, db_path: Path
) -> None:
    backup = write_backup(db_path).path
    filled.close()
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\x00" * (4096 - 100)  # page 1 (schema) wiped
    db_path.write_bytes(bytes(data))
    with pytest.raises(DamagedDatabase, match=str(backup)):
        check_integrity(db_path)


def test_garbage_file_is_reported_damaged(tmp_path: Path) -> None:
    path = tmp_path / "x.rego"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)
    with pytest.raises(DamagedDatabase, match="is damaged"):
        check_integrity(path)


@pytest.mark.parametrize("password", [PASSWORD, "Wrong-password-1"])
def test_open_reports_damage_whatever_the_password(
    filled: OpenStudy, db_path: Path, password: str
) -> None:
    """The check runs beside the password check; its finding wins either way."""
    backup = write_backup(db_path).path
    filled.close()
    damage_pages(db_path)
    before = db_path.read_bytes()
    with pytest.raises(DamagedDatabase, match=str(backup)):
        open_study(db_path, ADMIN, password, throttle=LoginThrottle())
    assert db_path.read_bytes() == before
