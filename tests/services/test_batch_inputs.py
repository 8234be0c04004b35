"""Loading a batch's inputs reads only what its trace reaches, and the report is unchanged."""

from __future__ import annotations

import math

from flask import Flask
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import Batch, Brand, EpcisEvent
from server.core.evidence.report import build_report
from server.services.batch_inputs import load_batch_inputs
from server.services.trace_events import loads
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
