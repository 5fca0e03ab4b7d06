"""center queries at the site

Revision ID: 0007_center_queries
Revises: 0006_authority
Create Date: 2026-12-06 01:40:00.000000

Queries of the coordinating center (issue 16) are kept with the site's own in
``queries``: ``origin`` ("site" for every existing query), ``center_id`` and
``center_revision``. ``center_query_imports`` records each query file imported.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rego_desktop.models.base

revision = "0007_center_queries"
down_revision = "0006_authority"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(length=8), server_default="site", nullable=False)
        )
        batch.add_column(sa.Column("center_id", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("center_revision", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_queries_center_id"), ["center_id"])
    op.create_table(
        "center_query_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("file_id", sa.String(length=36), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("center_fingerprint", sa.String(length=47), nullable=False),
        sa.Column("created_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("imported_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_query_imports")),
        sa.UniqueConstraint("file_id", name=op.f("uq_center_query_imports_file_id")),
        sa.UniqueConstraint("sequence", name=op.f("uq_center_query_imports_sequence")),
    )


def downgrade() -> None:
    op.drop_table("center_query_imports")
    with op.batch_alter_table("queries") as batch:
        batch.drop_constraint("uq_queries_center_id", type_="unique")
        batch.drop_column("center_revision")
        batch.drop_column("center_id")
        batch.drop_column("origin")
