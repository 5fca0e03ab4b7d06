"""patient versions kept for rollback

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 00:10:00

``center_patient_versions`` keeps every patient version a merge replaces or removes;
``center_packages`` learns whether a merge kept them (existing rows: no, so packages
merged before cannot be rolled back) and when a package was rolled back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rego_desktop.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "center_patient_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_code", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=24), nullable=False),
        sa.Column("replaced_by", sa.BigInteger(), nullable=False),
        sa.Column("replaced_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("study_version", sa.String(length=64), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("first_dose_known", sa.Boolean(), nullable=False),
        sa.Column("age", sa.String(length=8), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("package_id", sa.String(length=36), nullable=False),
        sa.Column("package_created_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("first_merged_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("entries_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_patient_versions")),
    )
    with op.batch_alter_table("center_patient_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_center_patient_versions_site_seq", ["site_code", "replaced_by"], unique=False
        )
    with op.batch_alter_table("center_packages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("versions_kept", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("rolled_back_at", rego_desktop.models.base.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("center_packages", schema=None) as batch_op:
        batch_op.drop_column("rolled_back_at")
        batch_op.drop_column("versions_kept")
    with op.batch_alter_table("center_patient_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_center_patient_versions_site_seq")
    op.drop_table("center_patient_versions")
