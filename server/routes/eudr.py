"""The EUDR due-diligence export, at full precision, for authorised parties only: the
brand's integrators (bearer token) and, in the studio, its editors and platform admins."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from server.catalog import sites_of
from server.db import db
from server.eudr import build_export
from server.models import Brand, Plot
from server.routes.api import reported
from server.routes.auth import bearer_brand
from server.studio import brand_access, login_required, studio_blueprint

bp = Blueprint("eudr", __name__, url_prefix="/api/v1")
studio_bp = studio_blueprint("studio_eudr", __name__)


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
    # Another brand's batch: 404 before anything, not even its build state, is told.
    _batch, _, report, sha = reported(gtin, lot, brand.id)
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
