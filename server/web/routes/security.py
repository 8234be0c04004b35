"""Response headers every page gets: a strict Content Security Policy and friends.

A page rendered per request allows its inline code by a nonce; a page kept in the page
cache (`server/web/cached_pages.py`) is rendered without one and carries its own policy,
with the hashes of its inline code (`server.core.content_policy`), set before this runs.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g

from server.core.content_policy import policy

HSTS = "max-age=31536000; includeSubDomains"
# Everything the pages do not use is denied, to them and to anything they might embed. The
# 3D viewer's VR and AR sessions are WebXR (immersive-vr/-ar with hit-test): its camera
# access is part of `xr-spatial-tracking`, so `camera` stays denied. Nothing asks for the
# position, motion sensors, microphone, payments or fullscreen.
PERMISSIONS_POLICY = ", ".join(
    (
        "xr-spatial-tracking=(self)",
        "accelerometer=()",
        "autoplay=()",
        "bluetooth=()",
        "camera=()",
        "display-capture=()",
        "fullscreen=()",
        "geolocation=()",
        "gyroscope=()",
        "hid=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "publickey-credentials-get=()",
        "screen-wake-lock=()",
        "serial=()",
        "usb=()",
    )
)


def _nonce() -> str:
    if g.get("csp_no_nonce"):
        return ""  # a render for the shared page cache: inline code goes by hash
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def _headers(response: Response) -> Response:
    if response.mimetype == "text/html" and "Content-Security-Policy" not in response.headers:
        nonce = _nonce() or secrets.token_urlsafe(16)
        response.headers["Content-Security-Policy"] = policy(
            [f"'nonce-{nonce}'"], [f"'nonce-{nonce}'"]
        )
    if "Set-Cookie" in response.headers and "public" in response.headers.get("Cache-Control", ""):
        # An answer setting a cookie is that reader's own: never for a shared cache.
        response.headers["Cache-Control"] = "private, no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    # Only for an https origin: sent over plain http a browser ignores it, and a deployment
    # still on http (or behind a proxy we were not told about) must not be pinned to https.
    if str(current_app.config["PUBLIC_BASE_URL"] or "").lower().startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Add the security headers and expose the CSP nonce to templates."""
    app.after_request(_headers)
    app.context_processor(lambda: {"csp_nonce": _nonce()})


def render_without_nonce() -> None:
    """Render this request's templates without a CSP nonce (the page will be shared)."""
    g.csp_no_nonce = True
