"""JSON API of a batch: its evidence report, consumer summary and EPCIS events."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.services.build_outputs import BatchOutputs
from server.services.trace_events import public_trace_events
from server.web.batch_reports import reported

bp = Blueprint("api", __name__, url_prefix="/api/v1")
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


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
    events = public_trace_events(db.session, batch, report)
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
