"""Models match migrations, and older databases are upgraded on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from rego_desktop.services.patients import PatientService
from rego_desktop.store import migrate
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.conftest import ADMIN, PASSWORD


def test_models_match_migrations(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'check.db'}")
    with engine.begin() as conn:
        migrate.upgrade(conn)
        # Raises if autogenerate would produce any operation (alembic check).
        command.check(migrate.alembic_config(conn))
    engine.dispose()


def test_database_at_first_schema_is_upgraded_on_open(study: OpenStudy, db_path: Path) -> None:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "demographics", {"sex": "female", "ecog": 0})
    study.close()
    # Turn the file into what version 0.1 (schema 0001) wrote.
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0001")
    engine.dispose()
    with sqlite3.connect(db_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "queries" not in tables
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)

    reopened = open_study(db_path, ADMIN, PASSWORD)
    with reopened.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
    assert PatientService(reopened).casebook(code).value("demographics", "sex") == "female"
    assert [row.subject_code for row in PatientService(reopened).list_patients()] == [code]
    reopened.close()


def test_sqlite_pragmas_for_crash_safety(study: OpenStudy) -> None:
    with study.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # MEMORY
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
