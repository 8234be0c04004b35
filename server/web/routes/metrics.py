"""`GET /metrics` in the Prometheus text format, and the timing of every request it reports.

Scrape it from inside the network: block `/metrics` at the load balancer (it names routes
and queue depths, nothing about shoppers).
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, current_app, g, request

from server.adapters import metrics
from server.services.readiness import TIMEOUT, fail_fast_redis
from server.web.request_logging import current_route

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape() -> Response:
    """Answer a Prometheus scrape; queue depths are read from Redis now."""
    with fail_fast_redis(current_app.config["REDIS_URL"], TIMEOUT) as redis:
        body = metrics.scrape(redis)
    return Response(body, content_type=metrics.CONTENT_TYPE)


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        # The URL rule, not the path: one series per route, whatever GTINs are scanned.
        elapsed = time.perf_counter() - started
        metrics.observe_request(current_route(), request.method, response.status_code, elapsed)
    return response


def init_app(app: Flask) -> None:
    """Time every request (call before other hooks, so the timing covers theirs)."""
    app.before_request(_start)
    app.after_request(_observe)
