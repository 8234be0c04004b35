"""The EUDR due-diligence export and the full evidence report, at full precision, for
authorised parties only: the brand's integrators (bearer token) and, in the studio, its
editors and platform admins."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, jsonify
from sqlalchemy import select

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Batch, Blob, Brand, Plot
from server.core.evidence.eudr import build_export
from server.services.build_outputs import BatchOutputs
from server.services.catalog import sites_of
from server.services.household_documents import brand_has_document
from server.web.routes.api import reported
from server.web.routes.auth import bearer_brand
from server.web.studio import brand_access, login_required, studio_blueprint

bp = Blueprint("eudr", __name__, url_prefix="/api/v1")
studio_bp = studio_blueprint("studio_eudr", __name__)


def _full_report(brand: Brand, gtin: str, lot: str) -> tuple[Batch, BatchOutputs, bytes, str]:
    """Return the brand's batch and its full (unredacted) report bytes and hash."""
    # Another brand's batch: 404 before anything, not even its build state, is told.
    batch, outputs, _, public_sha = reported(gtin, lot, brand.id)
    # Builds from before disclosure policies published one report only, the full one.
    sha = outputs.report_full_sha or public_sha
    return batch, outputs, blob_store().get(sha), sha


@bp.get("/documents/<sha256>")
def evidence_document(sha256: str) -> Response:
    """Return a document of the token's brand's evidence, household documents included."""
    brand = bearer_brand()
    store = blob_store()
    if len(sha256) != 64 or not brand_has_document(db.session, brand.id, sha256):
        abort(404)  # not this brand's document: its existence is not confirmed
    if not store.exists(sha256):
        abort(404)  # recorded but its file is gone: say so rather than fail
    meta = db.session.get(Blob, sha256)
    response = Response(
        store.get(sha256), mimetype=meta.media_type if meta else "application/octet-stream"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/batches/<gtin>/<lot>/evidence/full")
def full_evidence_report(gtin: str, lot: str) -> Response:
    """Return the batch's full evidence report, before the public redaction (token holders)."""
    _, _, data, sha = _full_report(bearer_brand(), gtin, lot)
    response = Response(data, mimetype="application/json")
    response.set_etag(sha)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/batches/<gtin>/<lot>/eudr")
def eudr_export(gtin: str, lot: str) -> Response:
    """Return the batch's plots at full precision with their due-diligence findings."""
    return _export(bearer_brand(), gtin, lot)


@studio_bp.get("/<slug>/eudr/<gtin>/<lot>.geojson")
@login_required
def studio_export(slug: str, gtin: str, lot: str) -> Response:
    """The same export for the brand's editors (viewers see locations only as published)."""
    response = _export(brand_access(slug, edit=True).brand, gtin, lot)
    response.headers["Content-Disposition"] = f'attachment; filename="eudr-{gtin}-{lot}.geojson"'
    return response


def _export(brand: Brand, gtin: str, lot: str) -> Response:
    batch, _, data, sha = _full_report(brand, gtin, lot)
    report: dict[str, Any] = json.loads(data)
    plots = db.session.scalars(select(Plot).where(Plot.brand_id == brand.id)).all()
    sites = {
        s.key: {
            "name": s.name,
            "country": s.country,
            "region": s.region,
            "farmer": (s.properties or {}).get("farmer"),
        }
        for s in sites_of(db.session, brand.id)
    }
    export = build_export(
        report,
        [
            {
                "id": p.key,
                "farm": p.site_key,
                "geometry": p.geometry,
                "declared_area_ha": p.declared_area_ha,
                "country": p.country,
            }
            for p in plots
        ],
        sites,
        brand.name,
    )
    export["evidence_report"] = f"/api/v1/batches/{batch.product.gtin}/{batch.lot}/evidence/full"
    export["evidence_report_sha256"] = sha
    response = jsonify(export)
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = "private, no-store"
    return response
