"""Wrong passwords are slowed across processes: the failure count lives in the user's
data folder, keyed by the study's identity, and the study file is never written."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rego_desktop.auth.throttle import FOLDER_NAME, LoginThrottle
from rego_desktop.errors import LoginThrottled
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, PASSWORD

WRONG = "Not-the-password-1"


def attempt(db: Path, data: Path, password: str) -> subprocess.CompletedProcess[str]:
    """One ``rego-desktop audit --verify`` in a new process."""
    env = {**os.environ, "REGO_DATA_DIR": str(data), "REGO_PASSWORD": password}
    env.pop("REGO_USER", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "rego_desktop",
            "audit",
            "--verify",
            "--db",
            str(db),
            "--user",
            ADMIN,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_failures_in_separate_processes_slow_the_next_process(
    study: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    study.close()
    data = tmp_path / "data"
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    for _ in range(3):
        result = attempt(db_path, data, WRONG)
        assert result.returncode == 1
        assert "Wrong user name or password" in result.stderr
    # A fourth process, even with the right password, is told to wait (2 s after 3).
    started = time.monotonic()
    result = attempt(db_path, data, PASSWORD)
    assert result.returncode == 1, result.stdout
    assert re.search(r"Too many failed log-ins for admin; wait [12] s", result.stderr)
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before  # nothing written
    wal = Path(str(db_path) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    # Only hashed names in the folder: it does not say who tried to sign in where.
    files = [p for p in (data / FOLDER_NAME).rglob("*") if p.is_file()]
    assert len(files) == 3
    for path in files:
        assert ADMIN not in str(path.relative_to(data))
        assert ADMIN not in path.read_text()
    time.sleep(max(0.0, 2.2 - (time.monotonic() - started)))
    result = attempt(db_path, data, PASSWORD)
    assert result.returncode == 0, result.stderr
    assert "Audit trail intact" in result.stdout
    assert list((data / FOLDER_NAME).iterdir()) == []  # success clears the count


def test_two_processes_share_the_count_and_a_copy_of_the_file_too(
    study: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    """Failures against a copy (same study identity) count for the original."""
    study.close()
    copy = tmp_path / "copy.rego"
    copy.write_bytes(db_path.read_bytes())
    data = tmp_path / "data"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rego_desktop",
                "audit",
                "--verify",
                "--db",
                str(p),
                "--user",
                ADMIN,
            ],
            env={**os.environ, "REGO_DATA_DIR": str(data), "REGO_PASSWORD": WRONG},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in (db_path, copy)
    ]
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 1
        assert "Wrong user name or password" in err
    result = attempt(copy, data, WRONG)
    assert "Wrong user name or password" in result.stderr
    result = attempt(db_path, data, WRONG)
    assert "Too many failed log-ins" in result.stderr


def test_counts_persist_in_the_folder(tmp_path: Path) -> None:
    now = [1000.0]
    first = LoginThrottle(clock=lambda: now[0], folder=lambda: tmp_path)
    for _ in range(4):
        first.failed("study-uid", "Nurse")
    second = LoginThrottle(clock=lambda: now[0], folder=lambda: tmp_path)  # another process
    with pytest.raises(LoginThrottled) as info:
        second.check("study-uid", "NURSE")  # user names compare without case
    assert info.value.wait_seconds == pytest.approx(4.0)
    second.check("other-study", "nurse")
    now[0] += 4.5
    second.check("study-uid", "nurse")


def test_a_clock_set_back_does_not_lock_out_for_longer_than_the_delay(tmp_path: Path) -> None:
    now = [10_000.0]
    throttle = LoginThrottle(clock=lambda: now[0], folder=lambda: tmp_path)
    for _ in range(3):
        throttle.failed("db", "admin")
    now[0] -= 86_400
    with pytest.raises(LoginThrottled) as info:
        throttle.check("db", "admin")
    assert info.value.wait_seconds == pytest.approx(2.0)


def test_an_unreadable_or_unwritable_folder_falls_back_to_memory(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    throttle = LoginThrottle(clock=lambda: 0.0, folder=lambda: blocked / "sub")
    for _ in range(3):
        throttle.failed("db", "admin")  # cannot be written: kept in memory
    with pytest.raises(LoginThrottled):
        throttle.check("db", "admin")
    garbled = LoginThrottle(clock=lambda: 0.0, folder=lambda: tmp_path / "g")
    garbled.failed("db", "admin")
    for path in (tmp_path / "g").rglob("*.fail"):
        path.write_text("{not json")
    garbled.check("db", "admin")
