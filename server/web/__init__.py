"""The web layer: the Flask app factory; routes, templates, i18n and the CLI beside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the Flask app: settings, database, Redis, Babel and the blueprints."""
    from server.adapters import config
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.services import page_cache, scan_recorder
    from server.web import compression, i18n, page_fast_path, request_logging
    from server.web.routes import register

    settings = config.load(test_config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        static_folder=str(config.PROJECT_ROOT / "web" / "static"),
        static_url_path="/static",
    )
    app.config.update(settings)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    app.config["JSON_SORT_KEYS"] = False
    request_logging.init_app(app)  # first: the request id is then set for every later hook
    db.init_app(app)
    broker.init_app(app)
    scan_recorder.init_app(app)
    page_cache.init_app(app)
    i18n.init_app(app)
    register(app)
    compression.init_app(app)
    page_fast_path.init_app(app)  # cache hits from memory, below Flask (inside ProxyFix)
    _trust_proxies(app, int(app.config["TRUSTED_PROXY_HOPS"]))
    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Take the client's address, scheme and host from the last `hops` proxies' headers.

    Only as many hops as are really there: with one too many, a client could write its own
    X-Forwarded-For and be counted (scans, sign-in limits) as anyone it likes.
    """
    if hops < 0:
        raise ValueError(f"`TRUSTED_PROXY_HOPS` must be 0 or more, got {hops}")
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
