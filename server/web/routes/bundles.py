"""Built front-end bundles: precompressed (brotli or gzip) as the client accepts, cached a year."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, request, send_file
from werkzeug.security import safe_join

from server.adapters.config import settings

bp = Blueprint("bundles", __name__)
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".json": "application/json",
    ".txt": "text/plain",
    ".wasm": "application/wasm",  # Spark's, compiled as it streams (web/build.mjs)
}
# Siblings web/build.mjs writes beside each bundle, best first: (suffix, Content-Encoding).
ENCODINGS = ((".br", "br"), (".gz", "gzip"))


def _encoded(path: Path) -> tuple[Path, str | None]:
    """Return the file to send for `path` and its coding: the best sibling the client takes.

    A coding is taken when `Accept-Encoding` names it with a quality above 0 (or `*` does);
    between two taken codings the higher quality wins, brotli on a tie (smaller).
    """
    accepted = request.accept_encodings
    best: tuple[float, Path, str] | None = None
    for suffix, coding in ENCODINGS:
        quality = accepted[coding]
        sibling = path.with_name(path.name + suffix)
        if quality > 0 and (best is None or quality > best[0]) and sibling.is_file():
            best = (quality, sibling, coding)
    return (best[1], best[2]) if best else (path, None)


@bp.get("/static/dist/<path:filename>")
def bundle(filename: str) -> Response:
    """Send a hashed bundle, as its `.br` or `.gz` sibling (web/build.mjs) where accepted."""
    root = Path(settings().static_dist)
    joined = safe_join(str(root), filename)
    if joined is None or not Path(joined).is_file() or filename.endswith((".gz", ".br")):
        abort(404)
    path = Path(joined)
    media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    sent, coding = _encoded(path)
    # each coding's file has its own ETag (send_file hashes its name, size and time)
    response = send_file(sent, mimetype=media_type, conditional=True, etag=True)
    if coding:
        response.headers["Content-Encoding"] = coding
    response.vary.add("Accept-Encoding")
    # The file names carry a content hash (manifest.json excepted): they never change.
    if filename != "manifest.json":
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response
