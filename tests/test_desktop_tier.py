"""The desktop tier (tests/desktop) runs in a private X server, from the normal test run.

The offscreen platform has no window manager: windows are active when asked, frames
have no size and a keystroke never goes astray. The tests under ``tests/desktop`` meet
a real X server instead (Xvfb at 1366x768 with openbox), typing only into the widget
that has the focus. This test starts the server and runs them in a child pytest.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.desktop.xserver import TIER_TIMEOUT_S, XServerError, run_tier

TAIL_LINES = 120


def tail(text: str | bytes | None, lines: int = TAIL_LINES) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join((text or "").splitlines()[-lines:])


@pytest.mark.slow
def test_desktop_tier_passes_in_a_real_x_server(tmp_path: Path) -> None:
    if os.environ.get("QT_QPA_PLATFORM", "").startswith("xcb"):
        pytest.skip("this run is on X already: tests/desktop are collected directly")
    problem = ""
    try:
        done = run_tier(["--basetemp", str(tmp_path / "tier")], capture=True)
    except XServerError as exc:
        problem = f"cannot start the desktop tier's X server: {exc}"
    except subprocess.TimeoutExpired as exc:
        problem = (
            f"the desktop tier did not finish within {TIER_TIMEOUT_S:.0f} s:\n{tail(exc.output)}"
        )
    else:
        if done.returncode != 0:
            problem = (
                f"the desktop tier failed (pytest exit status {done.returncode}); "
                f"run `python tests/desktop/run.py` to see it:\n{tail(done.stdout)}"
            )
    if problem:
        pytest.fail(problem, pytrace=False)
