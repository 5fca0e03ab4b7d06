"""Build the Qt translation files from the sources.

    python tools/i18n.py update    # extract strings from rego_desktop/ui into the .ts files
    python tools/i18n.py release   # compile .ts into the .qm files the application loads

Translators edit ``resources/i18n/rego_desktop_zh_CN.ts`` (Qt Linguist or any editor);
CRF labels are not here: they come from the study definition in both languages.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("zh_CN",)


def tool(name: str) -> str:
    found = shutil.which(f"pyside6-{name}")
    if found is None:
        sys.exit(f"pyside6-{name} not found; install PySide6 first")
    return found


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "rego_desktop" / "ui").glob("*.py"))


def ts_file(language: str) -> Path:
    return I18N / f"rego_desktop_{language}.ts"


def update(target_dir: Path = I18N) -> list[Path]:
    written = []
    for language in LANGUAGES:
        target = target_dir / ts_file(language).name
        if target_dir != I18N and ts_file(language).exists():
            shutil.copyfile(ts_file(language), target)
        subprocess.run(
            [tool("lupdate"), "-no-obsolete", "-locations", "none", *sources(), "-ts", str(target)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        written.append(target)
    return written


def release(source_dir: Path = I18N, target_dir: Path = I18N) -> list[Path]:
    written = []
    for language in LANGUAGES:
        source = source_dir / ts_file(language).name
        target = target_dir / f"rego_desktop_{language}.qm"
        subprocess.run(
            [tool("lrelease"), "-silent", str(source), "-qm", str(target)],
            check=True,
            capture_output=True,
        )
        written.append(target)
    return written


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        print("\n".join(str(p) for p in update()))
    elif command == "release":
        print("\n".join(str(p) for p in release()))
    else:
        sys.exit(__doc__)
