"""Every command that writes a file, with a writer that runs out of disk space (issue 14).

The temporary-file writer of :mod:`rego_desktop.files` is patched to fail as a full or
nearly full disk does: in the middle of writing, at ``fsync`` (the data did not reach
the disk) or at ``close`` (the last buffered bytes could not be written). Each command
must answer with one message naming the path and the reason, exit 1, and leave no
partial or temporary file; a nearly full disk must never give exit 0.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pytest

from rego_desktop import files
from rego_desktop.center import cli as center_cli
from rego_desktop.cli.main import main as site_main
from rego_desktop.demo.generator import generate
from rego_desktop.drafts import DraftStore
from rego_desktop.errors import OutputFileError
from rego_desktop.exchange.export import export_transfer
from rego_desktop.exchange.keys import load_center_public_key
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.store.opening import create_study
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, FAST_KDF, PASSWORD
from tests.crash.test_disk_full import Mount, needs_mount
from tests.crash.test_disk_full import mount as mount  # the fixture

CENTER_PASSPHRASE = "Center-passphrase-2024"
FULL = "the disk (or USB drive) is full"


class FailingFile:
    """A temporary file whose disk fills up: ``write`` fails after ``room`` bytes, or
    ``close`` fails (the last buffered bytes could not be written)."""

    def __init__(self, fd: int, mode: str) -> None:
        self.real = os.fdopen(fd, "wb")
        self.mode = mode
        self.room = 64  # smaller than any file written (a backup manifest is ~400)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        size = len(memoryview(data).cast("B"))
        if self.mode == "write" and size > self.room:
            self.real.write(bytes(memoryview(data).cast("B")[: self.room]))
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        if self.mode == "write":
            self.room -= size
        return self.real.write(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def close(self) -> None:
        self.real.close()
        if self.mode == "close":
            raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(params=["write", "fsync", "close"])
def full_disk(request: pytest.FixtureRequest) -> str:
    """Where the disk fills up: while writing, at fsync, or at close."""
    mode: str = request.param
    return mode


def fill_up(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    def open_temporary(fd: int) -> BinaryIO:
        return FailingFile(fd, mode)  # type: ignore[return-value]

    def fsync(fd: int) -> None:
        if mode == "fsync":
            raise OSError(errno.ENOSPC, "No space left on device")
        os.fsync(fd)

    monkeypatch.setattr(files, "_open_temporary", open_temporary)
    monkeypatch.setattr(files, "_fsync", fsync)


@dataclass
class World:
    folder: Path
    site_db: Path
    center_db: Path
    keys: Path
    registry: Path
    transfer: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A site with three patients, its transfer file merged into a center database."""
    folder = tmp_path_factory.mktemp("writers")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REGO_DATA_DIR", str(folder / "data"))
        mp.setenv("REGO_USER", ADMIN)
        mp.setenv("REGO_PASSWORD", PASSWORD)
        mp.setenv(center_cli.PASSPHRASE_ENV, CENTER_PASSPHRASE)
        site_db = folder / "site.rego"
        made = create_study(site_db, "BJ01", ADMIN, PASSWORD, full_name="Admin", kdf=FAST_KDF)
        generate(made.study, 3, seed=5)
        keys, registry = folder / "center-keys", folder / "site-keys"
        assert center_cli.main(["keygen", "--out", str(keys), "--name", "Center"]) == 0
        assert site_main(["site-key", "--db", str(site_db), "--out", str(folder / "k.json")]) == 0
        fingerprint = site_public_key(made.study).fingerprint
        assert (
            center_cli.main(
                [
                    "register-site",
                    "--site-keys",
                    str(registry),
                    "--fingerprint",
                    fingerprint,
                    str(folder / "k.json"),
                ]
            )
            == 0
        )
        transfer = folder / "BJ01-1.rgt"
        export_transfer(
            made.study, load_center_public_key(keys / "center-public-key.json"), transfer
        )
        made.study.close()
        center_db = folder / "center.db"
        merged = center_cli.main(
            [
                "merge",
                "--db",
                str(center_db),
                "--key",
                str(keys),
                "--site-keys",
                str(registry),
                str(transfer),
            ]
        )
        assert merged == 0
        assert center_cli.main(["queries", "raise", "--db", str(center_db), "--auto"]) == 0
        yield World(folder, site_db, center_db, keys, registry, transfer)


Command = Callable[[World, Path], tuple[str, list[str]]]
"""(program, arguments) writing into the given empty folder."""

COMMANDS: dict[str, Command] = {
    "site xlsx": lambda w, out: (
        "site",
        ["xlsx", "--db", str(w.site_db), "--out", str(out / "b.xlsx")],
    ),
    "site xlsx --deidentified": lambda w, out: (
        "site",
        ["xlsx", "--db", str(w.site_db), "--deidentified", "--out", str(out / "b.xlsx")],
    ),
    "site pdf": lambda w, out: (
        "site",
        ["pdf", "--db", str(w.site_db), "--subject", "BJ01-0001", "--out", str(out / "p.pdf")],
    ),
    "site pdf --all": lambda w, out: (
        "site",
        ["pdf", "--db", str(w.site_db), "--all", "--out", str(out / "pdfs")],
    ),
    "site export": lambda w, out: (
        "site",
        [
            "export",
            "--db",
            str(w.site_db),
            "--center-key",
            str(w.keys / "center-public-key.json"),
            "--out",
            str(out / "t.rgt"),
        ],
    ),
    "site template": lambda w, out: ("site", ["template", "--out", str(out / "t.xlsx")]),
    "site site-key": lambda w, out: (
        "site",
        ["site-key", "--db", str(w.site_db), "--out", str(out / "k.json")],
    ),
    "site cdisc": lambda w, out: (
        "site",
        ["cdisc", "--db", str(w.site_db), "--out", str(out / "cdisc")],
    ),
    "site backup": lambda w, out: (
        "site",
        ["backup", "--db", str(w.site_db), "--to", str(out / "backups")],
    ),
    "center xlsx": lambda w, out: (
        "center",
        ["xlsx", "--db", str(w.center_db), "--out", str(out / "pooled.xlsx")],
    ),
    "center cdisc": lambda w, out: (
        "center",
        ["cdisc", "--db", str(w.center_db), "--out", str(out / "cdisc")],
    ),
    "center queries export": lambda w, out: (
        "center",
        [
            "queries",
            "export",
            "--db",
            str(w.center_db),
            "--site",
            "BJ01",
            "--out",
            str(out / "q.rgq"),
            "--key",
            str(w.keys),
            "--site-keys",
            str(w.registry),
        ],
    ),
    "center keygen": lambda w, out: (
        "center",
        ["keygen", "--out", str(out / "keys"), "--name", "Other"],
    ),
    "center backup": lambda w, out: (
        "center",
        ["backup", "--db", str(w.center_db), "--to", str(out / "backups")],
    ),
}


def no_partial_files(folder: Path) -> list[Path]:
    """Whatever a failed write left behind: temporary files and incomplete outputs."""
    left = []
    for path in folder.rglob("*"):
        if path.is_dir():
            continue
        temporary = path.name.startswith(".") or path.name.endswith((".tmp", ".partial"))
        cut_pdf = path.suffix == ".pdf" and not path.read_bytes().rstrip().endswith(b"%%EOF")
        if temporary or cut_pdf:
            left.append(path)
    return left


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_full_disk_is_one_message_and_leaves_no_partial_file(
    name: str,
    full_disk: str,
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("REGO_USER", ADMIN)
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    monkeypatch.setenv(center_cli.PASSPHRASE_ENV, CENTER_PASSPHRASE)
    monkeypatch.setenv("REGO_DATA_DIR", str(world.folder / "data"))
    out = tmp_path / "usb"
    out.mkdir()
    program, args = COMMANDS[name](world, out)
    site_before = world.site_db.read_bytes()
    fill_up(monkeypatch, full_disk)
    run = site_main if program == "site" else center_cli.main
    ignored = catch_unraisable(monkeypatch)
    code = run(args)
    gc.collect()  # what a half-written file left open would say when collected
    _, err = capsys.readouterr()
    assert code == 1, err
    assert "Traceback" not in err
    assert "this is a bug" not in err
    lines = [x for x in err.strip().splitlines() if not x.startswith("Writing a site copy:")]
    assert len(lines) == 1, err
    assert FULL in lines[0], lines[0]
    assert str(out) in lines[0], lines[0]  # the path is named
    assert no_partial_files(out) == []
    assert world.site_db.read_bytes() == site_before
    no_second_message(ignored, name)


def catch_unraisable(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What Python would print as "Exception ignored in ..." (a second message)."""
    ignored: list[str] = []

    def unraisable(hook: sys.UnraisableHookArgs) -> None:
        ignored.append(f"{hook.exc_type.__name__}: {hook.exc_value} in {hook.object!r}")

    monkeypatch.setattr(sys, "unraisablehook", unraisable)
    return ignored


def no_second_message(ignored: list[str], name: str) -> None:
    assert ignored == [], (name, ignored)  # no second message on stderr when collected


@needs_mount
@pytest.mark.parametrize("command", ["xlsx", "backup", "cdisc"])
def test_center_commands_on_a_real_full_disk(
    command: str,
    world: World,
    mount: Mount,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``rego-center xlsx``, ``backup`` and ``cdisc`` onto a 16 KiB USB drive."""
    monkeypatch.setenv("REGO_DATA_DIR", str(world.folder / "data"))
    usb = mount(f"usb-{command}", "16k")
    target = {"xlsx": ["--out", str(usb / "pooled.xlsx")], "backup": ["--to", str(usb)],
              "cdisc": ["--out", str(usb / "cdisc")]}[command]  # fmt: skip
    center_before = world.center_db.read_bytes()
    ignored = catch_unraisable(monkeypatch)
    code = center_cli.main([command, "--db", str(world.center_db), *target])
    gc.collect()  # what a half-written file left open would say when collected
    _, err = capsys.readouterr()
    assert code == 1, err
    assert "Traceback" not in err
    assert "this is a bug" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert FULL in lines[0], lines[0]
    assert str(usb) in lines[0], lines[0]
    assert no_partial_files(usb) == []
    assert not list(usb.glob("*.rego-center-backup"))
    no_second_message(ignored, f"center {command}")
    if command != "backup":  # a refused backup changes nothing (not even the audit)
        return
    assert world.center_db.read_bytes() == center_before


def test_a_draft_on_a_full_disk_is_a_message_and_keeps_the_old_draft(
    study: OpenStudy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drafts = DraftStore(study, tmp_path / "drafts")
    drafts.save("BJ01-0001", "demographics", "", {"ecog": "1"})
    for mode in ("write", "fsync", "close"):
        with monkeypatch.context() as patched:
            fill_up(patched, mode)
            with pytest.raises(OutputFileError) as caught:
                drafts.save("BJ01-0001", "demographics", "", {"ecog": "2" * 4000})
        assert FULL in str(caught.value)
        assert "磁盘（或U盘）已满" in caught.value.text("zh")
        assert no_partial_files(tmp_path / "drafts") == []
        kept = drafts.load("BJ01-0001", "demographics", "")
        assert kept is not None
        assert kept.state == {"ecog": "1"}
