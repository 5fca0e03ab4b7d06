"""stored rows of the pooled workbook's derived sheets

Revision ID: 0007_sheet_rows
Revises: 0006_center_settings
Create Date: 2026-12-06 04:20:00

``center_sheet_rows``: per patient, its rows of the derived sheets of ``rego-center
xlsx`` (scores, ADSL, ADTTE, ADRS, ADAE), computed by the merge with the patient's
analysis row; valid only for the patient's content and the code that computed them.
Existing patients have none until a merge writes them again: the workbook derives
theirs as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_sheet_rows"
down_revision = "0006_center_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "center_sheet_rows",
        sa.Column("patient_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("rows_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["center_patients.id"],
            name=op.f("fk_center_sheet_rows_patient_id_center_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_center_sheet_rows")),
    )


def downgrade() -> None:
    op.drop_table("center_sheet_rows")
