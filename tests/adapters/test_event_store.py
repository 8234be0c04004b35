"""Bulk inserts of events: each identifier row points at its own event, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server.adapters import event_store
from server.adapters.db import make_engine
from server.adapters.migrate import upgrade
from server.adapters.models import Brand, EpcisEvent, EventIdentifier
from server.core.epcis.identifiers import identifier_rows
from server.services.capture import stored_columns


def _harvest(lot: int) -> dict[str, Any]:
    raw = {
        "type": "ObjectEvent",
        "eventTime": f"2025-02-03T10:{lot % 60:02d}:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "ADD",
        "quantityList": [{"epcClass": f"urn:epc:class:lgtin:9520123.000001.W{lot}"}],
        "bizLocation": {"id": f"urn:epc:id:sgln:9520123.{lot:05d}.0"},
    }
    return {**stored_columns(raw), "raw": raw, "source_document": None}


def _links(session: Session) -> dict[str, set[tuple[str, str]]]:
    """Return each stored event's identifier rows, by its hash."""
    rows = session.execute(
        select(EpcisEvent.event_hash, EventIdentifier.role, EventIdentifier.identifier).join(
            EventIdentifier, EventIdentifier.event_id == EpcisEvent.id
        )
    )
    found: dict[str, set[tuple[str, str]]] = {}
    for digest, role, identifier in rows:
        found.setdefault(digest, set()).add((role, identifier))
    return found


def _brand(session: Session) -> int:
    brand = Brand(slug="b", name="B")
    session.add(brand)
    session.flush()
    return brand.id


def test_every_identifier_row_names_its_own_event(engine: Engine) -> None:
    with Session(engine) as session:
        brand_id = _brand(session)
        first = [_harvest(lot) for lot in range(3)]
        event_store.insert_events(session, brand_id, first)
        second = [_harvest(lot) for lot in range(3, 2503)]  # more than one chunk of ids
        event_store.insert_events(session, brand_id, second)
        session.commit()
        links = _links(session)
    assert len(links) == 2503
    for row in first + second:
        assert links[row["event_hash"]] == identifier_rows(row)


def test_sqlite_ids_are_read_back_by_hash_when_the_last_insert_is_not_the_chunks(
    sqlite_only: dict[str, Any],
) -> None:
    engine = make_engine(sqlite_only["DATABASE_URL"])
    upgrade(engine)
    with Session(engine) as session:
        brand_id = _brand(session)
        rows = [_harvest(lot) for lot in range(4)]
        event_store.insert_events(session, brand_id, rows)
        expected = dict(session.execute(select(EpcisEvent.event_hash, EpcisEvent.id)).all())
        connection = session.connection()
        cursor = connection.connection.driver_connection.cursor()
        # Another table's insert: last_insert_rowid() no longer names the chunk's last row.
        cursor.execute(
            "INSERT INTO event_identifiers (event_id, role, identifier, brand_id)"
            " VALUES (?, 'epc', 'urn:example:other', ?)",
            (expected[rows[0]["event_hash"]], brand_id),
        )
        assert cursor.execute("SELECT last_insert_rowid()").fetchone()[0] > len(rows)
        ids = event_store._inserted_ids(connection, cursor, brand_id, rows)
        assert list(ids) == [expected[row["event_hash"]] for row in rows]
    engine.dispose()
