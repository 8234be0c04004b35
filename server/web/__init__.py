"""The web layer: the Flask app factory; routes, templates, i18n and the CLI beside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the Flask app: settings, database, Redis, Babel and the blueprints."""
    from server.adapters import config
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.services import scan_recorder
    from server.web import i18n
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
    db.init_app(app)
    broker.init_app(app)
    scan_recorder.init_app(app)
    i18n.init_app(app)
    register(app)
    return app
