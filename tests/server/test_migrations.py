"""Alembic migrations produce exactly the schema the models describe, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.orm import Session

from server.adapters.blobs import open_blob_store
from server.adapters.db import make_engine
from server.adapters.migrate import alembic_config, upgrade
from server.adapters.models import Base, Brand, EpcisEvent, Plot
from server.core.epcis.event_hash import event_hash


def test_migrations_match_the_models(database: dict[str, Any]) -> None:
    engine = make_engine(database["DATABASE_URL"], database.get("DATABASE_SCHEMA"))
    upgrade(engine)
    upgrade(engine)  # running again is a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_migration_0004_fills_identifiers_bounds_and_record_sites(
    database: dict[str, Any],
) -> None:
    engine = make_engine(database["DATABASE_URL"], database.get("DATABASE_SCHEMA"))
    upgrade(engine, "0003")
    lot = "https://id.gs1.org/01/09520123000014/10/W1"
    farm = "https://id.gs1.org/414/9520123000016/254/7"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO brands (id, slug, name, default_locale, locales, settings,"
                " data_revision, created_at) VALUES (1, 'b', 'B', 'en', '[]', '{}', 1, :now)"
            ),
            {"now": datetime.now(UTC)},
        )
        conn.execute(
            text(
                "INSERT INTO epcis_events (id, brand_id, event_hash, event_type, event_time,"
                " event_timezone, biz_location, inputs, outputs, quantities, parsed, raw,"
                " recorded_at) VALUES (1, 1, 'h1', 'ObjectEvent', :now, '+00:00', :farm,"
                " '[]', '[]', :quantities, :parsed, '{}', :now)"
            ),
            {
                "now": datetime.now(UTC),
                "farm": farm,
                "quantities": json.dumps([{"epc_class": lot, "quantity": 1, "uom": "KGM"}]),
                "parsed": json.dumps({"epcs": [], "parent_id": "urn:x:parent"}),
            },
        )
        conn.execute(
            text(
                "INSERT INTO plots (id, brand_id, key, site_key, geometry) VALUES"
                " (1, 1, 'p1', 'farm-1', :geometry)"
            ),
            {"geometry": json.dumps({"type": "Point", "coordinates": [-1.5, 6.25]})},
        )
        conn.execute(
            text(
                "INSERT INTO evidence_records (id, brand_id, key, kind, subject_type,"
                " subject_key, payload, record_sha256) VALUES"
                " (1, 1, 'r1', 'farmgate_payment', 'plot', 'p1', :payload, 'x'),"
                " (2, 1, 'r2', 'clmrs_visit', 'site', 'farm-2', '{}', 'y')"
            ),
            {"payload": json.dumps({"site": "farm-1"})},
        )
    upgrade(engine)
    with engine.connect() as conn:
        links = set(conn.execute(text("SELECT role, identifier FROM event_identifiers")).all())
        box = conn.execute(text("SELECT min_lon, min_lat, max_lon, max_lat FROM plots")).one()
        sites = conn.execute(text("SELECT about_site FROM evidence_records ORDER BY id")).all()
    engine.dispose()
    base = farm.split("/254/")[0]
    assert links == {("epc", lot), ("io", "urn:x:parent"), ("place", base)}
    assert tuple(box) == (-1.5, 6.25, -1.5, 6.25)
    assert [s[0] for s in sites] == ["farm-1", "farm-2"]


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
    store = open_blob_store({"BLOB_PATH": tmp_path / "blobs"})
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
    upgrade(engine, blobs=store)
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


def test_0011_spatial_index_downgrades_and_upgrades_with_the_plots(
    database: dict[str, Any],
) -> None:
    engine = make_engine(database["DATABASE_URL"], database.get("DATABASE_SCHEMA"))
    upgrade(engine)
    with Session(engine) as session:
        brand = Brand(slug="b", name="B", default_locale="en", locales=["en"], settings={})
        session.add(brand)
        session.flush()
        square = [[[-1.5, 6.0], [-1.4, 6.0], [-1.4, 6.1], [-1.5, 6.0]]]
        geometry = {"type": "Polygon", "coordinates": square}
        session.add(Plot(brand_id=brand.id, key="p1", site_key="f1", geometry=geometry))
        session.commit()
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with engine.connect() as conn:
        assert _spatial_index(conn) == set()
    upgrade(engine)  # fills the R*Tree from the plots already stored
    with engine.connect() as conn:
        expected = {"plots_rtree"} if conn.dialect.name == "sqlite" else {"ix_plots_box"}
        assert _spatial_index(conn) == expected
        if conn.dialect.name == "sqlite":
            box = conn.execute(text("SELECT min_lon, max_lat FROM plots_rtree")).one()
            assert tuple(box) == pytest.approx((-1.5, 6.1))
    engine.dispose()


def _spatial_index(conn: Connection) -> set[str]:
    inspector = inspect(conn)
    names = {i["name"] for i in inspector.get_indexes("plots")} | set(inspector.get_table_names())
    return names & {"plots_rtree", "ix_plots_box"}
