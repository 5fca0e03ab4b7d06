"""Run the desktop tier on a private X server: ``python tests/desktop/run.py [pytest args]``.

Starts Xvfb (1366x768) and a window manager, runs ``pytest tests/desktop`` in it with
``QT_QPA_PLATFORM=xcb`` (extra arguments go to pytest, e.g. ``-k login -x`` or a test
file), and stops both afterwards. ``REGO_SCREENSHOT_DIR`` keeps the screenshots.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.desktop.xserver import TIER_TIMEOUT_S, XServerError, run_tier


def main(argv: list[str]) -> int:
    try:
        return run_tier(argv).returncode
    except XServerError as exc:
        print(f"desktop tier: {exc}", file=sys.stderr)
        return 2
    except subprocess.TimeoutExpired:
        print(f"desktop tier: still running after {TIER_TIMEOUT_S:.0f} s; stopped", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
