"""Alembic environment for the coordinating center's database (SQLite or PostgreSQL).

The application configures Alembic in code (:mod:`rego_desktop.center.db`) and passes
an open connection. The version table has its own name so that the center schema can
share a PostgreSQL database (or schema) with other software without confusion.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from rego_desktop.center.models import CenterBase

VERSION_TABLE = "rego_center_version"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=CenterBase.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "The center migrations run through rego_desktop.center.db (they need a connection)."
    )
_run(connection)
