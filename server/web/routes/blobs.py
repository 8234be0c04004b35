"""Serve content-addressed blobs with immutable caching, streamed, with single byte ranges.

Types that gain (GLB, JSON manifests, reports, tilesets) are sent br or gzip when the client
takes it (`server.services.blob_codings`). Ranges are always of the uncompressed blob: a
request with a Range header gets identity bytes (206), never a slice of a compressed form,
so a resumed or partial download never depends on which coding an earlier answer had.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, abort, request

from server.adapters.blobs import CHUNK_BYTES, BlobNotFound, BlobStore, blob_store
from server.adapters.config import settings
from server.adapters.db import db
from server.core.http_caching import choose_coding, compressible, etag, not_modified
from server.services.blob_codings import coded_blob
from server.services.household_documents import is_household_document
from server.services.page_cache import page_cache
from server.services.stored_blobs import blob_media_type, names_document
from server.web.routes.errors import problem

bp = Blueprint("blobs", __name__)


@bp.get("/blobs/<sha256>")
def blob(sha256: str) -> Response:
    """Return the blob `sha256`; its URL never changes meaning, so caches keep it for a year.

    A single ``Range: bytes=…`` gets that part (206), or 416 when it lies past the end;
    several ranges, or a Range whose If-Range names another version, get the whole blob.
    """
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        abort(400, "A blob address is 64 lowercase hexadecimal digits (its sha256).")
    media_type = blob_media_type(db.session, sha256)
    store = blob_store()
    size = _stored_size(store, sha256) if media_type is not None else None
    if media_type is None or size is None:
        if names_document(db.session, sha256):
            # Not "no such blob": a record's document that is lost. A verifier must fail
            # on it, not count it among the records that have no document (their 404).
            abort(
                410,
                "An evidence record names this document, but its file is no longer stored "
                "here: the brand must upload it again.",
            )
        abort(404, "No blob with this sha256 is stored here.")
    if is_household_document(db.session, sha256):
        abort(
            403,
            "This document concerns a farm household: the brand's auditors receive it at "
            "/api/v1/documents/{sha256} with the brand's API token.",
        )
    coded = _coded(store, sha256, media_type, size)
    coding = coded[0] if coded else "identity"
    if not_modified(request.headers.get("If-None-Match"), sha256):
        response = Response(status=304)
    elif coded:
        response = _whole(store, coded[1], media_type, coded[2])
        response.headers["Content-Encoding"] = coding
    else:
        response = _content(store, sha256, media_type, size)
    response.headers["ETag"] = etag(sha256, coding)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    if compressible(media_type):
        response.headers["Vary"] = "Accept-Encoding"
    return response


def _coded(
    store: BlobStore, sha256: str, media_type: str, size: int
) -> tuple[str, str, int] | None:
    """Return (coding, sha256, size) of the compressed form to send, or None for the blob."""
    coding = choose_coding(request.headers.get("Accept-Encoding")) or "identity"
    if coding == "identity" or request.range is not None or not compressible(media_type):
        return None
    cache = page_cache()
    if not cache.available:
        return None
    limit = settings().blob_compress_max_bytes
    found = coded_blob(cache.redis, store, sha256, media_type, size, coding, limit)
    return (coding, *found) if found else None


def _whole(store: BlobStore, sha256: str, media_type: str, size: int) -> Response:
    """Return all `size` bytes of blob `sha256`, streamed (a compressed form: no ranges)."""
    response = Response(
        _stream(store, sha256, 0, size), mimetype=media_type, direct_passthrough=True
    )
    response.content_length = size
    return response


def _stored_size(store: BlobStore, sha256: str) -> int | None:
    """Return the blob's length, or None when the store lacks it (one request on S3)."""
    try:
        return store.size(sha256)
    except BlobNotFound:
        return None


def _content(store: BlobStore, sha256: str, media_type: str, size: int) -> Response:
    """Return the blob's `size` bytes, or the one range asked for, as a streamed response."""
    span: tuple[int, int] | None = None
    asked = _single_byte_range(sha256)
    if asked is not None:
        span = _span(asked, size)
        if span is None:
            refused = problem(
                416,
                "Range Not Satisfiable",
                f"The range {request.headers.get('Range')!r} lies outside the blob's {size} bytes.",
            )
            refused.headers["Content-Range"] = f"bytes */{size}"
            return refused
    start, end = span or (0, size)
    response = Response(
        _stream(store, sha256, start, end),
        status=206 if span else 200,
        mimetype=media_type,
        direct_passthrough=True,
    )
    response.content_length = end - start
    response.accept_ranges = "bytes"
    if span:
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    return response


def _single_byte_range(sha256: str) -> tuple[int, int | None] | None:
    """Return the one byte range the request asks for, or None to send the whole blob.

    RFC 9110 lets a server ignore a Range it will not serve: an unparsable one, another
    unit, several ranges (no multipart answers here), or one whose If-Range names another
    version (a date never matches: blobs have no Last-Modified).
    """
    asked = request.range
    if asked is None or asked.units != "bytes" or len(asked.ranges) != 1:
        return None
    if request.if_range.date is not None or request.if_range.etag not in (None, sha256):
        return None
    return asked.ranges[0]


def _span(asked: tuple[int, int | None], size: int) -> tuple[int, int] | None:
    """Return ``[start, end)`` of `asked` within `size` bytes; None if it is unsatisfiable."""
    start, end = asked
    if start < 0:
        # A suffix: the last -start bytes, all of them when the blob is shorter.
        start, end = max(size + start, 0), size
    if start >= size:
        return None
    return start, size if end is None else min(end, size)


def _stream(store: BlobStore, sha256: str, start: int, end: int) -> Iterator[bytes]:
    """Yield the blob's bytes ``[start, end)`` a chunk at a time (opened on first read)."""
    with store.open(sha256, start, end) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk
