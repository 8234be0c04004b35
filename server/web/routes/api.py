"""JSON API of a batch: its evidence report, consumer summary and EPCIS events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Batch
from server.services.build_outputs import BatchOutputs
from server.services.catalog import batch_at
from server.services.trace_events import public_trace_events
from server.web import cached_pages
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


def _canonical(gtin: str) -> bool:
    # Cache keys use the 14-digit GTIN the builds know; other spellings are served uncached.
    return len(gtin) == 14 and gtin.isdigit()


def _cached_json(gtin: str, lot: str, variant: str, build: Callable[[Batch], Response]) -> Response:
    """Answer `variant` from the page cache, or build it from the batch and keep it."""
    if _canonical(gtin):
        hit = cached_pages.lookup(gtin, lot, variant, localized=False)
        if hit is not None:
            return hit.response
    batch = batch_at(db.session, gtin, lot)
    brand = batch.product.brand
    stamp = cached_pages.prepare(brand.id, batch.product.gtin, batch.lot)
    if not _canonical(gtin):
        stamp = None
    response = build(batch)
    response.headers.setdefault("Cache-Control", "public")
    info = cached_pages.brand_info(brand.id, brand.locales, brand.default_locale, stamp)
    return cached_pages.keep(
        response,
        stamp,
        info=info,
        gtin=batch.product.gtin,
        lot=batch.lot,
        batch_id=batch.id,
        variant=variant,
        localized=False,
    )


def _summary(batch: Batch) -> Response:
    batch, outputs, report, _ = reported(batch.product.gtin, batch.lot)
    body: dict[str, Any] = {
        "batch": report.get("batch"),
        "as_of": report.get("as_of"),
        "checks": report.get("consumer_summary", []),
        "report": f"/api/v1/batches/{batch.product.gtin}/{batch.lot}/evidence",
    }
    return _status_headers(jsonify(body), outputs)


def _day_start(day: str | None) -> str | None:
    """Return an ISO date as the date-time of its first instant in UTC (other values as-is)."""
    return f"{day}T00:00:00Z" if day and len(day) == 10 else day


def _events(batch: Batch) -> Response:
    batch, outputs, report, _ = reported(batch.product.gtin, batch.lot)
    events = public_trace_events(db.session, batch, report)
    document = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        # EPCIS wants a date-time: the report's as-of day, at its start (UTC)
        "creationDate": _day_start(report.get("as_of")),
        "epcisBody": {"eventList": events},
    }
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    return _status_headers(response, outputs)


@bp.get("/batches/<gtin>/<lot>/summary")
def consumer_summary(gtin: str, lot: str) -> Response:
    """Return each check's status and figure (the ``gs1:sustainabilityInfo`` target)."""
    return _cached_json(gtin, lot, "summary", _summary)


@bp.get("/batches/<gtin>/<lot>/events")
def batch_events(gtin: str, lot: str) -> Response:
    """Return the EPCIS events in the batch's trace as an EPCISDocument (``gs1:epcis``)."""
    return _cached_json(gtin, lot, "events", _events)
