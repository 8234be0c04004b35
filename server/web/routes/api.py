"""JSON API of a batch: its evidence report, consumer summary and EPCIS events."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify
from sqlalchemy import or_, select

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Batch, EpcisEvent
from server.core.disclosure.policy import policy_of
from server.core.disclosure.redaction import SiteInfo, redact_events
from server.core.gs1.digital_link import parse_path
from server.services.build_outputs import BatchOutputs, batch_outputs
from server.services.catalog import batch_by_lot, product_by_gtin, sites_of
from server.web.routes.errors import problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def _batch(gtin: str, lot: str) -> Batch:
    link = parse_path(f"/01/{gtin}/10/{lot}")
    product = product_by_gtin(db.session, link.gtin)
    return batch_by_lot(db.session, product, link.lot or lot)


def _pending(outputs: BatchOutputs) -> Response:
    response = problem(
        503,
        "Evidence not computed yet",
        "The evidence report of this batch is being computed; try again shortly.",
        builds=outputs.states,
    )
    response.headers["Retry-After"] = "2"
    return response


def reported(
    gtin: str, lot: str, brand_id: int | None = None
) -> tuple[Batch, BatchOutputs, dict[str, Any], str]:
    """Return the batch, its outputs, report and report hash; answer 503 while unbuilt.

    With `brand_id`, another brand's batch answers 404 before anything else is told.
    """
    batch = _batch(gtin, lot)
    if brand_id is not None and batch.product.brand_id != brand_id:
        abort(404)
    outputs = batch_outputs(batch)
    if outputs.report is None or outputs.report_sha is None:
        abort(_pending(outputs))
    return batch, outputs, outputs.report, outputs.report_sha


def _status_headers(response: Response, outputs: BatchOutputs) -> Response:
    response.headers["Originxr-Build"] = "stale" if "evidence" in outputs.stale else "current"
    return response


@bp.get("/batches/<gtin>/<lot>/evidence")
def evidence_report(gtin: str, lot: str) -> Response:
    """Return the batch's evidence report (the ``gs1:traceability`` target)."""
    _, outputs, _, sha = reported(gtin, lot)
    data = blob_store().get(sha)
    response = Response(data, mimetype="application/json")
    response.set_etag(sha)
    response.headers["Cache-Control"] = "public, max-age=60"
    return _status_headers(response, outputs)


@bp.get("/batches/<gtin>/<lot>/summary")
def consumer_summary(gtin: str, lot: str) -> Response:
    """Return each check's status and figure (the ``gs1:sustainabilityInfo`` target)."""
    batch, outputs, report, _ = reported(gtin, lot)
    body: dict[str, Any] = {
        "batch": report.get("batch"),
        "as_of": report.get("as_of"),
        "checks": report.get("consumer_summary", []),
        "report": f"/api/v1/batches/{batch.product.gtin}/{batch.lot}/evidence",
    }
    return _status_headers(jsonify(body), outputs)


@bp.get("/batches/<gtin>/<lot>/events")
def batch_events(gtin: str, lot: str) -> Response:
    """Return the EPCIS events in the batch's trace as an EPCISDocument (``gs1:epcis``)."""
    batch, outputs, report, _ = reported(gtin, lot)
    ids = {step["event"] for step in report.get("trace", {}).get("journey", [])}
    wanted = sorted(ids)
    found: dict[int, EpcisEvent] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        for row in db.session.scalars(
            select(EpcisEvent).where(
                EpcisEvent.brand_id == batch.product.brand_id,
                or_(EpcisEvent.event_id.in_(chunk), EpcisEvent.event_hash.in_(chunk)),
            )
        ):
            found[row.id] = row
    rows = sorted(found.values(), key=lambda row: (row.event_time, row.id))
    brand = batch.product.brand
    sites = [SiteInfo(s.key, s.kind, s.name) for s in sites_of(db.session, brand.id)]
    events = redact_events(
        [row.raw for row in rows if (row.event_id or row.event_hash) in ids],
        policy_of(brand.settings),
        sites,
    )
    document = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": report.get("as_of"),
        "epcisBody": {"eventList": events},
    }
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    return _status_headers(response, outputs)
