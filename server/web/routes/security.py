"""Response headers every page gets: a nonce-based Content Security Policy and friends."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

from server.adapters.config import settings

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
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def _headers(response: Response) -> Response:
    if response.mimetype == "text/html":
        nonce = _nonce()
        # Brand fonts and logos are served from our own origin (/blobs), never a font service.
        # The 3D viewer needs blob: workers and WebAssembly compilation (Spark, later);
        # no 'unsafe-inline' or 'unsafe-eval' anywhere.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; "
            f"style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data: blob:; font-src 'self'; connect-src 'self' ws: wss: blob: data:; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    # Only for an https origin: sent over plain http a browser ignores it, and a deployment
    # still on http (or behind a proxy we were not told about) must not be pinned to https.
    if settings().public_base_url.lower().startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Add the security headers and expose the CSP nonce to templates."""
    app.after_request(_headers)
    app.context_processor(lambda: {"csp_nonce": _nonce()})
