"""`POST /api/evidence`: an evidence document with its record, stored content-addressed."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import EvidenceRecord
from server.core.evidence.upload_checks import (
    MAX_DOCUMENT_BYTES,
    FieldError,
    media_type,
    read_fields,
)
from server.services.evidence_upload import store_evidence
from server.web.routes.auth import bearer_brand
from server.web.routes.errors import problem

bp = Blueprint("evidence_upload", __name__, url_prefix="/api")
# Room for the form fields around the document.
_FORM_SLACK = 256 * 1024


def _document() -> bytes:
    upload = request.files.get("file")
    if upload is None:
        raise FieldError("file", "`file` is required (a PDF, PNG, JPEG or JSON document)")
    data = upload.stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise FieldError("file", f"`file` may have at most {MAX_DOCUMENT_BYTES} bytes", 413)
    if not data:
        raise FieldError("file", "`file` is empty")
    return data


def _answer(record: EvidenceRecord, media: str, status: int) -> Response:
    response = jsonify(
        {
            "id": record.key,
            "recordId": record.id,
            "documentSha256": record.document_sha256,
            "recordSha256": record.record_sha256,
            "mediaType": media,
            "document": f"/blobs/{record.document_sha256}",
        }
    )
    response.status_code = status
    return response


@bp.post("/evidence")
def upload_evidence() -> Response:
    """Store an evidence document and its record, or refuse naming the bad field."""
    brand = bearer_brand()
    try:
        if request.mimetype != "multipart/form-data":
            raise FieldError("file", "send the record as multipart/form-data", 415)
        if (request.content_length or 0) > MAX_DOCUMENT_BYTES + _FORM_SLACK:
            raise FieldError("file", f"`file` may have at most {MAX_DOCUMENT_BYTES} bytes", 413)
        fields = read_fields(request.form)
        data = _document()
        media = media_type(data)
        record, created = store_evidence(db.session, blob_store(), brand.id, fields, data, media)
        return _answer(record, media, 201 if created else 200)
    except FieldError as exc:
        return problem(exc.status, "Invalid evidence upload", str(exc), field=exc.field)
