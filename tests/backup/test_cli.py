"""`rego-desktop backup` and `rego-desktop restore` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rego_desktop.backup.catalog import default_backup_dir, list_backups
from rego_desktop.cli import backup_commands
from rego_desktop.cli import main as cli_main
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.backup.conftest import NAMES, add_patients, damage_pages, names_in
from tests.conftest import ADMIN, PASSWORD


@pytest.fixture(autouse=True)
def _registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run through the real ``main`` (exit codes, error lines) with the module added."""
    if backup_commands not in cli_main.COMMAND_MODULES:
        monkeypatch.setattr(
            cli_main, "COMMAND_MODULES", (*cli_main.COMMAND_MODULES, backup_commands)
        )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli_main.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_backup_to_a_folder_and_list(
    filled: OpenStudy, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    usb = tmp_path / "usb"
    code, out, err = run(capsys, "backup", "--db", str(db_path), "--to", str(usb))
    assert (code, err) == (0, "")
    [entry] = list_backups(usb)
    assert f"Backup written: {entry.path}" in out
    assert "3 patients" in out
    code, out, _ = run(capsys, "backup", "--db", str(db_path), "--to", str(usb), "--list")
    assert code == 0
    assert str(entry.path) in out
    assert "3 patients" in out


def test_backup_default_folder_and_keep(
    filled: OpenStudy, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):
        add_patients(filled, ("Another One",))
        code, out, _ = run(capsys, "backup", "--db", str(db_path), "--keep", "2")
        assert code == 0
    assert len(list_backups(default_backup_dir())) == 2
    assert "Removed old backup" in out


def test_bad_keep_is_a_usage_error(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli_main.main(["backup", "--db", str(db_path), "--keep", "0"])
    assert caught.value.code == 2
    assert "give 1 to" in capsys.readouterr().err


def test_restore_check_then_restore(
    filled: OpenStudy,
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run(capsys, "backup", "--db", str(db_path), "--to", str(tmp_path / "b"))
    [entry] = list_backups(tmp_path / "b")
    filled.close()
    damage_pages(db_path)
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    args = ("restore", "--db", str(db_path), "--from", str(entry.path))
    code, out, err = run(capsys, *args, "--check")
    assert (code, err) == (0, "")
    assert "is good (3 patients, 3 records" in out
    assert "Nothing was changed" in out
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "")
    assert f"Restored {db_path} from {entry.path}" in out
    assert "The file it replaced is kept as" in out
    restored = open_study(db_path, ADMIN, PASSWORD)
    try:
        assert names_in(restored) == set(NAMES)
    finally:
        restored.close()


def test_restore_wrong_password_is_one_line_exit_1(
    filled: OpenStudy,
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run(capsys, "backup", "--db", str(db_path), "--to", str(tmp_path / "b"))
    [entry] = list_backups(tmp_path / "b")
    monkeypatch.setenv("REGO_PASSWORD", "Not-it-at-all-1")
    code, out, err = run(capsys, "restore", "--db", str(db_path), "--from", str(entry.path))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "cannot sign in to the study site.rego with that password" in err


def test_restore_missing_backup_is_a_usage_error(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "restore", "--db", str(db_path), "--from", str(tmp_path / "none.rego-backup")
    )
    assert code == 2
    assert "There is no backup file" in err


def test_password_never_comes_from_an_argument(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli_main.main(["restore", "--help"])
    assert "--password" not in capsys.readouterr().out
