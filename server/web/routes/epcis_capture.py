"""EPCIS 2.0 capture interface (REST binding): documents and single events, brand-scoped."""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Blueprint, Response, jsonify, request

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.core.epcis.fields import Issue
from server.core.epcis.validation import (
    MAX_DEPTH,
    nesting_depth,
    validate_document,
    validate_event,
)
from server.core.errors import InvalidSubmission, NotFound
from server.services.capture import capture_events, capture_status
from server.services.gc_pause import gc_paused
from server.services.submissions import brand_capture
from server.web.routes.auth import bearer_brand

bp = Blueprint("epcis_capture", __name__, url_prefix="/epcis")
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MEDIA_TYPES = ("application/json", "application/ld+json")
# Every digit as "0", so that a run of 19 is one substring search (a regex scans slower).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loads(data: bytes, text: str) -> Any:
    """Parse the body: orjson when it can (several times faster), else the standard parser.

    orjson refuses what the standard parser also refuses (NaN, Infinity) and a few things
    it accepts (1e999, deep nesting): those, and the error message for malformed JSON, come
    from the standard parser. orjson reads integers beyond 64 bits as floats, which would
    change an event's hash: a body with a run of 19 digits or more goes to the standard one.
    """
    if _LONG_DIGITS not in data.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # the standard parser says what is wrong, or accepts what orjson does not
    return json.loads(text, parse_constant=_refuse_constant)


def _body() -> tuple[bytes, Any]:
    """Return the request's bytes and parsed JSON, refusing what cannot be read."""
    if request.mimetype not in MEDIA_TYPES:
        raise InvalidSubmission(
            415,
            "Unsupported media type",
            f"Send the document as {' or '.join(MEDIA_TYPES)}, "
            f"not {request.mimetype or 'nothing'}.",
        )
    too_big = InvalidSubmission(
        413, "Document too large", f"Documents are limited to {MAX_DOCUMENT_BYTES} bytes; split it."
    )
    if (request.content_length or 0) > MAX_DOCUMENT_BYTES:
        raise too_big
    data = request.stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise too_big
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSubmission(
            400, "Not UTF-8", f"The body must be UTF-8; byte {exc.start} is not."
        ) from exc
    try:
        document = _loads(data, text)
    except RecursionError as exc:
        raise InvalidSubmission(400, "Nesting too deep", "The JSON nests too deeply.") from exc
    except ValueError as exc:
        raise InvalidSubmission(400, "Malformed JSON", f"The body is not JSON: {exc}.") from exc
    if nesting_depth(document) > MAX_DEPTH:
        raise InvalidSubmission(
            400, "Nesting too deep", f"Lists and objects may nest at most {MAX_DEPTH} levels."
        )
    return data, document


def _refuse_invalid(issues: list[Issue]) -> None:
    if issues:
        raise InvalidSubmission(
            422,
            "Invalid EPCIS document",
            f"{len(issues)} problem(s) found; nothing was stored.",
            [issue.as_dict() for issue in issues],
        )


def _accept(
    brand_id: int, data: bytes, events: list[tuple[str, dict[str, Any]]], context: Any
) -> Response:
    media_type = request.mimetype
    sha = blob_store().put(data)
    # New events start the rebuilds of the batches they reach (inside `capture_events`).
    capture = capture_events(db.session, brand_id, events, (sha, len(data), media_type), context)
    response = jsonify(capture_status(capture))
    response.status_code = 202
    response.headers["Location"] = f"/epcis/capture/{capture.id}"
    return response


@bp.post("/capture")
def capture_document() -> Response:
    """Capture an EPCISDocument: validated whole, stored whole or not at all."""
    brand = bearer_brand()
    # A document is a few hundred thousand small objects that all live until the answer:
    # the collector's passes over them found nothing to free and cost a fifth of a capture.
    with gc_paused():
        data, document = _body()
        _refuse_invalid(validate_document(document))
        events = document["epcisBody"]["eventList"]
        paths = [f"$.epcisBody.eventList[{i}]" for i in range(len(events))]
        pairs = list(zip(paths, events, strict=True))
        return _accept(brand.id, data, pairs, document.get("@context"))


@bp.post("/events")
def capture_event() -> Response:
    """Capture a single EPCIS event sent on its own."""
    brand = bearer_brand()
    data, event = _body()
    _refuse_invalid(validate_event(event, "$", lone=True))
    return _accept(brand.id, data, [("$", event)], event.get("@context"))


@bp.get("/capture/<capture_id>")
def capture_state(capture_id: str) -> Response:
    """Report a capture's status, counts, duplicates and errors (its own brand only)."""
    brand = bearer_brand()
    capture = brand_capture(db.session, brand.id, capture_id)
    if capture is None:
        raise NotFound(f"No capture {capture_id!r} for this token's brand.")
    return jsonify(capture_status(capture))
