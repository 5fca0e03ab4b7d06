"""Opening the coordinating center's database: a SQLite file or any SQLAlchemy URL.

``target`` is either a file path (``pooled.db``: SQLite, with the same crash-safety
pragmas as the site database) or a URL such as
``postgresql+psycopg://rego@dbhost/rego_center``. The schema is created and upgraded
by the center's own Alembic migrations (``rego_desktop/center/migrations``). Passwords
in URLs are never shown in messages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session

from rego_desktop.center.errors import CenterDatabaseError
from rego_desktop.store.engine import make_engine

__all__ = ["CenterDatabase", "open_center_database"]

MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE: Final = "rego_center_version"
SQLITE_MAGIC: Final = b"SQLite format 3\x00"
SCHEMA_LOCK: Final = 0x7265676F  # PostgreSQL advisory lock key held while (re)creating the schema


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _current_revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


@dataclass(eq=False)
class CenterDatabase:
    engine: Engine
    description: str
    """The path or the URL without password, for messages."""

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: commits at the end, rolls back on any error."""
        with self._errors():
            options = {"sqlite_immediate": True} if self.engine.dialect.name == "sqlite" else {}
            session = Session(self.engine.execution_options(**options), expire_on_commit=False)
            with session, session.begin():
                yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only snapshot; loaded objects stay usable (detached) afterwards."""
        with self._errors():
            session = Session(self.engine, expire_on_commit=False)
            with session, session.begin():
                yield session
                session.expunge_all()
                session.rollback()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Connection loss, a busy database, a full disk: friendly errors (rolled back)."""
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            text = _first_line(exc.orig)
            if "locked" in text.lower() or "busy" in text.lower():
                raise CenterDatabaseError(
                    f"The center database {self.description} is busy (another merge is "
                    "running?). Nothing was changed; try again when it has finished."
                ) from exc
            raise CenterDatabaseError(
                f"The center database {self.description} could not be used: {text}. Nothing "
                "was changed by the interrupted step."
            ) from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> CenterDatabase:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _first_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sqlite_path(target: str | Path) -> Path | None:
    """The file of a SQLite target (a plain path or a sqlite:/// URL); None otherwise."""
    if isinstance(target, Path) or "://" not in target:
        return Path(target)
    url = make_url(target)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database))
    return None


def _make_engine(target: str | Path, create: bool) -> tuple[Engine, str]:
    try:
        path = _sqlite_path(target)
    except ArgumentError:
        raise CenterDatabaseError(
            f"{target!s} is neither a file name nor a database URL such as "
            "postgresql+psycopg://user@host/dbname."
        ) from None
    if path is not None:
        path = path.expanduser()
        if path.is_dir():
            raise CenterDatabaseError(f"{path} is a folder, not a center database file.")
        if not path.exists():
            if not create:
                raise CenterDatabaseError(
                    f"There is no center database at {path}. Merge a transfer file into it "
                    "first (rego-center merge), or check the file name."
                )
            if not path.parent.is_dir():
                raise CenterDatabaseError(f"The folder {path.parent} does not exist.")
        elif path.stat().st_size > 0:
            with path.open("rb") as fh:
                if fh.read(16) != SQLITE_MAGIC:
                    raise CenterDatabaseError(f"{path} is not a center database (not SQLite).")
        return make_engine(path), str(path)
    url: URL = make_url(str(target))
    description = url.render_as_string(hide_password=True)
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise CenterDatabaseError(
            f"Cannot use the database URL {description}: {_first_line(exc)}. For PostgreSQL "
            "install rego-desktop[center] and use postgresql+psycopg://..."
        ) from None
    return engine, description


def open_center_database(target: str | Path, *, create: bool = False) -> CenterDatabase:
    """Open (and with ``create``, create) the center database; bring its schema up to date.

    Refuses a site study database and a database whose schema is newer than this software.
    """
    engine, description = _make_engine(target, create)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two commands opening a new database at once: one creates the schema,
                # the other waits and finds it (else both create the tables and collide).
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")
            tables = set(inspect(conn).get_table_names())
            if "study_meta" in tables:
                raise CenterDatabaseError(
                    f"{description} is a site study database, not a center database. Give "
                    "the center database (a new file name creates one)."
                )
            current = _current_revision(conn)
            known = {
                rev.revision
                for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()
            }
            if current is not None and current not in known:
                raise CenterDatabaseError(
                    f"{description} was written by a newer version of rego-desktop (center "
                    f"schema {current}); install that version to use it."
                )
            if current is None and not create:
                raise CenterDatabaseError(
                    f"{description} is not a center database (it has no center tables). "
                    "Merge a transfer file into it first (rego-center merge)."
                )
            if current != head_revision():
                command.upgrade(alembic_config(conn), "head")
    except CenterDatabaseError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        orig = getattr(exc, "orig", None) or exc
        raise CenterDatabaseError(
            f"Could not open the center database {description}: {_first_line(orig)}."
        ) from exc
    except BaseException:
        engine.dispose()
        raise
    return CenterDatabase(engine, description)


@contextmanager
def opened(target: str | Path, *, create: bool = False) -> Iterator[CenterDatabase]:
    db = open_center_database(target, create=create)
    try:
        yield db
    finally:
        with contextlib.suppress(Exception):
            db.close()
