"""epcis_events.event_hash becomes the GS1 event hash (CBV 2.0 §8.9)

Until now ``event_hash`` held our own content hash (``ni:///sha-256;<hex>`` over the JSON
as written), so the same event written with EPC URNs and with Digital Links was stored
twice. This data migration recomputes every row's hash with `server.core.epcis.event_hash`
(``ni:///sha-256;<hex>?ver=CBV2.0``); rows that now share a (brand, hash) are the same
event, and only the first stored (lowest id) is kept. No schema change: the column and its
unique (brand_id, event_hash) constraint stay.

Extension namespaces come from the ``@context`` of each event's source document, read
back from the blob store when the migration is given it (``originxr migrate`` and
``originxr run`` do). Without it -- or for a document no longer stored -- an extension
whose prefix only that context defined is hashed with the prefix as written
(``originxr:plots`` rather than ``{https://ns.originxr.org/epcis/}plots``), and a later
re-capture of that document would store such events once more.

Revision ID: 0004b
Revises: 0010
Create Date: 2026-11-25 07:40:00
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from server.adapters.blobs import BlobStore
from server.core.epcis.event_hash import EventHashError, event_hash

revision = "0004b"
down_revision = "0010"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
_events = sa.table(
    "epcis_events",
    sa.column("id", sa.Integer),
    sa.column("brand_id", sa.Integer),
    sa.column("event_hash", sa.String),
    sa.column("raw", sa.JSON),
    sa.column("source_document", sa.String),
)
_brands = sa.table("brands", sa.column("id", sa.Integer), sa.column("data_revision", sa.Integer))


def _document_contexts() -> Callable[[str | None], Any]:
    """Return a function giving the @context of a stored source document (None if unknown)."""
    store: BlobStore | None = context.config.attributes.get("blob_store")
    found: dict[str, Any] = {}

    def of(sha: str | None) -> Any:
        if store is None or not sha:
            return None
        if sha not in found:
            try:
                document = json.loads(store.get(sha))
            except (OSError, ValueError):
                # A missing or unreadable document: hash with default prefixes only.
                document = None
            found[sha] = document.get("@context") if isinstance(document, dict) else None
        return found[sha]

    return of


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            _events.c.id, _events.c.brand_id, _events.c.raw, _events.c.source_document
        ).order_by(_events.c.id)
    ).all()
    context_of = _document_contexts()
    seen: set[tuple[int, str]] = set()
    updates: list[dict[str, object]] = []
    duplicates: list[int] = []
    for row in rows:
        try:
            digest = event_hash(row.raw, context_of(row.source_document))
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
