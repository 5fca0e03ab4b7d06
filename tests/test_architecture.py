"""Layering and code health: the domain never imports Qt; ruff and mypy are clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rego_desktop"
QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def domain_modules() -> list[Path]:
    return [
        p
        for p in PACKAGE.rglob("*.py")
        if not {"ui", "center_ui"} & set(p.relative_to(PACKAGE).parts[:1])
    ]


def test_there_is_a_domain_to_check() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in domain_modules()}
    assert "store/opening.py" in names
    assert not any(n.startswith("ui/") for n in names)


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_domain_module_does_not_import_qt(path: Path) -> None:
    qt = [m for m in imported_modules(path) if m.split(".")[0] in QT_MODULES]
    assert qt == [], f"{path} imports {qt}; only rego_desktop/ui may use Qt"


def test_importing_the_domain_loads_no_qt() -> None:
    code = (
        "import sys, rego_desktop.cli.main, rego_desktop.services.patients, "
        "rego_desktop.services.users, rego_desktop.store.opening;"
        "print([m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a test dependency"
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run(
        [ruff, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
