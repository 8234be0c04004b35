"""Loading a batch's inputs reads only what its trace reaches, and the report is unchanged."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event, select

from server.adapters.db import db
from server.adapters.models import Batch, Brand, EpcisEvent
from server.core.evidence.report import build_report
from server.services.batch_inputs import load_batch_inputs
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


def test_loading_a_batch_takes_few_queries(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        batch = db.session.scalars(select(Batch).order_by(Batch.id)).first()
        assert batch is not None
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            inputs = load_batch_inputs(db.session, batch)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        # A handful of queries per chain level, never one per event, farm or plot.
        assert len(inputs.events) > 50
        assert len(statements) < 40, statements
