"""The throughput baseline: a bare Flask app answering every GET with one fixed body.

`bench/bench_page_throughput.py` runs it under the same gunicorn settings as the real app,
serving the bytes (and Content-Type, Content-Encoding) the real app sent for the page, so
the ratio of the two is what the app costs above Flask and gunicorn themselves.
Configured by environment (BARE_BODY_PATH, BARE_CONTENT_TYPE, BARE_CONTENT_ENCODING).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response


def create_app() -> Flask:
    """Return the app serving the body at BARE_BODY_PATH at every path."""
    body = Path(os.environ["BARE_BODY_PATH"]).read_bytes()
    content_type = os.environ.get("BARE_CONTENT_TYPE", "text/html; charset=utf-8")
    coding = os.environ.get("BARE_CONTENT_ENCODING", "")
    app = Flask(__name__)

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def page(path: str) -> Response:
        response = Response(body, content_type=content_type)
        if coding:
            response.headers["Content-Encoding"] = coding
        return response

    return app
