"""SIGKILL at random moments: whatever a save, backup or restore had returned survives.

The child process saves (or backs up, or restores) in a loop and prints a line after
each call returned; the parent kills it with SIGKILL after a random delay, many
times, and after every kill checks the database as a user would find it after a
power cut: it opens, passes ``PRAGMA integrity_check``, its audit chain verifies, and
every save that had returned is there with its value.
"""

from __future__ import annotations

import random
import signal
import sqlite3
from pathlib import Path

import pytest

from rego_desktop.audit import trail
from rego_desktop.backup.catalog import list_backups
from rego_desktop.backup.restore import check_backup
from rego_desktop.backup.writer import write_backup
from rego_desktop.services.patients import PatientService
from rego_desktop.store.opening import create_study, open_study
from tests.conftest import ADMIN, FAST_KDF, PASSWORD
from tests.crash.child import name, updated_name
from tests.crash.conftest import run_and_kill

pytestmark = pytest.mark.slow

KILLS = 20
SEED = 20240305


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def check_study(path: Path) -> dict[str, str]:
    """Opens, is intact, the audit chain verifies; returns subject code -> name."""
    assert integrity(path) == "ok"
    study = open_study(path, ADMIN, PASSWORD)
    try:
        with study.reading() as session:
            _count, problems = trail.verify(session, study.keyring)
        assert problems == [], [p.message for p in problems]
        service = PatientService(study)
        names = {row.subject_code: row.name for row in service.list_patients()}
        for code, full_name in names.items():  # the summary agrees with the record
            record = service.casebook(code).single("identification")
            assert (record.get("full_name") or "") == full_name
        return names
    finally:
        study.close()


def test_killed_while_saving(tmp_path: Path) -> None:
    db = tmp_path / "site.rego"
    create_study(db, "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF).study.close()
    rng = random.Random(SEED)
    expected: dict[str, str] = {}
    next_index = 0
    returned = 0
    for _ in range(KILLS):
        killed = run_and_kill(rng, "save", str(db), str(next_index))
        assert killed.returncode == -signal.SIGKILL
        under_way: tuple[str, str, int] | None = None
        for line in killed.lines:
            parts = line.split(" ")
            if parts[0] == "begin":
                under_way = (parts[1], parts[2], int(parts[3]))
                next_index = max(next_index, int(parts[3]) + 1)
                continue
            word, code, i = parts[0], parts[1], int(parts[2])
            if word == "saved":
                expected[code] = name(i)
                under_way, returned = None, returned + 1
            elif word == "updated":
                expected[code] = updated_name(i)
                under_way, returned = None, returned + 1
        found = check_study(db)
        if under_way is not None:  # committed completely or not at all
            kind, code, i = under_way
            if kind == "save":
                new = set(found) - set(expected)
                assert len(new) <= 1
                if new:
                    expected[new.pop()] = name(i)
            else:
                assert found[code] in (name(i), updated_name(i))
                expected[code] = found[code]
        assert found == expected  # every save that returned is there, nothing else
    assert returned > KILLS  # the kills landed in the middle of real work
    assert len(expected) > KILLS


def test_killed_while_backing_up(tmp_path: Path) -> None:
    db = tmp_path / "site.rego"
    study = create_study(db, "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF).study
    service = PatientService(study)
    for _ in range(30):
        service.create_patient()
    study.close()
    folder = tmp_path / "usb"
    rng = random.Random(SEED + 1)
    for _ in range(5):
        killed = run_and_kill(rng, "backup", str(db), str(folder), max_delay=0.6)
        reported = {Path(line.split(" ", 1)[1]) for line in killed.lines}
        listed = {e.path for e in list_backups(folder)}
        assert reported <= listed
        assert not any(p.name.endswith(".partial") for p in listed)
    for entry in list_backups(folder):  # every backup under a backup's name is whole
        assert entry.manifest is not None
        assert check_backup(entry.path, ADMIN, PASSWORD).patients == 30
    assert integrity(db) == "ok"


def test_killed_while_restoring(tmp_path: Path) -> None:
    db = tmp_path / "site.rego"
    study = create_study(db, "BJ01", ADMIN, PASSWORD, kdf=FAST_KDF).study
    service = PatientService(study)
    for _ in range(3):
        service.create_patient()
    three = write_backup(db, tmp_path / "b").path
    service.create_patient()
    four = write_backup(db, tmp_path / "b").path
    study.close()
    rng = random.Random(SEED + 2)
    for _ in range(6):
        run_and_kill(rng, "restore", str(db), str(three), str(four), max_delay=1.0)
        # Old or new study, never none and never a mixture.
        assert db.exists()
        assert len(check_study(db)) in (3, 4)
