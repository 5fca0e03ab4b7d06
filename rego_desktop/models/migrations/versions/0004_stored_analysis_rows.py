"""stored analysis rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:54:35.999819

Existing patients get no row; the first summary computes and stores them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_rows",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_analysis_rows_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_analysis_rows")),
    )


def downgrade() -> None:
    op.drop_table("analysis_rows")
