"""``rego-center`` without a command opens the window (Qt is imported only then)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rego_desktop.center import cli as center_cli
from rego_desktop.center_ui import app as center_app


def test_no_command_opens_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[bool] = []

    def fake() -> int:
        opened.append(True)
        return 0

    monkeypatch.setattr(center_app, "run_center_gui", fake)
    assert center_cli.main([]) == 0
    assert opened == [True]


def test_commands_do_not_load_qt() -> None:
    code = (
        "import sys; from rego_desktop.center import cli; cli.build_parser();"
        "print([m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="displays are a Linux matter")
def test_without_a_display_it_says_so() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        [sys.executable, "-m", "rego_desktop.center"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no display" in result.stderr
    assert "--help" in result.stderr
