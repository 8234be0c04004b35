"""Loading a batch's inputs reads only what its trace reaches, and the report is unchanged."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import Batch, Brand, EpcisEvent, EvidenceRecord, Plot
from server.core.evidence.inputs import Quantity
from server.core.evidence.report import build_report
from server.services.batch_inputs import load_batch_inputs
from server.services.trace_events import TraceEventReader, loads
from tests.conftest import whole_brand_inputs


def test_every_demo_batch_reports_as_with_the_whole_brand_loaded(app: Flask) -> None:
    with app.app_context():
        brand = db.session.scalars(select(Brand).where(Brand.slug == "nkabom")).one()
        batches = list(db.session.scalars(select(Batch).order_by(Batch.id)))
        total = len(list(db.session.scalars(select(EpcisEvent.id))))
        assert len(batches) > 1
        smaller = 0
        for batch in batches:
            inputs = load_batch_inputs(db.session, batch)
            whole = whole_brand_inputs(inputs, brand.id)
            assert build_report(inputs) == build_report(whole), batch.lot
            smaller += len(inputs.events) < total
        # Each batch reads its own part of the chain, not every event of the brand.
        assert smaller == len(batches)


def test_loaded_inputs_are_the_stored_rows_as_the_orm_reads_them(app: Flask) -> None:
    # The loader reads the driver's rows and decodes the JSON texts once each; the reference
    # reads ORM objects (`plain_event` and the others): the same values, types, dict order.
    with app.app_context():
        brand = db.session.scalars(select(Brand).where(Brand.slug == "nkabom")).one()
        for batch in db.session.scalars(select(Batch).order_by(Batch.id)):
            inputs = load_batch_inputs(db.session, batch)
            whole = whole_brand_inputs(inputs, brand.id)
            for part in ("events", "sites", "plots", "evidence"):
                loaded = getattr(inputs, part)
                ids = {item.id for item in loaded}
                expected = tuple(item for item in getattr(whole, part) if item.id in ids)
                assert repr(loaded) == repr(expected), (batch.lot, part)
                assert loaded == expected
            assert inputs.events and inputs.sites and inputs.evidence


def test_json_the_fast_decoder_refuses_is_read_by_the_standard_one() -> None:
    # What the event store writes with the standard encoder when orjson cannot.
    assert loads('{"n": 1180591620717411303424}') == {"n": 2**70}
    assert math.isnan(loads("[NaN]")[0])
    assert loads('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert loads(None) is None


def test_loading_a_batch_takes_few_queries(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        batch = db.session.scalars(select(Batch).order_by(Batch.id)).first()
        assert batch is not None
        statements: list[str] = []
        # Counted at the driver: the loader reads events on the DBAPI cursor, not through
        # SQLAlchemy's execution events.
        driver = db.session.connection().connection.driver_connection
        assert driver is not None
        driver.set_trace_callback(statements.append)
        try:
            inputs = load_batch_inputs(db.session, batch)
        finally:
            driver.set_trace_callback(None)
        # A handful of queries per chain level, never one per event, farm or plot.
        assert len(inputs.events) > 50
        assert any("epcis_events" in s for s in statements)
        assert len(statements) < 40, statements


def _record(brand_id: int, key: str, subject_type: str, subject: str, payload: dict) -> Any:
    return EvidenceRecord(
        brand_id=brand_id,
        key=key,
        kind="audit",
        subject_type=subject_type,
        subject_key=subject,
        issuer="test",
        issued_on=date(2025, 1, 2),
        payload=payload,
        record_sha256=key.ljust(64, "0"),
    )


def test_every_record_route_and_every_farm_plot_is_read(app: Flask) -> None:
    # The loader reads a farm's plots with a box through the nearby-plots query and those
    # without one apart, and a record about a site once whether its payload names that site
    # or another: each route must still find its rows.
    with app.app_context():
        session = db.session
        batch = session.scalars(select(Batch).order_by(Batch.id)).first()
        assert batch is not None
        brand_id = batch.product.brand_id
        before = load_batch_inputs(session, batch)
        farm = next(s for s in before.sites if s.kind == "farm")
        other = next(s for s in before.sites if s.id != farm.id)
        plot = next(p for p in before.plots if p.farm == farm.id)
        session.add_all(
            [
                Plot(brand_id=brand_id, key="no-shape", site_key=farm.id, geometry={}),
                _record(brand_id, "about-other", "site", farm.id, {"site": other.id}),
                _record(brand_id, "about-nowhere", "site", farm.id, {"site": "nowhere"}),
                _record(brand_id, "plot-at-site", "plot", "unknown-plot", {"site": farm.id}),
                _record(brand_id, "on-plot", "plot", plot.id, {"status": "ok"}),
                _record(brand_id, "on-batch", "batch", batch.lot, {"status": "ok"}),
                _record(brand_id, "elsewhere", "site", "not-a-site-of-it", {}),
            ]
        )
        session.commit()
        after = load_batch_inputs(session, batch)
        added = {r.id for r in after.evidence} - {r.id for r in before.evidence}
        assert added == {"about-other", "about-nowhere", "plot-at-site", "on-plot", "on-batch"}
        assert {p.id for p in after.plots} - {p.id for p in before.plots} == {"no-shape"}
        # Read once each, in row order, with the values the ORM reads.
        whole = whole_brand_inputs(after, brand_id)
        ids = {r.id for r in after.evidence}
        assert after.evidence == tuple(r for r in whole.evidence if r.id in ids)
        assert next(r for r in after.evidence if r.id == "on-plot").issued_on == date(2025, 1, 2)


def _row(key: int, kind: str, lines: str | None, parsed: str) -> tuple[Any, ...]:
    """Return a row of `TraceEventReader`'s columns: an event at one place, its lines."""
    place = "https://id.gs1.org/414/9520120000014"
    return (key, f"urn:uuid:{key}", kind, "2024-10-01 00:00:00.000000", "step", "ADD",
            place, place, lines, lines, None, parsed)  # fmt: skip


def test_an_event_read_again_is_kept_and_a_transformation_read_again_is_returned(
    sqlite_app: Flask,
) -> None:
    # A level of the trace reads again the transformations of the level before (they name
    # its classes as inputs): their flow counts again, their event is the one read first.
    lot = '[{"epc_class": "urn:lot:1", "quantity": 40.0, "uom": "KGM"}, {"epc_class": "x"}]'
    parsed = '{"sources": [["a", "b"]], "destinations": [], "ilmd": {"k": 1}}'
    with sqlite_app.app_context():
        reader = TraceEventReader(db.session)
        events: dict[int, Any] = {}
        first = [_row(1, "TransformationEvent", lot, parsed), _row(2, "ObjectEvent", lot, "{}")]
        assert reader.load(first, events) == [1]
        kept = dict(events)
        again = [_row(2, "ObjectEvent", None, "{}"), _row(1, "TransformationEvent", None, "{}")]
        again.append(_row(3, "TransformationEvent", None, "{}"))
        assert reader.load(again, events) == [1, 3]
        assert all(events[key] is kept[key] for key in kept)
        assert reader.flow(1) == (frozenset({"urn:lot:1", "x"}), ("urn:lot:1", "x"))
        assert reader.flow(3) == (frozenset(), ())
        event = events[1]
        # The line without a quantity is left out; the two lists are one tuple's values.
        assert event.inputs == event.outputs == (Quantity("urn:lot:1", 40.0, "KGM"),)
        assert type(event.inputs[0].quantity) is float
        assert event.quantities == ()
        assert event.sources == (("a", "b"),) and event.destinations == ()
        assert event.ilmd == {"k": 1} and events[2].ilmd == {}
        assert event.time == datetime(2024, 10, 1, tzinfo=UTC)
