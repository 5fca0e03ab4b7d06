"""center data queries

Revision ID: 0005_center_queries
Revises: 0004
Create Date: 2026-12-06 01:30:00

``center_queries`` (the data queries the center raises and their answers),
``center_query_files`` (the query files exported to the sites, numbered per site) and
``center_query_checks`` (each patient's edit-check findings, per content); see
:mod:`rego_desktop.center.query_models`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rego_desktop.models.base

revision = "0005_center_queries"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "center_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query_id", sa.String(length=16), nullable=False),
        sa.Column("site_code", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=24), nullable=False),
        sa.Column("form_id", sa.String(length=40), nullable=True),
        sa.Column("entry_id", sa.String(length=64), nullable=True),
        sa.Column("field_id", sa.String(length=40), nullable=True),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=True),
        sa.Column("severity", sa.String(length=12), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("acked_revision", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=True),
        sa.Column("center_value", sa.Text(), nullable=True),
        sa.Column("raised_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("raised_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("answered_at", rego_desktop.models.base.UTCDateTime(), nullable=True),
        sa.Column("site_events", sa.BigInteger(), nullable=False),
        sa.Column("corrections_json", sa.Text(), nullable=False),
        sa.Column("history_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_queries")),
        sa.UniqueConstraint("query_id", name=op.f("uq_center_queries_query_id")),
        sa.UniqueConstraint("subject_code", "fingerprint", name="uq_center_queries_finding"),
    )
    op.create_index(
        "ix_center_queries_site_status", "center_queries", ["site_code", "status"], unique=False
    )
    op.create_index(
        op.f("ix_center_queries_subject_code"), "center_queries", ["subject_code"], unique=False
    )
    op.create_table(
        "center_query_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_code", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("file_id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", rego_desktop.models.base.UTCDateTime(), nullable=False),
        sa.Column("exported_by", sa.String(length=128), nullable=False),
        sa.Column("queries", sa.Integer(), nullable=False),
        sa.Column("query_ids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_query_files")),
        sa.UniqueConstraint("file_id", name=op.f("uq_center_query_files_file_id")),
        sa.UniqueConstraint("site_code", "sequence", name="uq_center_query_files_seq"),
    )

    op.create_table(
        "center_query_checks",
        sa.Column("patient_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("findings_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["center_patients.id"],
            name=op.f("fk_center_query_checks_patient_id_center_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_center_query_checks")),
    )


def downgrade() -> None:
    op.drop_table("center_query_checks")
    op.drop_table("center_query_files")
    op.drop_index(op.f("ix_center_queries_subject_code"), table_name="center_queries")
    op.drop_index("ix_center_queries_site_status", table_name="center_queries")
    op.drop_table("center_queries")
