"""Serve content-addressed blobs with immutable caching."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.services.household_documents import is_household_document
from server.services.stored_blobs import blob_media_type

bp = Blueprint("blobs", __name__)


@bp.get("/blobs/<sha256>")
def blob(sha256: str) -> Response:
    """Return the blob `sha256`; its URL never changes meaning, so caches keep it for a year."""
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        abort(400, "A blob address is 64 lowercase hexadecimal digits (its sha256).")
    media_type = blob_media_type(db.session, sha256)
    store = blob_store()
    if media_type is None or not store.exists(sha256):
        abort(404, "No blob with this sha256 is stored here.")
    if is_household_document(db.session, sha256):
        abort(
            403,
            "This document concerns a farm household: the brand's auditors receive it at "
            "/api/v1/documents/{sha256} with the brand's API token.",
        )
    if request.if_none_match.contains(sha256):
        response = Response(status=304)
    else:
        response = Response(store.get(sha256), mimetype=media_type)
    response.set_etag(sha256)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
