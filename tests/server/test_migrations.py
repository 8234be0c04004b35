"""Alembic migrations produce exactly the schema the models describe, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.blobs import BlobStore
from server.db import make_engine
from server.event_hash import event_hash
from server.migrate import upgrade
from server.models import Base, Brand, EpcisEvent


def test_migrations_match_the_models(database: dict[str, Any]) -> None:
    engine = make_engine(database["DATABASE_URL"], database.get("DATABASE_SCHEMA"))
    upgrade(engine)
    upgrade(engine)  # running again is a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_0004b_recomputes_event_hashes_and_drops_events_stored_twice(
    database: dict[str, Any], tmp_path: Path
) -> None:
    engine = make_engine(database["DATABASE_URL"], database.get("DATABASE_SCHEMA"))
    upgrade(engine, "0003")
    urn = {
        "type": "ObjectEvent",
        "eventTime": "2025-02-03T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:sgtin:9520123.012345.S1"],
    }
    # The same event with a Digital Link: before 0004b its content hash differed.
    link = {**urn, "epcList": ["https://id.gs1.org/01/09520123123451/21/S1"]}
    # An extension whose prefix only its stored document's @context defines.
    other = {**urn, "action": "ADD", "originxr:farm": "farm-1"}
    context: list[Any] = [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"originxr": "https://ns.originxr.org/epcis/"},
    ]
    store = BlobStore(tmp_path / "blobs")
    document = store.put(json.dumps({"@context": context, "epcisBody": {}}).encode())
    when = datetime(2025, 2, 3, 10, tzinfo=UTC)
    with Session(engine) as session:
        brand = Brand(slug="b", name="B", default_locale="en", locales=["en"], settings={})
        brand.data_revision = 3
        session.add(brand)
        session.flush()
        for i, raw in enumerate((urn, link, other)):
            session.add(
                EpcisEvent(
                    brand_id=brand.id,
                    event_hash=f"ni:///sha-256;old{i}",
                    event_type="ObjectEvent",
                    event_time=when,
                    event_timezone="+00:00",
                    raw=raw,
                    source_document=document,
                )
            )
        session.commit()
    upgrade(engine, blob_path=tmp_path / "blobs")
    with Session(engine) as session:
        rows = session.execute(
            select(EpcisEvent.raw, EpcisEvent.event_hash).order_by(EpcisEvent.id)
        )
        assert [tuple(row) for row in rows] == [
            (urn, event_hash(urn)),
            (other, event_hash(other, context)),
        ]
        assert event_hash(other, context) != event_hash(other)
        assert session.scalars(select(Brand.data_revision)).one() == 4
    engine.dispose()
