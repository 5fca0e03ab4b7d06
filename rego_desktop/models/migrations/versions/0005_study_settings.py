"""study settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00.000000

Study-wide settings (the site's usual unit per field), encrypted; none at first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rego_desktop.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "study_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_study_settings")),
    )


def downgrade() -> None:
    op.drop_table("study_settings")
