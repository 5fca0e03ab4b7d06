"""The workbook's listings written by a worker process (``center/pooled_listings.py``):
the same workbook as in process, and never listings of another state of the data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from rego_desktop.center import pooled_listings
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.merge import merge_file
from rego_desktop.center.pooled_listings import (
    _Job,
    _write_in_worker,
    audit_head,
    split_forms,
    start_listings,
    write_listings,
)
from rego_desktop.center.pooled_workbook import write_pooled_workbook
from rego_desktop.study import CURRENT
from tests.center.conftest import CENTER, Network


def _all_sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = load_workbook(path, read_only=True)
    try:
        return {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}
    finally:
        wb.close()


@pytest.fixture
def merged_db(network: Network, center_db: CenterDatabase) -> CenterDatabase:
    for path in network.last_files():
        merge_file(center_db, path, CENTER, network.registry)
    return center_db


def test_worker_writes_the_same_workbook(
    merged_db: CenterDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_process = tmp_path / "in-process.xlsx"
    write_pooled_workbook(merged_db, in_process)
    started: list[object] = []
    real_start = pooled_listings.start_listings

    def counted(*args: Any, **kwargs: Any) -> Any:
        job = real_start(*args, **kwargs)
        started.append(job)
        return job

    monkeypatch.setattr(pooled_listings, "PARALLEL_MIN", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr("rego_desktop.center.pooled_workbook.start_listings", counted)
    by_worker = tmp_path / "worker.xlsx"
    write_pooled_workbook(merged_db, by_worker)
    assert started
    assert started[0] is not None  # a worker process wrote the listings
    assert _all_sheets(by_worker) == _all_sheets(in_process)


def test_a_worker_reading_another_state_writes_nothing(
    merged_db: CenterDatabase, tmp_path: Path
) -> None:
    with merged_db.reading() as session:
        head = audit_head(session)
    assert head is not None
    forms = ("demographics", "cycles")
    job = _Job(
        merged_db.description, CURRENT.id, CURRENT.version, None, forms, str(tmp_path), 50, head
    )
    sheets = _write_in_worker(job)
    assert sheets is not None
    assert [s.name for s in sheets] == ["demographics", "cycles"]
    assert all(Path(s.path).parent == tmp_path for s in sheets)
    assert all(s.rows > 0 for s in sheets)
    moved = replace(job, head=(head[0] + 1, ""))
    assert _write_in_worker(moved) is None


def test_few_patients_or_one_cpu_stay_in_process(
    merged_db: CenterDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with merged_db.reading() as session:
        assert start_listings(merged_db, session, CURRENT, None, tmp_path, 50) is None
        monkeypatch.setattr(pooled_listings, "PARALLEL_MIN", 1)
        monkeypatch.setattr("os.cpu_count", lambda: 1)
        assert start_listings(merged_db, session, CURRENT, None, tmp_path, 50) is None


def test_the_worker_gets_the_larger_forms(merged_db: CenterDatabase) -> None:
    from rego_desktop.exchange.deidentify import export_policy

    policy = export_policy(CURRENT)
    with merged_db.reading() as session:
        chosen = split_forms(session, policy, None)
        everything = write_listings(session, policy, None)
    rows = {sheet.name: sheet.rows for sheet in everything}
    for sheet in everything:
        sheet.close()
    total = sum(rows.values())
    assert chosen
    assert sum(rows[f] for f in chosen) <= pooled_listings.WORKER_SHARE * total or len(chosen) == 1
    assert max(rows, key=lambda f: rows[f]) in chosen


def test_worker_on_postgresql(
    network: Network, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker opens the PostgreSQL center itself (same URL, its own transaction)."""
    from rego_desktop.center.db import open_center_database

    with open_center_database(postgres_url, create=True) as db:
        for path in network.last_files():
            merge_file(db, path, CENTER, network.registry)
        in_process = tmp_path / "in-process.xlsx"
        write_pooled_workbook(db, in_process)
        monkeypatch.setattr(pooled_listings, "PARALLEL_MIN", 1)
        monkeypatch.setattr("os.cpu_count", lambda: 2)
        with db.reading() as session:
            job = start_listings(db, session, CURRENT, None, tmp_path, 50)
            assert job is not None
            sheets = job.sheets()
        assert sheets is not None
        assert {s.name for s in sheets} == set(job.forms)
        for sheet in sheets:
            sheet.close()
        by_worker = tmp_path / "worker.xlsx"
        write_pooled_workbook(db, by_worker)
    assert _all_sheets(by_worker) == _all_sheets(in_process)
