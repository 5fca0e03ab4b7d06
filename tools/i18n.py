"""Build the Qt translation files from the sources.

    python tools/i18n.py update    # extract strings from rego_desktop/ui into the .ts files
    python tools/i18n.py release   # compile .ts into the .qm files the application loads,
                                   # and copy Qt's own translations (see `qt`)
    python tools/i18n.py qt        # only copy Qt's translations of its standard dialogs
                                   # (qtbase_zh_CN.qm: OK/Cancel, file and print dialogs)
    python tools/i18n.py merge FILE.json...  # update, fill translations from JSON lists
                                             # of {context, source, translation}, release

Translators edit ``resources/i18n/rego_desktop_zh_CN.ts`` (Qt Linguist or any editor);
CRF labels are not here: they come from the study definition in both languages.

Qt's own catalogue (``qtbase_<language>.qm``, the buttons and texts of message boxes,
file and print dialogs) is copied from the installed PySide6 into the same folder, so
the frozen application ships it beside ours and does not depend on where Qt lives.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("zh_CN",)
QT_CATALOGUES = ("qtbase",)


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


def qt_translations_dir() -> Path:
    from PySide6.QtCore import QLibraryInfo

    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def qt(target_dir: Path = I18N, source_dir: Path | None = None) -> list[Path]:
    """Copy Qt's translations of its standard dialogs (e.g. qtbase_zh_CN.qm)."""
    source_dir = source_dir or qt_translations_dir()
    written = []
    for language in LANGUAGES:
        for catalogue in QT_CATALOGUES:
            source = source_dir / f"{catalogue}_{language}.qm"
            if not source.is_file():
                sys.exit(f"{source} not found; install PySide6 (with its translations) first")
            target = target_dir / source.name
            shutil.copyfile(source, target)
            written.append(target)
    return written


def release(source_dir: Path = I18N, target_dir: Path = I18N) -> list[Path]:
    """Compile our .ts files (first in the list returned), then copy Qt's catalogues."""
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
    return written + qt(target_dir)


def merge(json_files: list[Path], language: str = "zh_CN") -> list[tuple[str, str]]:
    """Fill translations from JSON lists of {context, source, translation} into the
    committed .ts (after ``update``); returns the messages still untranslated."""
    import json
    import xml.etree.ElementTree as ET

    given: dict[tuple[str, str], str] = {}
    for path in json_files:
        for entry in json.loads(path.read_text(encoding="utf-8")):
            given[(entry["context"], entry["source"])] = entry["translation"]
    target = ts_file(language)
    tree = ET.parse(target)
    missing: list[tuple[str, str]] = []
    for context in tree.getroot():
        name = context.findtext("name") or ""
        for message in context.findall("message"):
            key = (name, message.findtext("source") or "")
            translation = message.find("translation")
            if translation is None:
                continue
            if key in given:
                translation.text = given[key]
                translation.attrib.pop("type", None)
            elif translation.get("type") == "unfinished" or not (translation.text or "").strip():
                missing.append(key)
    tree.write(target, encoding="utf-8", xml_declaration=True)
    return missing


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        print("\n".join(str(p) for p in update()))
    elif command == "release":
        print("\n".join(str(p) for p in release()))
    elif command == "merge":
        update()
        left = merge([Path(p) for p in sys.argv[2:]])
        release()
        print("\n".join(f"untranslated: {c}: {m}" for c, m in left) or "all translated")
    elif command == "qt":
        print("\n".join(str(p) for p in qt()))
    else:
        sys.exit(__doc__)
