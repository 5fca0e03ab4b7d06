"""Build the frozen application (and on Windows, optionally, the installer).

    python installer/build.py [--dist DIR] [--work DIR] [--installer]

Runs PyInstaller on ``installer/rego_desktop.spec`` with the current Python, which
must have the project and its build extra installed (``pip install -e '.[build]'``,
or ``.[test]``, which includes it). The result is the folder ``DIR/rego-desktop/``
with ``rego-desktop`` (window) and ``rego-desktop-cli`` (console). The build is then
checked by running ``rego-desktop-cli --version`` and ``--self-test`` (skip with
``--no-check``). ``--installer`` (Windows) wraps the folder with Inno Setup's ISCC
into ``DIR/rego-desktop-VERSION-setup.exe``. Works offline; downloads nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "rego_desktop.spec"
ISS = ROOT / "installer" / "rego-desktop.iss"
APP = "rego-desktop"
WINDOWS = sys.platform == "win32"
EXE_SUFFIX = ".exe" if WINDOWS else ""
ISCC_DEFAULTS = (
    Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")) / "Inno Setup 6",
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "Inno Setup 6",
    Path(os.environ.get("LOCALAPPDATA", r"C:\Users\Default\AppData\Local"))
    / "Programs"
    / "Inno Setup 6",
)


def version() -> str:
    namespace: dict[str, str] = {}
    init = (ROOT / "rego_desktop" / "__init__.py").read_text(encoding="utf-8")
    for line in init.splitlines():
        if line.startswith("__version__"):
            exec(line, namespace)
    return namespace["__version__"]


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def freeze(dist: Path, work: Path) -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        sys.exit(
            "PyInstaller is not installed: pip install -e '.[build]' (it is a build and "
            "test extra, not needed to run rego-desktop)."
        )
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    subprocess.run(command, cwd=ROOT, check=True)
    return dist / APP


def check(app: Path) -> None:
    """The frozen CLI answers --version and passes its self-test, offline and headless."""
    cli = app / f"{APP}-cli{EXE_SUFFIX}"
    with tempfile.TemporaryDirectory(prefix="rego-build-check-") as data:
        env = {**os.environ, "REGO_DATA_DIR": data, "QT_QPA_PLATFORM": "offscreen"}
        out = subprocess.run(
            [str(cli), "--version"], capture_output=True, text=True, env=env, check=True
        )
        expected = f"{APP} {version()}"
        if out.stdout.strip() != expected:
            sys.exit(f"{cli} --version printed {out.stdout.strip()!r}, not {expected!r}")
        print(out.stdout.strip())
        test = subprocess.run([str(cli), "--self-test"], text=True, env=env, check=False)
        if test.returncode != 0:
            sys.exit(f"{cli} --self-test failed (exit {test.returncode})")


def find_iscc() -> Path | None:
    given = os.environ.get("ISCC")
    if given:
        return Path(given)
    found = shutil.which("ISCC") or shutil.which("iscc")
    if found:
        return Path(found)
    for folder in ISCC_DEFAULTS:
        if (folder / "ISCC.exe").exists():
            return folder / "ISCC.exe"
    return None


def installer(app: Path, dist: Path) -> Path:
    iscc = find_iscc()
    if iscc is None:
        sys.exit("Inno Setup 6 (ISCC.exe) was not found; install it or set ISCC=path.")
    subprocess.run(
        [
            str(iscc),
            f"/DAppVersion={version()}",
            f"/DSourceDir={app}",
            f"/O{dist}",
            str(ISS),
        ],
        cwd=ISS.parent,
        check=True,
    )
    return dist / f"{APP}-{version()}-setup.exe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", metavar="DIR")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller", metavar="DIR")
    parser.add_argument("--no-check", action="store_true", help="skip --version/--self-test")
    parser.add_argument("--installer", action="store_true", help="also run Inno Setup (Windows)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    app = freeze(args.dist.resolve(), args.work.resolve())
    seconds = time.monotonic() - start
    size, count = folder_size(app)
    print(f"Built {app} in {seconds:.0f} s: {size / 2**20:.0f} MiB in {count} files.")
    if not args.no_check:
        check(app)
    if args.installer:
        if not WINDOWS:
            sys.exit("--installer needs Windows (Inno Setup); the frozen folder is ready.")
        print(f"Installer: {installer(app, args.dist.resolve())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
