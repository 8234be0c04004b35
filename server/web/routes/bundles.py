"""Built front-end bundles: precompressed when the client accepts gzip, cached for a year."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, request, send_file
from werkzeug.security import safe_join

from server.adapters.config import settings

bp = Blueprint("bundles", __name__)
MEDIA_TYPES = {".js": "text/javascript", ".json": "application/json", ".txt": "text/plain"}


@bp.get("/static/dist/<path:filename>")
def bundle(filename: str) -> Response:
    """Send a hashed bundle, as its `.gz` sibling (written by web/build.mjs) where accepted."""
    root = Path(settings().static_dist)
    joined = safe_join(str(root), filename)
    if joined is None or not Path(joined).is_file() or filename.endswith(".gz"):
        abort(404)
    path = Path(joined)
    media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    gzipped = path.with_name(path.name + ".gz")
    if "gzip" in request.accept_encodings and gzipped.is_file():
        response = send_file(gzipped, mimetype=media_type, conditional=True, etag=True)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = send_file(path, mimetype=media_type, conditional=True, etag=True)
    response.vary.add("Accept-Encoding")
    # The file names carry a content hash (manifest.json excepted): they never change.
    if filename != "manifest.json":
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
