"""epcis_events.event_hash becomes the GS1 event hash (CBV 2.0 §8.9)

Until now ``event_hash`` held our own content hash (``ni:///sha-256;<hex>`` over the JSON
as written), so the same event written with EPC URNs and with Digital Links was stored
twice. This data migration recomputes every row's hash with `server.event_hash`
(``ni:///sha-256;<hex>?ver=CBV2.0``); rows that now share a (brand, hash) are the same
event, and only the first stored (lowest id) is kept. No schema change: the column and its
unique (brand_id, event_hash) constraint stay.

Limit: stored events do not keep their document's ``@context``, so an extension whose
prefix only that context defined is hashed with the prefix as written (``originxr:plots``
rather than ``{https://ns.originxr.org/epcis/}plots``). Brand packs are re-read with their
context on the next pack change; API-captured events with such extensions keep the
context-free hash, and a re-capture of their document would store them once more.

Revision ID: 0004b
Revises: 0003
Create Date: 2026-11-25 07:40:00
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from server.event_hash import EventHashError, event_hash

revision = "0004b"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
_events = sa.table(
    "epcis_events",
    sa.column("id", sa.Integer),
    sa.column("brand_id", sa.Integer),
    sa.column("event_hash", sa.String),
    sa.column("raw", sa.JSON),
)
_brands = sa.table("brands", sa.column("id", sa.Integer), sa.column("data_revision", sa.Integer))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_events.c.id, _events.c.brand_id, _events.c.raw).order_by(_events.c.id)
    ).all()
    seen: set[tuple[int, str]] = set()
    updates: list[dict[str, object]] = []
    duplicates: list[int] = []
    for row in rows:
        try:
            digest = event_hash(row.raw)
        except EventHashError as exc:
            # Stored events passed capture validation; one the hash cannot read keeps its
            # old hash rather than stopping the migration.
            log.warning("event %s keeps its content hash: %s", row.id, exc)
            continue
        if (row.brand_id, digest) in seen:
            duplicates.append(row.id)
            continue
        seen.add((row.brand_id, digest))
        updates.append({"row_id": row.id, "digest": digest})
    if duplicates:
        log.info("removing %d events stored twice under different hashes", len(duplicates))
        bind.execute(sa.delete(_events).where(_events.c.id.in_(duplicates)))
    if updates:
        bind.execute(
            sa.update(_events)
            .where(_events.c.id == sa.bindparam("row_id"))
            .values(event_hash=sa.bindparam("digest")),
            updates,
        )
    if rows:
        # Event ids shown in built stories fall back to the hash: every build is stale.
        bind.execute(sa.update(_brands).values(data_revision=_brands.c.data_revision + 1))


def downgrade() -> None:
    # The old content hash cannot be recomputed meaningfully for merged duplicates; the
    # GS1 hash stays (it fits the same column and constraint).
    pass
