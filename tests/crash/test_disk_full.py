"""A full disk or a read-only folder: a clear error, and nothing already saved is lost.

As root (CI) the disks are real tiny filesystems (tmpfs mounts, removed afterwards);
the file-size limit variant runs for anyone, in a child process.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rego_desktop.audit import trail
from rego_desktop.backup.catalog import list_backups
from rego_desktop.backup.integrity import check_integrity
from rego_desktop.backup.restore import check_backup
from rego_desktop.backup.writer import write_backup
from rego_desktop.errors import DamagedDatabase, StorageFull, StudyFileError
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import create_study, open_study
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.values import Value
from tests.conftest import ADMIN, FAST_KDF, PASSWORD
from tests.crash.conftest import CHILD, child_env

Mount = Callable[..., Path]


def _can_mount() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/rego-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    finally:
        probe.rmdir()


CAN_MOUNT = _can_mount()
needs_mount = pytest.mark.skipif(not CAN_MOUNT, reason="needs root to mount a tiny filesystem")


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[Mount]:
    """mount(name, size) -> a fresh tmpfs of that size; mount(name, bind=path, ro=True)."""
    made: list[Path] = []

    def make(name: str, size: str = "", *, bind: Path | None = None, ro: bool = False) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        if bind is not None:
            subprocess.run(["mount", "--bind", str(bind), str(folder)], check=True)
        else:
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
                check=True,
            )
        made.append(folder)
        if ro:
            options = "remount,bind,ro" if bind is not None else "remount,ro"
            subprocess.run(["mount", "-o", options, str(folder)], check=True)
        return folder

    yield make
    for folder in reversed(made):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def identification(i: int) -> dict[str, Value]:
    return {
        "full_name": f"Disk Full Patient {i:04d}",
        "hospital_record_number": f"DF-{i:06d}",
        "date_of_birth": dt.date(1950, 1, 1) + dt.timedelta(days=i),
    }


def verify(db: Path, saved: dict[str, str]) -> OpenStudy:
    """The study opens, is intact, its audit verifies and every save is there."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    study = open_study(db, ADMIN, PASSWORD)
    with study.reading() as session:
        assert trail.verify(session, study.keyring)[1] == []
    names = {row.subject_code: row.name for row in PatientService(study).list_patients()}
    for code, full_name in saved.items():
        assert names[code] == full_name
    return study


@needs_mount
def test_disk_full_while_saving(mount: Mount) -> None:
    disk = mount("disk", "1m")
    db = disk / "site.rego"
    study = create_study(db, "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF).study
    filler = disk / "other-file.bin"
    filler.write_bytes(os.urandom(128 * 1024))
    service = PatientService(study)
    saved: dict[str, str] = {}

    def save(i: int) -> None:
        with service.editing() as editor:
            code = editor.create_patient()
            editor.save(code, "identification", identification(i))
        saved[code] = str(identification(i)["full_name"])

    i = 0
    with pytest.raises(StorageFull) as caught:  # noqa: PT012 (saves until the disk is full)
        while i < 10_000:
            save(i)
            i += 1
    message = str(caught.value)
    assert f"The disk holding {db} is full" in message
    assert "everything saved before is intact" in message
    assert len(saved) > 10
    study.close()

    study = verify(db, saved)
    try:
        assert len(PatientService(study).list_patients()) == len(saved)
        filler.unlink()  # the user frees some space and saves again
        code = PatientService(study).create_patient()
        assert code in {row.subject_code for row in PatientService(study).list_patients()}
    finally:
        study.close()


@needs_mount
def test_full_usb_drive_keeps_the_older_backup(
    filled_db: Path, mount: Mount, tmp_path: Path
) -> None:
    size = filled_db.stat().st_size
    usb = mount("usb", f"{(size * 3 // 2) // 4096 * 4096}")
    first = write_backup(filled_db, usb).path
    with pytest.raises(StorageFull) as caught:
        write_backup(filled_db, usb)
    assert f"could not be written to {usb}: the disk (or USB drive) is full" in str(caught.value)
    assert "The study database itself is intact" in str(caught.value)
    assert [e.path for e in list_backups(usb)] == [first]
    assert not [p for p in usb.iterdir() if p.name.startswith(".")]  # no partial left
    assert check_backup(first, ADMIN, PASSWORD).patients == 3
    verify(filled_db, {}).close()


@needs_mount
def test_write_protected_usb_drive(filled_db: Path, mount: Mount) -> None:
    usb = mount("usb", "4m", ro=True)
    with pytest.raises(StorageFull, match="the folder is read-only or protected"):
        write_backup(filled_db, usb)


@needs_mount
def test_study_in_a_read_only_folder_is_not_called_damaged(filled_db: Path, mount: Mount) -> None:
    ro = mount("ro", bind=filled_db.parent, ro=True)
    with pytest.raises(StudyFileError) as caught:
        check_integrity(ro / filled_db.name)
    assert not isinstance(caught.value, DamagedDatabase)
    assert "read-only or protected" in str(caught.value)
    assert "Nothing was changed" in str(caught.value)


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
def test_file_size_limit_while_saving(tmp_path: Path) -> None:
    """The same in a child process whose files may not grow (any user)."""
    db = tmp_path / "site.rego"
    create_study(db, "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF).study.close()
    limit = db.stat().st_size + 48 * 1024

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        [sys.executable, str(CHILD), "save", str(db), "0"],
        capture_output=True,
        text=True,
        env=child_env(),
        preexec_fn=limited,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "ready"
    last = lines[-1]
    assert last.startswith("error "), last  # a friendly error, not a traceback
    assert "everything saved before is intact" in last
    saved = {}
    for line in lines:
        parts = line.split(" ")
        if parts[0] == "saved":
            saved[parts[1]] = f"Crash Patient {int(parts[2]):05d} 测试"
        elif parts[0] == "updated":
            saved[parts[1]] = f"Crash Patient {int(parts[2]):05d} renamed"
    assert len(saved) > 3
    verify(db, saved).close()


@pytest.fixture
def filled_db(filled_study_path: Path) -> Path:
    return filled_study_path


@pytest.fixture
def filled_study_path(created: tuple[OpenStudy, str], db_path: Path) -> Path:
    study = created[0]
    service = PatientService(study)
    for i in range(3):
        code = service.create_patient()
        service.save(code, "identification", identification(i))
    study.close()
    return db_path
