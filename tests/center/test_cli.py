"""The rego-center command (as a real process) and the site's export and site-key commands."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from rego_desktop.center import cli as center_cli
from rego_desktop.cli import exchange_commands
from rego_desktop.errors import RegoError, UsageError
from rego_desktop.exchange.keys import load_center_public_key
from rego_desktop.store.study import OpenStudy
from tests.conftest import PASSWORD
from tests.exchange.sitefill import new_site

PASSPHRASE = "center passphrase 2024"


def center(*args: str, passphrase: str | None = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGO_")}
    env["REGO_DATA_DIR"] = os.environ["REGO_DATA_DIR"]
    if passphrase is not None:
        env["REGO_CENTER_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "rego_desktop.center", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def site(argv: Sequence[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run a site subcommand in-process, as rego-desktop's main would."""
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    parser = argparse.ArgumentParser(prog="rego-desktop")
    sub = parser.add_subparsers()
    exchange_commands.register(sub)
    args = parser.parse_args(list(argv))
    code: int = args.run(args)
    return code


def one_line_error(result: subprocess.CompletedProcess[str], code: int, says: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]


@pytest.fixture
def site_study(tmp_path: Path) -> Any:
    study, _fill = new_site(tmp_path, "BJ01", 4)
    yield study
    study.close()


def test_whole_flow_from_keygen_to_workbook(
    site_study: OpenStudy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    keys, registry = tmp_path / "center-keys", tmp_path / "site-keys"
    result = center("keygen", "--out", str(keys), "--name", "Test Center 测试")
    assert result.returncode == 0, result.stderr
    public = load_center_public_key(keys / "center-public-key.json")
    assert public.fingerprint in result.stdout
    assert (keys / "center-private-key.json").stat().st_mode & 0o077 == 0
    one_line_error(center("keygen", "--out", str(keys), "--name", "Again"), 1, "already exists")

    db = site_study.path
    assert (
        site(["site-key", "--db", str(db), "--out", str(tmp_path / "bj01.json")], monkeypatch) == 0
    )
    out = capsys.readouterr().out
    fingerprint = out.split("Fingerprint: ")[1].split()[0]

    wrong = center(
        "register-site",
        "--site-keys",
        str(registry),
        "--fingerprint",
        "0" * 40,
        str(tmp_path / "bj01.json"),
    )
    one_line_error(wrong, 1, "is not the fingerprint of the key")
    typed = fingerprint.replace("-", "").lower()  # as read over the telephone
    result = center(
        "register-site",
        "--site-keys",
        str(registry),
        "--fingerprint",
        typed,
        str(tmp_path / "bj01.json"),
    )
    assert result.returncode == 0, result.stderr
    assert (registry / "BJ01.json").exists()

    center_key = str(keys / "center-public-key.json")
    assert (
        site(["export", "--db", str(db), "--center-key", center_key, "--preview"], monkeypatch) == 0
    )
    assert "Removed (stays at the site)" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.rgt"))
    transfer = tmp_path / "bj01-1.rgt"
    code = site(
        ["export", "--db", str(db), "--center-key", center_key, "--out", str(transfer)], monkeypatch
    )
    assert code == 0
    assert f"Wrote {transfer}" in capsys.readouterr().out
    with pytest.raises(UsageError):
        site(["export", "--db", str(db), "--center-key", center_key], monkeypatch)

    tampered = tmp_path / "tampered.rgt"
    data = bytearray(transfer.read_bytes())
    data[200] ^= 1
    tampered.write_bytes(bytes(data))

    result = center("verify", "--site-keys", str(registry), str(transfer))
    assert result.returncode == 0, result.stderr
    assert f"OK {transfer}: site BJ01, package sequence 1" in result.stdout
    result = center("verify", "--site-keys", str(registry), "--key", str(keys), str(transfer))
    assert "content valid, 4 patients" in result.stdout
    result = center("verify", "--site-keys", str(registry), "--json", str(transfer), str(tampered))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [r["status"] for r in report] == ["ok", "refused"]
    assert report[1]["file"] == str(tampered)

    pooled = tmp_path / "center.db"
    args = ["merge", "--db", str(pooled), "--key", str(keys), "--site-keys", str(registry)]
    result = center(*args, str(tampered), str(transfer))
    assert result.returncode == 1
    assert f"{transfer}: merged site BJ01 sequence 1: 4 patients (4 added" in result.stdout
    assert f"REFUSED {tampered}: " in result.stderr
    assert str(tampered) in result.stderr
    result = center(*args, str(transfer))
    assert result.returncode == 0
    assert "already merged" in result.stdout
    one_line_error(center(*args, str(transfer), passphrase="wrong passphrase"), 1, "passphrase")

    result = center("log", "--db", str(pooled), "--json")
    log = json.loads(result.stdout)
    assert len(log) == 1
    assert log[0]["added"] == 4
    assert log[0]["file"] == str(transfer)
    assert "BJ01" in center("log", "--db", str(pooled)).stdout

    result = center("summary", "--db", str(pooled))
    assert result.returncode == 0, result.stderr
    assert "Pooled data: 4 patients from 1 site(s)." in result.stdout
    result = center("summary", "--db", str(pooled), "--json", "--by-site")
    summary = json.loads(result.stdout)
    assert summary["patients"] == 4
    assert summary["sites"][0]["site"] == "BJ01"
    assert summary["sites"][0]["patients"] == 4

    book = tmp_path / "pooled.xlsx"
    result = center("xlsx", "--db", str(pooled), "--out", str(book))
    assert result.returncode == 0, result.stderr
    workbook = load_workbook(book, read_only=False)
    assert workbook["patients"].max_row == 5
    assert workbook["demographics"].freeze_panes == "A2"
    one_line_error(center("xlsx", "--db", str(pooled), "--out", str(book)), 1, "already exists")


def test_errors_are_one_line(tmp_path: Path) -> None:
    one_line_error(center("summary", "--db", str(tmp_path / "none.db")), 1, "no center database")
    one_line_error(
        center("verify", "--site-keys", str(tmp_path / "nowhere"), str(tmp_path / "f.rgt")),
        1,
        "does not exist",
    )
    result = center("merge", "--db", "x.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    one_line_error(center("summary", "--db", "nosuchdialect://x/y"), 1, "nosuchdialect")
    assert center("--version").stdout.startswith("rego-center ")
    for command in (
        "keygen",
        "register-site",
        "verify",
        "merge",
        "log",
        "status",
        "audit",
        "rollback",
        "summary",
        "xlsx",
    ):
        assert center(command, "--help").returncode == 0


def test_summary_reads_the_rows_stored_at_merge_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from rego_desktop.analysis.summary import summarize
    from rego_desktop.center import analysis_rows
    from rego_desktop.center.db import open_center_database
    from rego_desktop.center.merge import merge_file
    from rego_desktop.center.pooled import pooled_casebooks
    from rego_desktop.exchange.export import export_transfer
    from rego_desktop.exchange.site_keys import site_public_key
    from tests.center.conftest import CENTER

    study, _ = new_site(tmp_path, "SH02", 3)
    try:
        export_transfer(study, CENTER.public, tmp_path / "s.rgt")
        with open_center_database(tmp_path / "c.db", create=True) as db:
            merge_file(db, tmp_path / "s.rgt", CENTER, {"SH02": site_public_key(study)})
            expected = summarize(pooled_casebooks(db))
    finally:
        study.close()

    def no_derivation(*_args: Any) -> dict[int, Any]:
        raise AssertionError("the summary derived a patient instead of reading its row")

    monkeypatch.setattr(analysis_rows, "_derive", no_derivation)
    assert center_cli.main(["summary", "--db", str(tmp_path / "c.db"), "--by-site"]) == 0
    assert "Pooled summary (all sites):" in capsys.readouterr().out
    assert center_cli.main(["summary", "--db", str(tmp_path / "c.db"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] == json.loads(json.dumps(expected, default=str))


def test_rego_errors_are_friendly(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    def boom(_args: argparse.Namespace) -> int:
        raise RegoError("Something the user can fix.")

    monkeypatch.setattr(center_cli, "cmd_log", boom)
    assert center_cli.main(["log", "--db", "x"]) == 1
    assert capsys.readouterr().err.strip() == "rego-center: error: Something the user can fix."
