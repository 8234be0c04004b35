"""Loading a batch's inputs reads only what its trace reaches, and the report is unchanged."""

from __future__ import annotations

import dataclasses

from flask import Flask
from sqlalchemy import event, select

from server.db import db
from server.models import Batch, Brand, EpcisEvent, EvidenceRecord, Plot, Site
from workers.batch_data import (
    load_batch_inputs,
    plain_event,
    plain_plot,
    plain_record,
    plain_site,
)
from workers.evidence.inputs import BatchInputs
from workers.evidence.report import build_report


def _whole_brand(inputs: BatchInputs, brand_id: int) -> BatchInputs:
    """Return `inputs` with every event, site, plot and record of the brand instead."""
    session = db.session
    of_brand = {
        model: list(session.scalars(select(model).where(model.brand_id == brand_id)))
        for model in (EpcisEvent, Site, Plot, EvidenceRecord)
    }
    events = sorted(of_brand[EpcisEvent], key=lambda e: (e.event_time, e.id))
    return dataclasses.replace(
        inputs,
        events=tuple(plain_event(e) for e in events),
        sites=tuple(plain_site(s) for s in sorted(of_brand[Site], key=lambda s: s.id)),
        plots=tuple(plain_plot(p) for p in sorted(of_brand[Plot], key=lambda p: p.id)),
        evidence=tuple(
            plain_record(r) for r in sorted(of_brand[EvidenceRecord], key=lambda r: r.id)
        ),
    )


def test_every_demo_batch_reports_as_with_the_whole_brand_loaded(app: Flask) -> None:
    with app.app_context():
        brand = db.session.scalars(select(Brand).where(Brand.slug == "nkabom")).one()
        batches = list(db.session.scalars(select(Batch).order_by(Batch.id)))
        total = len(list(db.session.scalars(select(EpcisEvent.id))))
        assert len(batches) > 1
        smaller = 0
        for batch in batches:
            inputs = load_batch_inputs(db.session, batch)
            whole = _whole_brand(inputs, brand.id)
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
