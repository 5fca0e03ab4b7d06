"""Models match migrations, and older databases are upgraded on open."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from rego_desktop.services.patients import PatientService
from rego_desktop.store import migrate
from rego_desktop.store.opening import open_study
from rego_desktop.store.study import OpenStudy
from tests.authority.legacy import make_legacy
from tests.conftest import ADMIN, PASSWORD


def test_models_match_migrations(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'check.db'}")
    with engine.begin() as conn:
        migrate.upgrade(conn)
        # Raises if autogenerate would produce any operation (alembic check).
        command.check(migrate.alembic_config(conn))
    engine.dispose()


def test_revision_list_is_alembics_history() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    history = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert list(migrate.REVISIONS) == history
    assert migrate.head_revision() == script.get_current_head()


def test_opening_does_not_load_alembic_when_current(
    created: tuple[OpenStudy, str], db_path: Path
) -> None:
    created[0].close()
    code = (
        "import sys; from pathlib import Path\n"
        "from rego_desktop.store.opening import open_study\n"
        f"open_study(Path({str(db_path)!r}), {ADMIN!r}, {PASSWORD!r}).close()\n"
        "assert not [m for m in sys.modules if m.startswith('alembic')], 'alembic loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_database_at_first_schema_is_upgraded_on_open(study: OpenStudy, db_path: Path) -> None:
    service = PatientService(study)
    code = service.create_patient()
    service.save(code, "demographics", {"sex": "female", "ecog": 0})
    study.close()
    # Turn the file into what version 0.1 (schema 0001) wrote.
    make_legacy(db_path, study.keyring, "0001")
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
