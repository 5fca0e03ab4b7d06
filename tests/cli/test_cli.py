"""The rego-desktop command line, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "Site-password-2024"


def run(
    *args: str, password: str | None = PASSWORD, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REGO_")}
    full_env["REGO_DATA_DIR"] = os.environ["REGO_DATA_DIR"]
    if password is not None:
        full_env["REGO_PASSWORD"] = password
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "rego_desktop", *args],
        capture_output=True,
        text=True,
        env=full_env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, says: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]


@pytest.fixture(scope="module")
def site_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "site.rego"
    os.environ.setdefault("REGO_DATA_DIR", str(path.parent / "data"))
    result = run(
        "init", "--db", str(path), "--site", "sh02", "--user", "chen", "--full-name", "Chen Li"
    )
    assert result.returncode == 0, result.stderr
    assert "RECOVERY KEY" in result.stdout
    return path


def test_init_prints_the_recovery_key_once(site_db: Path) -> None:
    assert site_db.exists()


def test_version_and_help() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("rego-desktop ")
    for command in ("init", "demo", "audit", "recover", "users"):
        result = run(command, "--help")
        assert result.returncode == 0, command
        assert "--db" in result.stdout


def test_bad_usage_exits_2_with_one_line() -> None:
    result = run("frobnicate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr
    result = run("demo", "--db", "x.rego", "--patients", "lots")
    assert result.returncode == 2
    assert "'lots' is not a whole number" in result.stderr


def test_wrong_password_is_one_line_exit_1(site_db: Path) -> None:
    result = run("audit", "--db", str(site_db), password="Wrong-password-1")
    assert_one_line_error(result, 1, "Wrong user name or password.")


def test_missing_password_without_terminal(site_db: Path) -> None:
    result = run("audit", "--db", str(site_db), password=None)
    assert_one_line_error(result, 2, "Set REGO_PASSWORD")


def test_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.rego"
    bogus.write_bytes(b"\x00" * 4096)
    result = run("audit", "--db", str(bogus))
    assert_one_line_error(result, 1, "is not a rego-desktop study database")


def test_init_with_bad_site_code(tmp_path: Path) -> None:
    result = run("init", "--db", str(tmp_path / "n.rego"), "--site", "B J", "--user", "chen")
    assert_one_line_error(result, 1, "Site code 'B J' is not valid")


def test_audit_prints_and_verifies(site_db: Path) -> None:
    result = run("audit", "--db", str(site_db))
    assert result.returncode == 0, result.stderr
    assert "study.create" in result.stdout
    result = run("audit", "--db", str(site_db), "--verify")
    assert result.returncode == 0
    assert "Audit trail intact" in result.stdout


def test_users_add_and_list(site_db: Path) -> None:
    result = run(
        "users",
        "--db",
        str(site_db),
        "--add",
        "nurse1",
        "--role",
        "data_entry",
        "--full-name",
        "Wang Fang",
        env={"REGO_NEW_PASSWORD": "Ward-seven-2024"},
    )
    assert result.returncode == 0, result.stderr
    assert "nurse1" in result.stdout
    assert "data_entry" in result.stdout
    # Two users now: the command asks which one.
    result = run("audit", "--db", str(site_db))
    assert_one_line_error(result, 2, "say which with --user NAME")
    result = run("audit", "--db", str(site_db), "--user", "nurse1", password="Ward-seven-2024")
    assert result.returncode == 0


def test_tampered_audit_fails_verification(site_db: Path, tmp_path: Path) -> None:
    import shutil
    import sqlite3

    copy = tmp_path / "copy.rego"
    shutil.copy(site_db, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE audit_entries SET action = 'nothing' WHERE seq = 1")
    result = run("audit", "--db", str(copy), "--verify", "--user", "chen")
    assert result.returncode == 1
    assert "Entry #1 was altered." in result.stdout


def test_recover_with_recovery_key(tmp_path: Path) -> None:
    path = tmp_path / "r.rego"
    result = run("init", "--db", str(path), "--site", "GZ03", "--user", "li")
    key = next(line.strip() for line in result.stdout.splitlines() if line.count("-") == 13)
    result = run(
        "recover",
        "--db",
        str(path),
        "--user",
        "li",
        password=None,
        env={"REGO_RECOVERY_KEY": key, "REGO_NEW_PASSWORD": "Recovered-pass-1"},
    )
    assert result.returncode == 0, result.stderr
    assert run("audit", "--db", str(path), password="Recovered-pass-1").returncode == 0
    assert run("audit", "--db", str(path)).returncode == 1


def test_demo_creates_and_fills_a_study(tmp_path: Path) -> None:
    path = tmp_path / "demo.rego"
    result = run("demo", "--db", str(path), "--patients", "25", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "Added 25 demo patients" in result.stdout
    assert "RECOVERY KEY" in result.stdout
    result = run("demo", "--db", str(path), "--patients", "5")
    assert result.returncode == 0, result.stderr
    result = run("audit", "--db", str(path), "--verify")
    assert result.returncode == 0
    assert "Audit trail intact" in result.stdout
