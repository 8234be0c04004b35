"""`POST /api/evidence`: an evidence document with its record, stored content-addressed."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from server.adapters.blobs import blob_store, store_blob
from server.adapters.db import db
from server.adapters.models import Batch, Brand, EvidenceRecord, Plot, Product, Site
from server.core.evidence.upload_checks import (
    MAX_DOCUMENT_BYTES,
    EvidenceFields,
    FieldError,
    media_type,
    read_fields,
    record_json,
)
from server.core.gs1.identifiers import IdentifierError, canonical_id, gtin_of, lot_class
from server.services.brand_changes import bump_revision, request_rebuild
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


def _batch_key(brand: Brand, subject_id: str) -> str | None:
    """Return the canonical lot class of a brand's batch named gtin/lot (or a GS1 URI)."""
    try:
        if subject_id.startswith(("urn:", "http://", "https://")):
            canonical = canonical_id(subject_id)
        else:
            number, _, lot = subject_id.partition("/")
            canonical = lot_class(number, lot) if lot else ""
    except IdentifierError:
        return None
    gtin = gtin_of(canonical)
    if gtin is None or "/10/" not in canonical:
        return None
    lot = unquote(canonical.rsplit("/10/", 1)[1])
    found = db.session.scalar(
        select(Batch.id)
        .join(Product)
        .where(Product.brand_id == brand.id, Product.gtin == gtin, Batch.lot == lot)
    )
    return canonical if found is not None else None


def _subject_key(brand: Brand, fields: EvidenceFields) -> str:
    key: str | None
    if fields.subject_type == "batch":
        key = _batch_key(brand, fields.subject_id)
    else:
        model = Plot if fields.subject_type == "plot" else Site
        key = db.session.scalar(
            select(model.key).where(model.brand_id == brand.id, model.key == fields.subject_id)
        )
    if key is None:
        hint = " (name a batch as gtin/lot)" if fields.subject_type == "batch" else ""
        raise FieldError(
            "subject_id",
            f"no {fields.subject_type} {fields.subject_id!r} in this brand{hint}",
            422,
        )
    return key


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


def _store(brand: Brand, fields: EvidenceFields, data: bytes, media: str) -> Response:
    subject_key = _subject_key(brand, fields)
    sha = hashlib.sha256(data).hexdigest()
    key = (
        fields.key
        or "ev-" + hashlib.sha256(record_json(fields, "", subject_key, sha)).hexdigest()[:16]
    )
    record_sha = hashlib.sha256(record_json(fields, key, subject_key, sha)).hexdigest()
    session = db.session
    same = session.scalar(
        select(EvidenceRecord).where(EvidenceRecord.brand_id == brand.id, EvidenceRecord.key == key)
    )
    if same is not None:
        if same.record_sha256 == record_sha:
            return _answer(same, media, 200)  # the same upload again: nothing new
        raise FieldError("id", f"the brand already has an evidence record {key!r}", 409)
    store_blob(session, blob_store(), data, media)
    record = EvidenceRecord(
        brand_id=brand.id,
        key=key,
        kind=fields.kind,
        subject_type=fields.subject_type,
        subject_key=subject_key,
        issuer=fields.issuer,
        issued_on=fields.issued_on,
        valid_until=fields.valid_until,
        payload=fields.payload,
        document_sha256=sha,
        record_sha256=record_sha,
    )
    session.add(record)
    bump_revision(session, brand.id)
    session.commit()
    request_rebuild(brand.id)
    return _answer(record, media, 201)


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
        return _store(brand, fields, data, media_type(data))
    except FieldError as exc:
        return problem(exc.status, "Invalid evidence upload", str(exc), field=exc.field)
