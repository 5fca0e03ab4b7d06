"""Pooled data leaving the center is recorded in its audit trail (``center/exports.py``):
the workbook and the CDISC package, by the command line, with the file's SHA-256; a
refused export records nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from rego_desktop.center import audit
from rego_desktop.center.cli import main as center_main
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.merge import merge_file
from tests.center.conftest import CENTER, Network


@pytest.fixture
def merged_db(network: Network, center_db: CenterDatabase) -> CenterDatabase:
    for path in network.last_files():
        merge_file(center_db, path, CENTER, network.registry)
    return center_db


def _exports(db: CenterDatabase) -> list[tuple[str | None, str | None, dict[str, object]]]:
    entries, _head = audit.read(db)
    return [
        (e.site_code, e.file_sha256, json.loads(e.details))
        for e in entries
        if e.action == audit.AuditAction.EXPORT
    ]


def test_workbook_exports_are_audited(
    network: Network, merged_db: CenterDatabase, tmp_path: Path
) -> None:
    db = merged_db.description
    whole, one = tmp_path / "all.xlsx", tmp_path / "one.xlsx"
    site = sorted(network.sites)[0]
    assert center_main(["xlsx", "--db", db, "--out", str(whole)]) == 0
    assert center_main(["xlsx", "--db", db, "--out", str(one), "--site", site]) == 0
    # refused: the file exists (no --force), and an unknown site
    assert center_main(["xlsx", "--db", db, "--out", str(whole)]) != 0
    assert center_main(["xlsx", "--db", db, "--out", str(tmp_path / "x.xlsx"), "--site", "ZZ"])
    recorded = _exports(merged_db)
    assert len(recorded) == 2
    (site_a, sha_a, details_a), (site_b, sha_b, details_b) = recorded
    assert site_a is None
    assert details_a["site"] == "all"
    assert details_a["kind"] == "xlsx"
    assert sha_a == hashlib.sha256(whole.read_bytes()).hexdigest()
    assert details_a["file"] == str(whole.resolve())
    assert site_b == site
    assert details_b["site"] == site
    assert sha_b == hashlib.sha256(one.read_bytes()).hexdigest()
    assert details_a["patients"] == sum(len(s.expected[-1]) for s in network.sites.values())
    assert audit.verify(merged_db)[1] == []


def test_cdisc_export_is_audited(merged_db: CenterDatabase, tmp_path: Path) -> None:
    out = tmp_path / "cdisc"
    assert center_main(["cdisc", "--db", merged_db.description, "--out", str(out)]) == 0
    [(site, sha, details)] = _exports(merged_db)
    assert site is None
    assert details["kind"] == "cdisc"
    files = details["files"]
    assert isinstance(files, dict)
    assert "README.txt" in files
    for name, digest in files.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    listing = "".join(f"{name}:{digest}\n" for name, digest in sorted(files.items()))
    assert sha == hashlib.sha256(listing.encode()).hexdigest()
    assert audit.verify(merged_db)[1] == []


def test_an_export_that_cannot_be_recorded_is_removed(
    merged_db: CenterDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rego_desktop.center.errors import CenterDatabaseError
    from rego_desktop.center.exports import export_cdisc, export_workbook

    def busy(*_args: object, **_kwargs: object) -> None:
        raise CenterDatabaseError("The center database is busy.", zh="中心数据库正忙。")

    monkeypatch.setattr(audit, "record", busy)
    path = tmp_path / "pooled.xlsx"
    with pytest.raises(CenterDatabaseError, match="files it wrote were removed") as caught:
        export_workbook(merged_db, path)
    assert "已删除" in (caught.value.message_zh or "")
    assert not path.exists()
    out = tmp_path / "cdisc"
    with pytest.raises(CenterDatabaseError, match="could not be recorded"):
        export_cdisc(merged_db, out)
    assert not [p for p in out.rglob("*") if p.is_file()]
    monkeypatch.undo()
    assert _exports(merged_db) == []
