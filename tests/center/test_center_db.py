"""The center database: migrations, what it refuses to open, and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from rego_desktop.center import db as center_db_module
from rego_desktop.center.db import alembic_config, head_revision, open_center_database
from rego_desktop.center.errors import CenterDatabaseError, MergeProblem, MergeRefused
from rego_desktop.center.merge import MergeStatus, merge_file
from rego_desktop.center.pooled import pooled_casebooks, pooled_patients
from rego_desktop.center.pooled_workbook import write_pooled_workbook
from rego_desktop.exchange.errors import TransferFileError
from rego_desktop.store.study import OpenStudy
from tests.center.conftest import CENTER, Network, snapshot


def test_models_match_migrations(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'check.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        command.check(alembic_config(conn))
    engine.dispose()


def test_created_on_first_merge_only(tmp_path: Path) -> None:
    path = tmp_path / "pooled.db"
    with pytest.raises(CenterDatabaseError, match="There is no center database"):
        open_center_database(path)
    assert not path.exists()
    with open_center_database(path, create=True) as db:
        assert db.description == str(path)
    with open_center_database(path) as db, db.engine.connect() as conn:
        version = conn.exec_driver_sql(f"SELECT * FROM {center_db_module.VERSION_TABLE}").scalar()
    assert version == head_revision()
    with open_center_database(f"sqlite:///{path}") as db:
        assert db.engine.dialect.name == "sqlite"


def test_refuses_what_is_not_a_center_database(
    study: OpenStudy, db_path: Path, tmp_path: Path
) -> None:
    with pytest.raises(CenterDatabaseError, match="is a site study database"):
        open_center_database(db_path, create=True)
    text = tmp_path / "notes.db"
    text.write_text("not a database", encoding="utf-8")
    with pytest.raises(CenterDatabaseError, match="not SQLite"):
        open_center_database(text, create=True)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(CenterDatabaseError, match="has no center tables"):
        open_center_database(other)
    with pytest.raises(CenterDatabaseError, match="is a folder"):
        open_center_database(tmp_path, create=True)
    with pytest.raises(CenterDatabaseError, match="does not exist"):
        open_center_database(tmp_path / "missing" / "x.db", create=True)


def test_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "pooled.db"
    open_center_database(path, create=True).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE {center_db_module.VERSION_TABLE} SET version_num = '9999'")
    with pytest.raises(CenterDatabaseError, match="newer version of rego-desktop"):
        open_center_database(path)


def test_unusable_url_is_a_friendly_error() -> None:
    with pytest.raises(CenterDatabaseError, match="Cannot use the database URL"):
        open_center_database("nosuchdialect://user:secret@host/db")
    with pytest.raises(CenterDatabaseError) as info:
        open_center_database("postgresql+psycopg://rego:secret@127.0.0.1:1/none?connect_timeout=2")
    assert "secret" not in info.value.message
    assert "Could not open the center database" in info.value.message


# --------------------------------------------------------------------------- PostgreSQL


def test_postgresql_round_trip_refusal_and_idempotence(
    network: Network, postgres_url: str, tmp_path: Path
) -> None:
    """The same code on PostgreSQL: merge in any order and twice, a refusal changes nothing."""
    with open_center_database(postgres_url, create=True) as db:
        assert db.engine.dialect.name == "postgresql"
        assert "secret" not in db.description
        last = network.last_files()
        for path in reversed(last):
            merge_file(db, path, CENTER, network.registry)
        for path in network.first_files():  # older than what is merged: refused
            with pytest.raises(MergeRefused) as refused:
                merge_file(db, path, CENTER, network.registry)
            assert refused.value.reason is MergeProblem.STALE_PACKAGE
        union = sorted(
            (p for site in network.sites.values() for p in site.expected[-1]),
            key=lambda p: p.subject_code,
        )
        assert pooled_patients(db) == union
        before = snapshot(db)
        for path in last:
            assert merge_file(db, path, CENTER, network.registry).status is (
                MergeStatus.ALREADY_MERGED
            )
        bad = tmp_path / "bad.rgt"
        data = bytearray(last[0].read_bytes())
        data[300] ^= 0x10
        bad.write_bytes(bytes(data))
        with pytest.raises(TransferFileError) as info:
            merge_file(db, bad, CENTER, network.registry)
        assert str(bad) in info.value.message
        assert snapshot(db) == before
        books = pooled_casebooks(db)
        assert len(books) == len(union)
        report = write_pooled_workbook(db, tmp_path / "pg.xlsx")
        assert report.rows["patients"] == len(union)
    # Opening again finds the schema up to date.
    with open_center_database(postgres_url) as db:
        assert pooled_patients(db) == union


def test_postgresql_migrations_match_models(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
            command.check(alembic_config(conn))
            command.downgrade(alembic_config(conn), "base")
    finally:
        engine.dispose()


def test_postgresql_two_merges_of_the_same_file_at_once(
    network: Network, postgres_url: str
) -> None:
    from tests.center.test_merge import merge_concurrently

    path = network.sites["SH02"].files[0]
    with open_center_database(postgres_url, create=True) as db:
        outcomes = merge_concurrently(db, path, network)
        merged = [o for o in outcomes if getattr(o, "status", None) is MergeStatus.MERGED]
        others = [o for o in outcomes if o not in merged]
        assert len(merged) == 1
        assert len(others) == 1
        other = others[0]
        # Merges of one site wait for each other: the second sees the first.
        assert getattr(other, "status", None) is MergeStatus.ALREADY_MERGED, other
        assert pooled_patients(db) == network.sites["SH02"].expected[0]


def test_postgresql_new_database_opened_by_several_at_once(postgres_url: str) -> None:
    import threading

    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            open_center_database(postgres_url, create=True).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
