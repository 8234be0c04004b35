"""drop the identifier rows' foreign key to brands

Capture speed on PostgreSQL (issue #13): every identifier row (two to three per event) was
checked against `brands` by a foreign-key trigger on insert, a row lock on the brand's row
each time. The row's `event_id` key to `epcis_events` already ties it to an event of that
brand, and deleting a brand still deletes its identifier rows (brands → events → identifier
rows, both ``ON DELETE CASCADE``). Measured in-process on PostgreSQL (20,027 events, 2,000
farms): the capture's wall-clock time per event fell by about 30 % without it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 22:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_NAME = "fk_event_identifiers_brand_id_brands"


def upgrade() -> None:
    with op.batch_alter_table("event_identifiers") as batch:
        batch.drop_constraint(_NAME, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("event_identifiers") as batch:
        batch.create_foreign_key(_NAME, "brands", ["brand_id"], ["id"], ondelete="CASCADE")
