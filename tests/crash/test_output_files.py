"""Bad output paths and full disks for the commands that write files (issue 14):
one clear line, exit 1, no partial file, the study untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crash.test_disk_full import Mount, needs_mount
from tests.crash.test_disk_full import mount as mount  # the fixture

PASSWORD = "Site-password-2024"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGO_")}
    env["REGO_DATA_DIR"] = os.environ["REGO_DATA_DIR"]
    env["REGO_PASSWORD"] = PASSWORD
    env["REGO_CENTER_PASSPHRASE"] = "Center-passphrase-2024"
    return subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str], says: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "this is a bug" not in result.stderr
    # The site workbook says first, on stderr, that it is a site copy.
    lines = [
        line
        for line in result.stderr.strip().splitlines()
        if not line.startswith("Writing a site copy:")
    ]
    assert len(lines) == 1, result.stderr
    assert says in lines[0], lines[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("out")
    os.environ.setdefault("REGO_DATA_DIR", str(folder / "data"))
    db = folder / "site.rego"
    done = run("rego_desktop", "demo", "--db", str(db), "--patients", "4", "--site", "BJ01")
    assert done.returncode == 0, done.stderr
    return db


def no_temporaries(folder: Path) -> None:
    assert not [p for p in folder.rglob(".*") if p.name.endswith(".tmp")]


def test_xlsx_out_naming_a_folder(site: Path, tmp_path: Path) -> None:
    folder = tmp_path / "book.xlsx"
    folder.mkdir()
    one_line_error(run("rego_desktop", "xlsx", "--db", str(site), "--out", str(folder)),
                   "is a folder")  # fmt: skip
    assert list(folder.iterdir()) == []


def test_xlsx_out_in_a_missing_folder(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "book.xlsx"
    one_line_error(run("rego_desktop", "xlsx", "--db", str(site), "--out", str(out)),
                   "does not exist")  # fmt: skip
    assert not out.parent.exists()


def test_pdf_all_out_naming_a_file(site: Path, tmp_path: Path) -> None:
    existing = tmp_path / "summaries"
    existing.write_text("keep me")
    one_line_error(run("rego_desktop", "pdf", "--db", str(site), "--all", "--out", str(existing)),
                   "is a file, not a folder")  # fmt: skip
    assert existing.read_text() == "keep me"


@needs_mount
def test_template_on_a_read_only_usb(mount: Mount) -> None:
    usb = mount("ro_template", "1m", ro=True)
    one_line_error(run("rego_desktop", "template", "--out", str(usb / "t.xlsx")),
                   "read-only or protected")  # fmt: skip


@needs_mount
def test_read_only_usb_for_xlsx(site: Path, mount: Mount) -> None:
    usb = mount("ro", "1m", ro=True)
    one_line_error(run("rego_desktop", "xlsx", "--db", str(site), "--out", str(usb / "b.xlsx")),
                   "read-only or protected")  # fmt: skip


@needs_mount
def test_full_disk_xlsx_pdf_and_export(site: Path, mount: Mount, tmp_path: Path) -> None:
    usb = mount("usb", "40k")
    before = site.read_bytes()
    one_line_error(run("rego_desktop", "xlsx", "--db", str(site), "--out", str(usb / "b.xlsx")),
                   "the disk (or USB drive) is full")  # fmt: skip
    one_line_error(run("rego_desktop", "pdf", "--db", str(site), "--all", "--out", str(usb / "p")),
                   "the disk (or USB drive) is full")  # fmt: skip
    for pdf in (usb / "p").iterdir():  # the summaries that fitted are whole
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF")
    keys = tmp_path / "center"
    made = run("rego_desktop.center", "keygen", "--out", str(keys), "--name", "Center")
    assert made.returncode == 0, made.stderr
    center_key = next(keys.glob("*public*"))
    tiny = mount("tiny", "8k")
    result = run("rego_desktop", "export", "--db", str(site), "--center-key", str(center_key),
                 "--out", str(tiny / "t.rgt"))  # fmt: skip
    one_line_error(result, "the disk (or USB drive) is full")
    assert list(tiny.iterdir()) == []
    no_temporaries(usb)
    assert site.read_bytes() == before  # nothing changed in the study (no sequence used)


@needs_mount
def test_study_on_a_nearly_full_disk_exports_or_says_why(
    site: Path, mount: Mount, tmp_path: Path
) -> None:
    keys = tmp_path / "center"
    assert run("rego_desktop.center", "keygen", "--out", str(keys), "--name", "C").returncode == 0
    center_key = next(keys.glob("*public*"))
    size = site.stat().st_size
    for extra in (8, 48, 88):  # transfer file too big / commit fails / fits
        disk = mount(f"d{extra}", f"{(size // 1024 + extra)}k")
        db = disk / "site.rego"
        db.write_bytes(site.read_bytes())
        result = run("rego_desktop", "export", "--db", str(db), "--center-key", str(center_key),
                     "--out", str(disk / "t.rgt"))  # fmt: skip
        if result.returncode == 0:
            assert (disk / "t.rgt").exists()
            assert "Wrote" in result.stdout
        else:
            one_line_error(result, "full")
            assert not (disk / "t.rgt").exists()
        no_temporaries(disk)


@needs_mount
def test_backup_to_a_nearly_full_disk_says_full_and_intact(site: Path, mount: Mount) -> None:
    size = site.stat().st_size
    for fraction in (0.99, 1.01, 1.03):  # the copy fails at different points
        usb = mount(f"b{fraction}", f"{int(size * fraction) // 4096 * 4096}")
        result = run("rego_desktop", "backup", "--db", str(site), "--to", str(usb))
        one_line_error(result, "the disk (or USB drive) is full")
        assert "The study database itself is intact" in result.stderr
        assert "damaged" not in result.stderr
        assert list(usb.iterdir()) == []
