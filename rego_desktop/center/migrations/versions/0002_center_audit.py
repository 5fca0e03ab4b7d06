"""center audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 00:05:00

The hash-chained audit trail of the center (``center_audit``) and the row pinning its
newest entry (``center_audit_head``), created with its genesis values.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rego_desktop.models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "center_audit",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("operator", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("site_code", sa.String(length=64), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_center_audit")),
    )
    with op.batch_alter_table("center_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_audit_action"), ["action"], unique=False)
    head = op.create_table(
        "center_audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_audit_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])


def downgrade() -> None:
    op.drop_table("center_audit_head")
    with op.batch_alter_table("center_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_audit_action"))
    op.drop_table("center_audit")
