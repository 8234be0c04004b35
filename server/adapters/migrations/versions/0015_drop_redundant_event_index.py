"""drop the events' brand_id index

Capture speed on PostgreSQL (issue #13, item 3): every event row was written into five
indexes, one of them `ix_epcis_events_brand_id`, whose work the two composite indexes that
start with `brand_id` (the unique `(brand_id, event_hash)` and `(brand_id, event_id)`)
already do, for the brand filter and for the cascade from `brands` alike.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 19:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("epcis_events") as batch:
        batch.drop_index("ix_epcis_events_brand_id")


def downgrade() -> None:
    with op.batch_alter_table("epcis_events") as batch:
        batch.create_index("ix_epcis_events_brand_id", ["brand_id"], unique=False)
