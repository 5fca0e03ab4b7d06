"""Keystrokes to enter issue 12's reference patient, by keyboard alone, in a real window.

    python bench/keystrokes.py

Starts a private X server (Xvfb 1366x768 with a window manager, as the desktop test
tier does), runs ``tests/desktop/test_reference_patient.py`` in it and prints the
number of keys typed from Ctrl+N in the main window to saving the survival form: every
character and every chord (Tab, Enter, Ctrl+N) counts one. No deliberate mistakes;
a lost keystroke fails the run. Target: at most 550 (about 700-763 before issue 12).

The patient (15 forms: eligibility, baseline, two cycles with a reduction on day 10, a
grade 3 hand-foot skin reaction, a partial response, progression, death) and the keys
are in ``tests/desktop/reference_patient.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.desktop.xserver import XServerError, run_tier  # noqa: E402

TARGET = 550
TEST = "tests/desktop/test_reference_patient.py"


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        count_file = Path(folder) / "keystrokes.txt"
        os.environ["REGO_KEYSTROKES_FILE"] = str(count_file)
        try:
            result = run_tier([TEST], capture=True)
        except XServerError as exc:
            print(f"keystrokes: {exc}", file=sys.stderr)
            return 2
        if result.returncode != 0 or not count_file.exists():
            print(result.stdout[-4000:], file=sys.stderr)
            print("keystrokes: the reference patient could not be entered", file=sys.stderr)
            return 1
        count = int(count_file.read_text(encoding="utf-8"))
    verdict = "ok" if count <= TARGET else "MISSED"
    print(f"reference patient: {count} keystrokes (target <= {TARGET}: {verdict}), none lost")
    return 0 if count <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
