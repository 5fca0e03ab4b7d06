"""The frozen application (PyInstaller) builds, starts and passes its self-test offline.

Builds once per run into a temporary folder (about a minute on two cores), then runs
the frozen programs the way an installed copy runs: no Python, no network (inside a
network namespace without interfaces when the machine allows one), no display.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rego_desktop import __version__

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXE = ".exe" if sys.platform == "win32" else ""
PASSWORD = "Frozen-build-2024"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is a test extra: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("frozen")
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "installer" / "build.py"),
            "--dist",
            str(out / "dist"),
            "--work",
            str(out / "work"),
            "--no-check",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    folder = out / "dist" / "rego-desktop"
    assert (folder / f"rego-desktop{EXE}").is_file()
    assert (folder / f"rego-desktop-cli{EXE}").is_file()
    return folder


def _offline() -> list[str]:
    """A prefix that runs a command without network, if this machine can do that."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    probe = subprocess.run([unshare, "--net", "true"], capture_output=True, check=False)
    return [unshare, "--net"] if probe.returncode == 0 else []


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "REGO_"))}
    clean.update(REGO_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen")
    return clean


def run(app: Path, *args: str, env: dict[str, str], program: str = "rego-desktop-cli") -> str:
    result = subprocess.run(
        [*_offline(), str(app / f"{program}{EXE}"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.parametrize("program", ["rego-desktop", "rego-desktop-cli"])
def test_version(app: Path, env: dict[str, str], program: str) -> None:
    assert run(app, "--version", env=env, program=program).strip() == f"rego-desktop {__version__}"


def test_self_test_offline_and_headless(app: Path, env: dict[str, str]) -> None:
    out = run(app, "--self-test", env=env)
    assert "(frozen;" in out.splitlines()[0]
    assert out.rstrip().endswith("Self-test passed.")
    assert "FAIL" not in out
    assert "per-patient summary" in out
    if importlib.util.find_spec("pypdfium2") is not None:  # a dependency: must be bundled
        assert "render a PDF page for printing (" in out
        assert "skipped" not in out


def test_command_line_backup_and_restore_check(
    app: Path, env: dict[str, str], tmp_path: Path
) -> None:
    db, backups = tmp_path / "site.rego", tmp_path / "usb"
    env = {**env, "REGO_PASSWORD": PASSWORD}
    created = run(app, "init", "--db", str(db), "--site", "BJ01", "--user", "admin", env=env)
    assert "RECOVERY KEY" in created
    assert "Backup written" in run(app, "backup", "--db", str(db), "--to", str(backups), env=env)
    [backup] = backups.glob("*.rego-backup")
    out = run(app, "restore", "--db", str(db), "--from", str(backup), "--check", env=env)
    assert "is good" in out


def test_bundle_holds_resources_and_migrations_but_no_test_tools(app: Path) -> None:
    internal = app / "_internal"
    assert sorted(p.name for p in (internal / "resources" / "i18n").glob("*.qm")) == sorted(
        p.name for p in (ROOT / "resources" / "i18n").glob("*.qm")
    )
    versions = internal / "rego_desktop" / "models" / "migrations" / "versions"
    assert sorted(p.name for p in versions.glob("*.py")) == sorted(
        p.name for p in (ROOT / "rego_desktop" / "models" / "migrations" / "versions").glob("*.py")
    )
    assert (internal / "rego_desktop" / "models" / "migrations" / "env.py").is_file()
    for unwanted in ("pytest", "_pytest", "hypothesis", "numpy", "scipy", "psycopg", "PyInstaller"):
        assert not (internal / unwanted).exists(), unwanted


@pytest.fixture
def gui(app: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [*_offline(), str(app / f"rego-desktop{EXE}")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    yield process
    if process.poll() is None:
        process.terminate()
    process.communicate(timeout=30)


def test_application_window_starts(gui: subprocess.Popen[str]) -> None:
    """The window program starts Qt (offscreen) and keeps running: no import error, no
    missing Qt plugin. (It shows the set-up wizard: the data folder is empty.)"""
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and gui.poll() is None:
        time.sleep(0.2)
    code = gui.poll()
    if code is not None:
        _out, err = gui.communicate()
        pytest.fail(f"the application window exited with {code}: {err[-2000:]}")
