"""Shared fixtures: isolated data folders, fast key derivation, ready-made studies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Offscreen by default, on one 1366x768 screen (a common site workstation). The desktop
# tier (tests/desktop) runs with QT_QPA_PLATFORM=xcb in a real X server instead.
os.environ.setdefault(
    "QT_QPA_PLATFORM",
    f"offscreen:configfile={Path(__file__).resolve().parent / 'offscreen-1366x768.json'}",
)

from rego_desktop.crypto.keyslots import ScryptParams
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy

# Real scrypt, with a cost low enough for hundreds of log-ins in a test run.
FAST_KDF = ScryptParams(n=2**12, r=8, p=1)
ADMIN = "admin"
PASSWORD = "Correct-horse-42"


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Logs, settings and default files go to a fresh folder, never the real profile."""
    folder = tmp_path_factory.mktemp("rego-data")
    monkeypatch.setenv("REGO_DATA_DIR", str(folder))
    for var in ("REGO_PASSWORD", "REGO_USER", "REGO_NEW_PASSWORD", "REGO_RECOVERY_KEY"):
        monkeypatch.delenv(var, raising=False)
    return folder


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "site.rego"


@pytest.fixture
def created(db_path: Path) -> Iterator[tuple[OpenStudy, str]]:
    """A new study (site BJ01, administrator 'admin') and its recovery key."""
    result = create_study(db_path, "BJ01", ADMIN, PASSWORD, full_name="Site Admin", kdf=FAST_KDF)
    yield result.study, result.recovery_key
    result.study.close()


@pytest.fixture
def study(created: tuple[OpenStudy, str]) -> OpenStudy:
    return created[0]
