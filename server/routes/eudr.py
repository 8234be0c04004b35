"""The EUDR due-diligence export, for the brand's own integrators (bearer token) only."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify
from sqlalchemy import select

from server.catalog import sites_of
from server.db import db
from server.eudr import build_export
from server.models import Plot
from server.routes.api import reported
from server.routes.auth import bearer_brand

bp = Blueprint("eudr", __name__, url_prefix="/api/v1")


@bp.get("/batches/<gtin>/<lot>/eudr")
def eudr_export(gtin: str, lot: str) -> Response:
    """Return the batch's plots at full precision with their due-diligence findings."""
    brand = bearer_brand()
    batch, _, report, sha = reported(gtin, lot)
    if batch.product.brand_id != brand.id:
        abort(404)  # another brand's batch: not even its existence is confirmed
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
    export["evidence_report"] = f"/blobs/{sha}"
    response = jsonify(export)
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = "private, no-store"
    return response
