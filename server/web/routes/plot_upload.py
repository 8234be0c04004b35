"""`POST /api/plots`: an integrator's plots as GeoJSON, every feature checked, stored whole."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import Brand, Plot, Site
from server.core.errors import InvalidSubmission
from server.core.evidence.plot_validation import PlotRow, validate_plots
from server.services.brand_changes import bump_revision, request_rebuild
from server.web.routes.auth import bearer_brand
from server.web.routes.errors import problem

bp = Blueprint("plot_upload", __name__, url_prefix="/api")
MAX_BODY_BYTES = 5 * 1024 * 1024
MEDIA_TYPES = ("application/geo+json", "application/json")


def _collection() -> Any:
    if request.mimetype not in MEDIA_TYPES:
        raise InvalidSubmission(
            415, "Unsupported media type", f"Send the plots as {' or '.join(MEDIA_TYPES)}."
        )
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise InvalidSubmission(413, "Too large", f"Plots are limited to {MAX_BODY_BYTES} bytes.")
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidSubmission(400, "Malformed JSON", "The body is not UTF-8 JSON.")
    return body


def _store(brand: Brand, rows: list[PlotRow]) -> dict[str, int]:
    """Insert or update the plots by key; return created / updated / unchanged counts."""
    session = db.session
    existing = {
        plot.key: plot
        for plot in session.scalars(
            select(Plot).where(Plot.brand_id == brand.id, Plot.key.in_([r.key for r in rows]))
        )
    }
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        values = {
            "site_key": row.farm,
            "geometry": row.geometry,
            "declared_area_ha": row.declared_area_ha,
            "country": row.country,
        }
        plot = existing.get(row.key)
        if plot is None:
            session.add(Plot(brand_id=brand.id, key=row.key, **values))
            counts["created"] += 1
        elif all(getattr(plot, name) == value for name, value in values.items()):
            counts["unchanged"] += 1
        else:
            for name, value in values.items():
                setattr(plot, name, value)
            counts["updated"] += 1
    if counts["created"] or counts["updated"]:
        bump_revision(session, brand.id)
    session.commit()
    return counts


@bp.post("/plots")
def upload_plots() -> Response:
    """Check every plot of a FeatureCollection; store them all (upsert by id) or none."""
    brand = bearer_brand()
    collection = _collection()
    pairs = db.session.execute(select(Site.key, Site.kind).where(Site.brand_id == brand.id))
    sites = {key: kind for key, kind in pairs}
    parameters = (brand.settings or {}).get("parameters") or {}
    rows, issues = validate_plots(collection, sites, parameters)
    if issues:
        features = {issue["index"] for issue in issues}
        return problem(
            422,
            "Invalid plots",
            f"{len(issues)} problem(s) in {len(features)} feature(s); nothing was stored.",
            errors=issues,
        )
    counts = _store(brand, rows)
    changed = counts["created"] + counts["updated"]
    requested = request_rebuild(brand.id) if changed else False
    response = jsonify(
        {**counts, "plots": [row.key for row in rows], "rebuildRequested": requested}
    )
    response.status_code = 201 if counts["created"] else 200
    return response
