"""The backup pieces are wired into the application: commands, --self-test, the
integrity check at open, the settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rego_desktop.backup.writer import write_backup
from rego_desktop.cli import backup_commands
from rego_desktop.cli.main import COMMAND_MODULES, build_parser
from rego_desktop.errors import DamagedDatabase
from rego_desktop.store.opening import open_study, recover_access
from rego_desktop.store.study import OpenStudy
from tests.backup.conftest import damage_pages
from tests.conftest import ADMIN, PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def test_backup_and_restore_are_commands() -> None:
    assert backup_commands in COMMAND_MODULES
    help_text = build_parser().format_help()
    assert "backup" in help_text
    assert "restore" in help_text
    assert "--self-test" in help_text


@pytest.mark.slow
def test_self_test_flag_runs_headless(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--self-test"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "REGO_DATA_DIR": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("Self-test passed.")
    assert list(tmp_path.iterdir()) == []


def test_opening_a_damaged_study_names_the_newest_backup(
    created: tuple[OpenStudy, str], db_path: Path
) -> None:
    study, recovery_key = created
    newest = write_backup(db_path).path
    study.close()
    damage_pages(db_path, table="audit_entries")
    with pytest.raises(DamagedDatabase, match=f"The newest backup is {newest}"):
        open_study(db_path, ADMIN, PASSWORD)
    with pytest.raises(DamagedDatabase, match="rego-desktop restore"):
        recover_access(db_path, recovery_key, ADMIN, "Brand-new-pass-7")


def test_backup_settings_exist() -> None:
    from rego_desktop.ui import settings as keys

    folder = keys.BACKUP_FOLDER
    keep = keys.BACKUP_KEEP
    assert folder in keys.SCHEMA
    assert keep in keys.SCHEMA
    assert folder.default == ""
    assert keep.default == 10
