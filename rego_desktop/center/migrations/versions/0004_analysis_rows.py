"""stored analysis rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 00:20:00

``center_analysis_rows``: each patient's analysis dataset row, written by the merge.
Existing patients have none; the summary computes theirs until the next merge.
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
        "center_analysis_rows",
        sa.Column("patient_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("row_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["center_patients.id"],
            name=op.f("fk_center_analysis_rows_patient_id_center_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_center_analysis_rows")),
    )


def downgrade() -> None:
    op.drop_table("center_analysis_rows")
