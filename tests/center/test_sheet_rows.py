"""Derived-sheet rows stored at merge time (``center/sheet_rows.py``): every merged patient
gets valid rows, the workbook is the same with them, without them and with stale ones,
and a change, removal or rollback never leaves a patient with rows of other content."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from rego_desktop.center.analysis_rows import pooled_rows, stored_rows
from rego_desktop.center.db import CenterDatabase
from rego_desktop.center.errors import CenterDatabaseError
from rego_desktop.center.merge import merge_file
from rego_desktop.center.models import CenterAnalysisRow, CenterPatient, CenterSheetRows
from rego_desktop.center.pooled import patient_chunks
from rego_desktop.center.pooled_derived import patient_sheet_rows
from rego_desktop.center.pooled_workbook import write_pooled_workbook
from rego_desktop.center.rollback import rollback
from rego_desktop.center.sheet_rows import (
    read_sheet_rows,
    rows_from_text,
    rows_to_text,
    sheets_fingerprint,
)
from tests.center.conftest import CENTER, Network

DERIVED = ["scores", "ADSL", "ADTTE", "ADRS", "ADAE"]


def _sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = load_workbook(path, read_only=True)
    try:
        return {name: list(wb[name].iter_rows(values_only=True)) for name in DERIVED}
    finally:
        wb.close()


def _stored(db: CenterDatabase) -> dict[int, tuple[str, str]]:
    with db.reading() as session:
        return {
            pid: (content, code)
            for pid, content, code in session.execute(
                select(
                    CenterSheetRows.patient_id,
                    CenterSheetRows.content_sha256,
                    CenterSheetRows.code,
                )
            )
        }


def _current(db: CenterDatabase) -> dict[int, tuple[str, str]]:
    with db.reading() as session:
        return {
            p.id: (p.content_sha256, sheets_fingerprint(p.study_id, p.study_version))
            for p in session.scalars(select(CenterPatient))
        }


def test_merge_stores_the_rows_the_workbook_would_compute(
    network: Network, center_db: CenterDatabase
) -> None:
    for path in network.last_files():
        merge_file(center_db, path, CENTER, network.registry)
    assert _stored(center_db) == _current(center_db)
    for part in patient_chunks(center_db, size=7):
        with center_db.reading() as session:
            stored = read_sheet_rows(session, [item.row for item in part])
        assert set(stored) == {item.row.id for item in part}
        computed = patient_sheet_rows([item.book for item in part])
        assert [stored[item.row.id] for item in part] == computed
        assert any("ADSL" in rows for rows in computed)


def test_workbook_same_with_stored_missing_and_stale_rows(
    network: Network, center_db: CenterDatabase, tmp_path: Path
) -> None:
    for path in network.last_files():
        merge_file(center_db, path, CENTER, network.registry)
    stored = tmp_path / "stored.xlsx"
    write_pooled_workbook(center_db, stored)
    expected = _sheets(stored)
    assert all(len(rows) > 1 for rows in expected.values())

    # Rows of older code and of other content are not used; their patients are derived.
    with center_db.transaction() as session:
        ids = list(session.scalars(select(CenterSheetRows.patient_id).order_by("patient_id")))
        bogus = rows_to_text({"ADSL": [["not", "this", "patient"]]})
        session.execute(
            update(CenterSheetRows)
            .where(CenterSheetRows.patient_id.in_(ids[::3]))
            .values(code="0" * 64, rows_json=bogus)
        )
        session.execute(
            update(CenterSheetRows)
            .where(CenterSheetRows.patient_id.in_(ids[1::3]))
            .values(content_sha256="0" * 64, rows_json=bogus)
        )
    stale = tmp_path / "stale.xlsx"
    write_pooled_workbook(center_db, stale)
    assert _sheets(stale) == expected
    assert _stored(center_db) == _current(center_db)  # what it computed is kept

    with center_db.transaction() as session:
        session.execute(delete(CenterSheetRows))
    none = tmp_path / "none.xlsx"
    write_pooled_workbook(center_db, none)
    assert _sheets(none) == expected


def test_changes_removals_and_rollback_keep_rows_current(
    network: Network, center_db: CenterDatabase
) -> None:
    for path in network.first_files():
        merge_file(center_db, path, CENTER, network.registry)
    site = network.sites["BJ01"]
    merge_file(center_db, site.files[1], CENTER, network.registry, allow_removals=True)
    stored, current = _stored(center_db), _current(center_db)
    assert stored == current  # changed patients got new rows, removed ones none

    rollback(center_db, "BJ01", 1)
    stored, current = _stored(center_db), _current(center_db)
    # Patients the rollback restored have no rows (the workbook derives them); no rows
    # are left of content a patient no longer has.
    assert set(stored) <= set(current)
    assert all(current[pid] == value for pid, value in stored.items())
    with center_db.reading() as session:
        orphans = session.scalar(
            select(func.count())
            .select_from(CenterSheetRows)
            .where(CenterSheetRows.patient_id.not_in(select(CenterPatient.id)))
        )
    assert orphans == 0


def test_cells_round_trip() -> None:
    rows = {"ADSL": [["STUDY-BJ01-0001", 3, 2.5, None, "中文", dt.date(2024, 3, 1)]]}
    assert rows_from_text(rows_to_text(rows)) == rows


def test_reads_keep_what_they_had_to_compute(
    network: Network, center_db: CenterDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Patients merged by an older program (rows of another code) are computed by the
    first summary and workbook, which keep their results; a database that cannot be
    written at that moment still gets its summary and workbook, uncached."""
    for path in network.last_files():
        merge_file(center_db, path, CENTER, network.registry)
    rows_before, _ = pooled_rows(center_db)
    with center_db.transaction() as session:
        session.execute(update(CenterAnalysisRow).values(code="0" * 64))
        session.execute(update(CenterSheetRows).values(code="0" * 64))

    def busy() -> None:  # what CenterDatabase.transaction raises while a merge runs
        raise CenterDatabaseError("busy")

    with monkeypatch.context() as patch:
        patch.setattr(center_db, "transaction", busy)
        assert pooled_rows(center_db)[0] == rows_before
        write_pooled_workbook(center_db, tmp_path / "busy.xlsx")
    assert stored_rows(center_db) == {}
    assert _stored(center_db).keys() == _current(center_db).keys()
    assert all(code == "0" * 64 for _content, code in _stored(center_db).values())

    assert pooled_rows(center_db)[0] == rows_before
    assert [stored_rows(center_db)[r.subject] for r in rows_before] == rows_before
    write_pooled_workbook(center_db, tmp_path / "kept.xlsx")
    assert _stored(center_db) == _current(center_db)
    assert _sheets(tmp_path / "kept.xlsx") == _sheets(tmp_path / "busy.xlsx")


def test_a_read_only_postgresql_role_reads_without_keeping(
    network: Network, postgres_url: str, tmp_path: Path
) -> None:
    """A statistician's role with SELECT only: summary and workbook work on rows of an
    older program (derived again, not kept), and nothing is written."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from rego_desktop.center.db import open_center_database

    with open_center_database(postgres_url, create=True) as db:
        for path in network.last_files():
            merge_file(db, path, CENTER, network.registry)
        rows_before, _ = pooled_rows(db)
        with db.transaction() as session:
            session.execute(update(CenterAnalysisRow).values(code="0" * 64))
            session.execute(update(CenterSheetRows).values(code="0" * 64))
        written = tmp_path / "writer.xlsx"
        write_pooled_workbook(db, written)
        with db.transaction() as session:  # stale again (the writer kept its rows)
            session.execute(update(CenterSheetRows).values(code="0" * 64))
        schema = session.get_bind().dialect.default_schema_name
    url = make_url(postgres_url)
    role = f"reader_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
    try:
        reader_url = url.set(username=role).render_as_string(hide_password=False)
        with open_center_database(reader_url) as reader:
            assert pooled_rows(reader)[0] == rows_before
            read = tmp_path / "reader.xlsx"
            write_pooled_workbook(reader, read)
            assert _sheets(read) == _sheets(written)
            assert stored_rows(reader) == {}  # nothing was kept
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()
