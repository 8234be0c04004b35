"""batch data revision

A data revision per batch (issue #13, item 2): a capture or an evidence upload makes stale
the builds of the batches it reaches, not every batch of the brand.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(
            sa.Column("data_revision", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("data_revision")
