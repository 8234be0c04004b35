"""HTTP routes, one blueprint per module."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every blueprint, the error handlers and the response headers."""
    from server.routes import api, blobs, errors, home, pages, progress, resolver, security

    for module in (resolver, api, blobs, home, pages):
        app.register_blueprint(module.bp)
    progress.init_app(app)
    errors.init_app(app)
    security.init_app(app)
