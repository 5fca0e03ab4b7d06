"""The installer scripts agree with each other and with the application (no build)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ISS = (ROOT / "installer" / "rego-desktop.iss").read_text(encoding="utf-8")
SPEC = (ROOT / "installer" / "rego_desktop.spec").read_text(encoding="utf-8")


def setup_value(key: str) -> str:
    match = re.search(rf"^{key}=(.*)$", ISS, re.MULTILINE)
    assert match, key
    return match.group(1).strip()


def section(name: str) -> str:
    match = re.search(rf"^\[{name}\]\n(.*?)(?=^\[|\Z)", ISS, re.MULTILINE | re.DOTALL)
    return match.group(1) if match else ""


def test_per_user_install_without_administrator() -> None:
    assert setup_value("PrivilegesRequired") == "lowest"
    assert setup_value("DefaultDirName") == r"{autopf}\{#AppName}"  # %LOCALAPPDATA%\Programs


def test_start_menu_entry() -> None:
    icons = section("Icons")
    assert r'Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"' in icons


def test_uninstall_keeps_the_study_data() -> None:
    # Only installed files are removed: nothing deletes other files or the data folder.
    assert section("UninstallDelete").strip() == ""
    assert "DelTree" not in ISS
    assert "DeleteFile" not in ISS
    assert r"{localappdata}\{#AppName}" in section("Code")  # only to say where it is
    files = section("Files")
    assert 'DestDir: "{app}"' in files
    assert "{localappdata}" not in files
    assert "{userappdata}" not in files


def test_installer_wraps_what_the_spec_builds() -> None:
    assert 'name="rego-desktop"' in SPEC  # the COLLECT folder
    assert 'name="rego-desktop-cli"' in SPEC
    assert r'#define SourceDir "..\dist\rego-desktop"' in ISS
    assert '#define AppExe "rego-desktop.exe"' in ISS
    assert "upx=False" in SPEC


def test_spec_bundles_resources_and_migrations() -> None:
    assert 'tree(ROOT / "resources", "resources")' in SPEC
    assert 'tree(MIGRATIONS, "rego_desktop/models/migrations")' in SPEC


def test_the_data_folder_is_where_the_uninstaller_says() -> None:
    paths = (ROOT / "rego_desktop" / "paths.py").read_text(encoding="utf-8")
    assert 'APP = "rego-desktop"' in paths
    assert "user_data_dir(APP, appauthor=False)" in paths  # %LOCALAPPDATA%\rego-desktop


def test_pyinstaller_is_a_build_extra_not_a_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any(d.lower().startswith("pyinstaller") for d in project["dependencies"])
    extras = project["optional-dependencies"]
    assert any(d.lower().startswith("pyinstaller") for d in extras["test"])
    assert any(d.lower().startswith("pyinstaller") for d in extras["build"])
