"""The endpoint code must run on the desktop build, which ships no scientific stack."""

import subprocess
import sys

FORBIDDEN = ("numpy", "scipy", "pandas", "lifelines", "PySide6")


def test_importing_endpoints_pulls_in_no_scientific_or_qt_packages() -> None:
    script = (
        "import sys, rego_desktop.endpoints as e\n"
        "e.kaplan_meier([1, 2], [1, 0]); e.proportion(1, 2); e.ae_table([('S1', 'HFSR', 2)])\n"
        f"print(','.join(sorted(m for m in {FORBIDDEN!r} if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
