"""center settings and stored status facts

Revision ID: 0006_center_settings
Revises: 0005_center_queries
Create Date: 2026-12-06 01:20:00

``center_settings``: settings of the center shared by every operator and the command
line (the overdue period of the site status), each change audited.
``center_patient_facts``: per patient, what the site status needs (screen failure,
forms complete), computed once per patient content by the status code; existing
patients get theirs at the first status.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rego_desktop.models.base

revision = "0006_center_settings"
down_revision = "0005_center_queries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "center_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("changed_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_center_settings")),
    )
    op.create_table(
        "center_patient_facts",
        sa.Column("patient_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("screen_failed", sa.Boolean(), nullable=False),
        sa.Column("complete_forms", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["center_patients.id"],
            name=op.f("fk_center_patient_facts_patient_id_center_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_center_patient_facts")),
    )


def downgrade() -> None:
    op.drop_table("center_patient_facts")
    op.drop_table("center_settings")
