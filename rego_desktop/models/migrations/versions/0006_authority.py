"""authority rows authenticated

Revision ID: 0006_authority
Revises: 0005
Create Date: 2026-12-06 01:20:00.000000

Every row that grants or records authority gets an ``auth_tag``: a MAC, keyed by a key
derived from the study's data key, over the table name, the row's identity and its
content (see :mod:`rego_desktop.authority`). ``study_meta.authority_sets`` holds, per
kind of row, the count and an order-free digest of the rows' identities, so a deleted
or inserted row is detected. Signatures get the digest of the casebook's canonical
values at signing (``casebook_digest``) and of the de-identified patient as the
transfer file carries it (``transfer_digest``).

The tags cannot be computed here (the key is not available to a migration): the first
unlocked open after this upgrade computes them and audits it
(:func:`rego_desktop.authority.establish`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_authority"
down_revision = "0005"
branch_labels = None
depends_on = None

TAGGED = ("users", "key_slots", "signatures", "patients", "study_meta", "study_settings")


def upgrade() -> None:
    for table in TAGGED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("auth_tag", sa.LargeBinary(length=32), nullable=True))
    with op.batch_alter_table("study_meta") as batch:
        batch.add_column(sa.Column("authority_sets", sa.Text(), nullable=True))
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(sa.Column("casebook_digest", sa.LargeBinary(length=32), nullable=True))
        batch.add_column(sa.Column("transfer_digest", sa.LargeBinary(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("transfer_digest")
        batch.drop_column("casebook_digest")
    with op.batch_alter_table("study_meta") as batch:
        batch.drop_column("authority_sets")
    for table in reversed(TAGGED):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("auth_tag")
