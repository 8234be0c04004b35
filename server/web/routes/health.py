"""Probes for load balancers and orchestrators: `/livez` (the process) and `/readyz` (its deps).

`/healthz` (`server/web/routes/home.py`) stays the liveness answer it always was. None of
the three may be cached: a cached "ok" would hide an outage.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.services import readiness

bp = Blueprint("health", __name__)

_PROBES = frozenset({"health.livez", "health.readyz", "home.health", "metrics.scrape"})


@bp.get("/livez")
def livez() -> Response:
    """Say the process is up; touch nothing, so a slow dependency cannot fail it."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response:
    """Check the database, Redis and the blob store; 503 naming those that are down."""
    checks = readiness.run_checks(
        {
            "database": readiness.database_check(db.engine),
            "redis": readiness.redis_check(current_app.config["REDIS_URL"]),
            "blobs": readiness.blob_check(blob_store()),
        }
    )
    down = [name for name, status in checks.items() if status != "ok"]
    if not down:
        return jsonify(status="ok", checks=checks)
    response = jsonify(status="unavailable", down=down, checks=checks)
    response.status_code = 503
    return response


def _no_store(response: Response) -> Response:
    if request.endpoint in _PROBES:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Keep every probe's answer out of caches."""
    app.after_request(_no_store)
