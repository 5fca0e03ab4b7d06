"""SQLite engines for the study database, with the pragmas crash safety needs.

WAL with ``synchronous=FULL`` so a save that returned survives power loss;
``secure_delete`` so freed pages are zeroed; temp tables in memory so nothing
spills into temp files; foreign keys enforced.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_S = 10.0


def _url(path: Path, readonly: bool) -> str:
    mode = "ro" if readonly else "rwc"
    return f"sqlite:///file:{quote(str(path.resolve()))}?mode={mode}&uri=true"


def make_engine(path: Path, *, readonly: bool = False) -> Engine:
    engine = create_engine(
        _url(path, readonly),
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control from the driver; "begin" below emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute("PRAGMA temp_store=MEMORY")
            if not readonly:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so a read-then-write transaction
        # never fails half-way with SQLITE_BUSY on a stale snapshot.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
