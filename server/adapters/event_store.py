"""Insert EPCIS events and their identifier rows in bulk: one statement per table per chunk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from server.adapters.models import EpcisEvent, EventIdentifier
from server.adapters.models.base import utcnow
from server.core.epcis.identifiers import identifier_rows

_CHUNK = 1000


def insert_events(session: Session, brand_id: int, rows: Sequence[dict[str, Any]]) -> int:
    """Insert `rows` (stored columns plus ``raw`` and ``source_document``) for the brand.

    Each event's identifiers go to ``event_identifiers`` in the same transaction: events
    are inserted with one executemany per chunk, their ids read back by content hash (one
    query per chunk), then their identifier rows inserted with one executemany. Return how
    many events were inserted. The caller commits.
    """
    now = utcnow()
    connection = session.connection()  # Core executemany: no ORM bookkeeping per row
    for start in range(0, len(rows), _CHUNK):
        chunk = [
            {**row, "brand_id": brand_id, "recorded_at": now}
            for row in rows[start : start + _CHUNK]
        ]
        connection.execute(insert(EpcisEvent), chunk)
        hashes = [row["event_hash"] for row in chunk]
        ids = {
            digest: event_id
            for digest, event_id in connection.execute(
                select(EpcisEvent.event_hash, EpcisEvent.id).where(
                    EpcisEvent.brand_id == brand_id, EpcisEvent.event_hash.in_(hashes)
                )
            )
        }
        links = [
            {
                "event_id": ids[row["event_hash"]],
                "brand_id": brand_id,
                "role": role,
                "identifier": value,
            }
            for row in chunk
            for role, value in identifier_rows(row)
        ]
        if links:
            connection.execute(insert(EventIdentifier), links)
    return len(rows)


def delete_brand_events(session: Session, brand_id: int) -> None:
    """Delete every event of the brand and its identifier rows."""
    session.execute(delete(EventIdentifier).where(EventIdentifier.brand_id == brand_id))
    session.execute(delete(EpcisEvent).where(EpcisEvent.brand_id == brand_id))


def known_hashes(session: Session, brand_id: int, hashes: Sequence[str]) -> set[str]:
    """Return which of `hashes` the brand's stored events already have."""
    known: set[str] = set()
    for start in range(0, len(hashes), _CHUNK):
        chunk = list(hashes[start : start + _CHUNK])
        known.update(
            session.scalars(
                select(EpcisEvent.event_hash).where(
                    EpcisEvent.brand_id == brand_id, EpcisEvent.event_hash.in_(chunk)
                )
            )
        )
    return known
