"""Rebuilds of what changed only: a real RQ worker runs the coalesced job, the queue shows the rest.

On the demo brand (three batches): an evidence upload about one batch enqueues that batch's
two builds; a story publish enqueues the three scenes and no evidence; a capture reaching
one batch (through a transformation) enqueues that batch's builds. The batches left alone
are checked to be really unchanged: their evidence, recomputed, equals what it was.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Flask
from rq import Queue, SimpleWorker
from sqlalchemy import select

from server.adapters.blobs import blob_store
from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.models import Batch, Brand, Site
from server.core.epcis.identifiers import base_location
from server.core.evidence.report import build_report
from server.core.evidence.upload_checks import EvidenceFields
from server.core.gs1.identifiers import lot_class
from server.services import rebuild_scope
from server.services.batch_inputs import load_batch_inputs
from server.services.brand_changes import request_rebuild
from server.services.builds import published_story
from server.services.evidence_upload import store_evidence
from server.services.story_versions import publish
from tests.conftest import work_queue

GTIN = "09520123100018"


def _queued(app: Flask) -> list[tuple[str, Any]]:
    """Return (job name, first argument) of every job waiting in the builds queue."""
    with app.app_context():
        jobs = Queue("builds", connection=broker.redis).get_jobs()
        return sorted((job.func_name.rsplit(".", 1)[-1], job.args[0]) for job in jobs)


def _run_the_rebuild_job(app: Flask) -> None:
    with app.app_context():
        queue = Queue("builds", connection=broker.redis)
        assert [job.func_name for job in queue.get_jobs()] == ["workers.jobs.rebuild_brand"]
        SimpleWorker([queue], connection=broker.redis).work(burst=True, max_jobs=1)


def _reports(app: Flask) -> dict[str, str]:
    """Return each batch's evidence report, recomputed from the database, as JSON text."""
    with app.app_context():
        batches = db.session.scalars(select(Batch).order_by(Batch.lot)).all()
        return {
            b.lot: json.dumps(build_report(load_batch_inputs(db.session, b)), default=str)
            for b in batches
        }


def _batch_ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {lot: i for i, lot in db.session.execute(select(Batch.id, Batch.lot))}


def test_an_upload_rebuilds_its_batch_and_a_publish_only_the_scenes(sqlite_app: Flask) -> None:
    app = sqlite_app
    with app.app_context():
        request_rebuild(db.session.scalars(select(Brand.id)).one())  # every batch
    work_queue(app)  # every build of the three batches done
    assert _queued(app) == []
    ids, before = _batch_ids(app), _reports(app)
    with app.app_context():
        target = db.session.get(Batch, ids["NK25-0227"])
        assert target is not None
        gtin = target.product.gtin
    audit = EvidenceFields(
        key="ev-audit-0227",
        kind="audit",
        subject_type="batch",
        subject_id=f"{gtin}/NK25-0227",
        issuer="Auditor",
        issued_on=date(2024, 12, 1),  # before the batch's report date: it counts
        valid_until=None,
        payload={"result": "pass"},
    )
    with app.app_context():
        brand_id = db.session.scalars(select(Brand.id)).one()
        store_evidence(
            db.session, blob_store(app), brand_id, audit, b'{"a": 1}', "application/json"
        )
    _run_the_rebuild_job(app)
    batch = ids["NK25-0227"]
    assert _queued(app) == [("build_scene", batch), ("compute_evidence", batch)]
    after = _reports(app)
    assert after["NK25-0227"] != before["NK25-0227"]  # the audit is among its evidence
    assert {k: v for k, v in after.items() if k != "NK25-0227"} == {
        k: v for k, v in before.items() if k != "NK25-0227"
    }
    work_queue(app)
    with app.app_context():
        brand = db.session.get(Brand, brand_id)
        assert brand is not None
        current = published_story(db.session, brand_id)
        assert current is not None
        publish(db.session, brand, None, "a roll back, for the test", source_version=current)
    _run_the_rebuild_job(app)
    assert _queued(app) == sorted(("build_scene", i) for i in ids.values())


def test_a_capture_reaches_the_batches_downstream_of_what_it_names(app: Flask) -> None:
    with app.app_context():
        session = db.session
        brand_id = session.scalars(select(Brand.id)).one()
        batches = session.scalars(select(Batch).order_by(Batch.lot)).all()
        upstream = {
            b.id: {
                c.epc_class
                for e in load_batch_inputs(session, b).events
                for c in (*e.inputs, *e.outputs, *e.quantities)
            }
            for b in batches
        }
        # A class in one batch's trace only: a new event naming it reaches that batch alone.
        only = {
            b: classes - set().union(*(c for o, c in upstream.items() if o != b))
            for b, classes in upstream.items()
        }
        batch_id, mine = next((b, sorted(c)) for b, c in only.items() if c)
        event = {"quantities": [{"epc_class": mine[0]}], "parsed": {}}
        reached = rebuild_scope.batches_reached_by_events(session, brand_id, [event])
        assert reached == {batch_id}
        # Downstream only: the batches' own lots reach themselves, a made-up lot nothing.
        own = {lot_class(b.product.gtin, b.lot) for b in batches}
        assert rebuild_scope.batches_of_classes(session, brand_id, own) == set(upstream)
        stranger = {"quantities": [{"epc_class": lot_class(GTIN, "NOPE")}], "parsed": {}}
        assert rebuild_scope.batches_reached_by_events(session, brand_id, [stranger]) == set()


def test_an_event_at_a_farm_reaches_the_batches_its_harvests_feed(app: Flask) -> None:
    with app.app_context():
        session = db.session
        brand_id = session.scalars(select(Brand.id)).one()
        batches = session.scalars(select(Batch).order_by(Batch.lot)).all()
        places = {
            b.id: {
                base_location(e.biz_location)
                for e in load_batch_inputs(session, b).events
                if e.biz_location
            }
            for b in batches
        }
        farms = session.scalars(
            select(Site.location_id).where(Site.brand_id == brand_id, Site.kind == "farm")
        ).all()
        assert farms
        for farm in farms:
            # Nothing named but the farm: what it reaches comes from the harvests stored there.
            event = {"biz_location": farm, "parsed": {}, "quantities": []}
            reached = rebuild_scope.batches_reached_by_events(session, brand_id, [event])
            assert reached == {b for b, at in places.items() if base_location(farm) in at}, farm
