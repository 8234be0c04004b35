"""Response headers every page gets: a nonce-based Content Security Policy and friends."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g


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
    return response


def init_app(app: Flask) -> None:
    """Add the security headers and expose the CSP nonce to templates."""
    app.after_request(_headers)
    app.context_processor(lambda: {"csp_nonce": _nonce()})
