"""Compress the HTML and JSON answers that the page cache did not (br or gzip, per response).

Answers from `server.web.cached_pages` are already coded (precompressed once); everything
else that is HTML or JSON, whole in memory and at least MIN_COMPRESS_BYTES, is compressed
here with quick settings. Not a private answer (``no-store``/``private``, or one setting a
cookie: studio pages with CSRF tokens): compressing secrets beside reflected input invites BREACH.
flask-compress would do the per-response part, but not the cached bodies with their ETag
per coding, so one small hook over `server.core.http_caching` does both the same way.
"""

from __future__ import annotations

from flask import Flask, Response, request

from server.core.http_caching import MIN_COMPRESS_BYTES, SUFFIX, choose_coding, compressible, encode


def _private(response: Response) -> bool:
    control = response.headers.get("Cache-Control", "")
    return "no-store" in control or "private" in control or "Set-Cookie" in response.headers


def _compress(response: Response) -> Response:
    if (
        response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or not compressible(response.mimetype)
        or _private(response)
    ):
        return response
    body = response.get_data()
    if len(body) < MIN_COMPRESS_BYTES:
        return response
    response.vary.add("Accept-Encoding")
    coding = choose_coding(request.headers.get("Accept-Encoding"))
    if coding in (None, "identity"):
        return response
    response.set_data(encode(body, coding, fast=True))
    response.headers["Content-Encoding"] = coding
    tag, weak = response.get_etag()
    if tag:  # the coded body is another representation: another strong ETag
        response.set_etag(tag + SUFFIX[coding], weak=bool(weak))
    return response


def init_app(app: Flask) -> None:
    """Compress `app`'s HTML and JSON answers as the client takes them."""
    app.after_request(_compress)
