"""`POST /api/plots`: an integrator's plots as GeoJSON, every feature checked, stored whole."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _

from server.adapters.db import db
from server.core.errors import InvalidSubmission
from server.services.brand_changes import request_rebuild
from server.services.plots import check_plots, store_plots
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


@bp.post("/plots")
def upload_plots() -> Response:
    """Check every plot of a FeatureCollection; store them all (upsert by id) or none."""
    brand = bearer_brand()
    rows, issues = check_plots(db.session, brand, _collection())
    if issues:
        features = {issue["index"] for issue in issues}
        return problem(
            422,
            "Invalid plots",
            f"{len(issues)} problem(s) in {len(features)} feature(s); nothing was stored.",
            errors=issues,
        )
    counts = store_plots(db.session, brand.id, rows)
    changed = counts["created"] + counts["updated"]
    requested = request_rebuild(brand.id) if changed else False
    warnings = [
        {key: warning[key] for key in ("index", "id", "path", "rule")}
        | {"message": _(warning["template"], **warning["params"])}
        for row in rows
        for warning in row.warnings
    ]
    response = jsonify(
        {
            **counts,
            "plots": [row.key for row in rows],
            "rebuildRequested": requested,
            "warnings": warnings,
        }
    )
    response.status_code = 201 if counts["created"] else 200
    return response
