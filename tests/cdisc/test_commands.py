"""The ``cdisc`` subcommand of both command lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from rego_desktop.center import cli as center_cli
from rego_desktop.cli import main as site_cli
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, PASSWORD


def test_site_command_writes_the_package(
    study: OpenStudy, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study.close()
    monkeypatch.setenv("REGO_PASSWORD", PASSWORD)
    out = tmp_path / "cdisc"
    code = site_cli.main(["cdisc", "--db", str(db_path), "--user", ADMIN, "--out", str(out),
                          "--deidentified"])  # fmt: skip
    assert code == 0
    for name in ("dm.xpt", "adsl.xpt", "adtte.xpt", "odm.xml", "define.xml", "README.txt"):
        assert (out / name).is_file()


def test_center_command_is_registered() -> None:
    args = center_cli.build_parser().parse_args(["cdisc", "--db", "c.db", "--out", "x"])
    assert args.out == Path("x")
    assert args.run.__name__ == "cmd_center"
