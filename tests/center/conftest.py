"""Fixtures of the center tests: demo sites with exported files, center keys, databases.

PostgreSQL: ``$REGO_TEST_POSTGRES_URL`` (a SQLAlchemy URL of a server the tests may
create schemas in) is used if set. Otherwise, if the PostgreSQL server programs
(``initdb``, ``pg_ctl``) are installed, a private server is started for the session in a
temporary folder, listening only on a Unix socket there, as an unprivileged user when
the tests run as root (PostgreSQL refuses to run as root), and stopped at the end.
Otherwise the PostgreSQL tests are skipped with the reason. Each test gets its own
schema (``search_path``), dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from rego_desktop.center.db import VERSION_TABLE, CenterDatabase, open_center_database
from rego_desktop.center.models import CenterBase
from rego_desktop.exchange.export import deidentified_patients, export_transfer
from rego_desktop.exchange.keys import CenterPrivateKey, SitePublicKey, generate_center_keys
from rego_desktop.exchange.site_keys import site_public_key
from rego_desktop.models import Patient
from rego_desktop.services.patients import PatientService
from rego_desktop.store.study import OpenStudy
from tests.exchange.sitefill import FillReport, fill_site, new_site

CREATED = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
CENTER = generate_center_keys("Coordinating Center 中心", created=CREATED)
OTHER_CENTER = generate_center_keys("Another Center", created=CREATED)
SITE_SIZES = {"BJ01": 8, "SH02": 6, "GZ03": 5}
POSTGRES_BIN_DIRS = ("/usr/local/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")


@dataclass
class Site:
    code: str
    study: OpenStudy
    fill: FillReport
    public: SitePublicKey
    files: list[Path] = field(default_factory=list)
    """Transfer files in the order exported (sequence 1, 2, ...)."""
    expected: list[Any] = field(default_factory=list)
    """The de-identified patients of each export (what the center must hold after it)."""
    removed_after_first: list[str] = field(default_factory=list)
    updated_after_first: list[str] = field(default_factory=list)
    added_after_first: list[str] = field(default_factory=list)


@dataclass
class Network:
    folder: Path
    sites: dict[str, Site]

    @property
    def registry(self) -> dict[str, SitePublicKey]:
        return {code: site.public for code, site in self.sites.items()}

    def first_files(self) -> list[Path]:
        return [site.files[0] for site in self.sites.values()]

    def last_files(self) -> list[Path]:
        return [site.files[-1] for site in self.sites.values()]

    def all_files(self) -> list[Path]:
        return [f for site in self.sites.values() for f in site.files]


def _export(site: Site, folder: Path) -> None:
    path = folder / f"{site.code}-{len(site.files) + 1}.rgt"
    export_transfer(site.study, CENTER.public, path)
    site.files.append(path)
    with site.study.reading() as session:
        patients, _ = deidentified_patients(site.study, session)
    site.expected.append(patients)


def _change_site(site: Site, seed: int) -> None:
    """After the first export: change one patient, delete one, add one."""
    service = PatientService(site.study)
    codes = service.subject_codes()
    changed, deleted = codes[2], codes[3]
    service.save(
        changed, "demographics", {"sex": "female", "ecog": 4, "weight": 61.5}, reason="fix"
    )
    with site.study.transaction() as session:
        patient = session.scalars(select(Patient).where(Patient.subject_code == deleted)).one()
        session.delete(patient)
    report = fill_site(site.study, 1, seed=seed, without_first_dose=0, aged_90_plus=0)
    site.fill.patients += report.patients
    site.updated_after_first.append(changed)
    site.removed_after_first.append(deleted)
    site.added_after_first.append(report.patients[0].subject_code)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """Three demo sites; each exported twice (data changed between the two exports)."""
    folder = tmp_path_factory.mktemp("network")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REGO_DATA_DIR", str(folder / "data"))
        sites: dict[str, Site] = {}
        try:
            for i, (code, n) in enumerate(SITE_SIZES.items()):
                study, fill = new_site(folder, code, n, seed=100 + i)
                sites[code] = Site(code, study, fill, site_public_key(study))
                _export(sites[code], folder)
                _change_site(sites[code], seed=200 + i)
                _export(sites[code], folder)
            yield Network(folder, sites)
        finally:
            for site in sites.values():
                site.study.close()


AUDIT_TABLES = frozenset({"center_audit", "center_audit_head"})


def snapshot(db: CenterDatabase, *, audit: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every center table (and the schema version), for before/after checks.

    The audit trail is left out unless ``audit``: refusals are recorded there.
    """
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in CenterBase.metadata.sorted_tables:
            if table.name in AUDIT_TABLES and not audit:
                continue
            rows = conn.execute(select(table).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(r) for r in rows]
        out[VERSION_TABLE] = [
            tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {VERSION_TABLE}")
        ]
    return out


@pytest.fixture
def center_db(tmp_path: Path) -> Iterator[CenterDatabase]:
    db = open_center_database(tmp_path / "center.db", create=True)
    yield db
    db.close()


@pytest.fixture
def center_key() -> CenterPrivateKey:
    return CENTER


# --------------------------------------------------------------------------- PostgreSQL


def _postgres_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in POSTGRES_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    return None


def _run_as(user: str | None, *command: str) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", user, "--"] if user else []
    return subprocess.run(
        [*prefix, *command], capture_output=True, text=True, timeout=120, check=False
    )


def _unprivileged_user() -> str | None:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A SQLAlchemy URL of a PostgreSQL server (see the module docstring)."""
    given = os.environ.get("REGO_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    initdb, pg_ctl = _postgres_binary("initdb"), _postgres_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip(
            "PostgreSQL tests skipped: REGO_TEST_POSTGRES_URL is not set and the PostgreSQL "
            "server programs (initdb, pg_ctl) are not installed"
        )
    user: str | None = None
    if os.geteuid() == 0:
        user = _unprivileged_user()
        if user is None or shutil.which("runuser") is None:
            pytest.skip(
                "PostgreSQL tests skipped: running as root and no unprivileged user "
                "(postgres, nobody) or no runuser to start a server with"
            )
    base = Path(tempfile.mkdtemp(prefix="rego-pg-"))
    data = base / "data"
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    base.chmod(0o700)
    started = False
    try:
        result = _run_as(
            user,
            initdb,
            "-D",
            str(data),
            "-U",
            "rego",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        if result.returncode != 0:
            pytest.fail(f"initdb failed: {result.stderr.strip()}")
        options = f"-k {base} -p 5432 -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        result = _run_as(
            user,
            pg_ctl,
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        if result.returncode != 0:
            log = (base / "server.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"pg_ctl start failed: {result.stderr.strip()} {log}")
        started = True
        yield f"postgresql+psycopg://rego@/postgres?host={base}&port=5432"
    finally:
        if started:
            _run_as(user, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty schema on the server, as a URL whose search_path selects it."""
    schema = f"rego_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        url = make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()
