"""Store an integrator's evidence document with its record, content-addressed."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.blobs import BlobStore, store_blob
from server.adapters.models import Batch, EvidenceRecord, Plot, Product, Site
from server.core.evidence.records import site_named
from server.core.evidence.upload_checks import EvidenceFields, FieldError, record_json
from server.core.gs1.identifiers import IdentifierError, canonical_id, gtin_of, lot_class
from server.services.brand_changes import bump_revision, request_rebuild
from server.services.rebuild_scope import batches_of_subject, mark_stale


def _batch_key(session: Session, brand_id: int, subject_id: str) -> str | None:
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
    found = session.scalar(
        select(Batch.id)
        .join(Product)
        .where(Product.brand_id == brand_id, Product.gtin == gtin, Batch.lot == lot)
    )
    return canonical if found is not None else None


def _subject_key(session: Session, brand_id: int, fields: EvidenceFields) -> str:
    key: str | None
    if fields.subject_type == "batch":
        key = _batch_key(session, brand_id, fields.subject_id)
    else:
        model = Plot if fields.subject_type == "plot" else Site
        key = session.scalar(
            select(model.key).where(model.brand_id == brand_id, model.key == fields.subject_id)
        )
    if key is None:
        hint = " (name a batch as gtin/lot)" if fields.subject_type == "batch" else ""
        raise FieldError(
            "subject_id",
            f"no {fields.subject_type} {fields.subject_id!r} in this brand{hint}",
            422,
        )
    return key


def store_evidence(
    session: Session,
    store: BlobStore,
    brand_id: int,
    fields: EvidenceFields,
    data: bytes,
    media_type: str,
) -> tuple[EvidenceRecord, bool]:
    """Store the document and its record, commit and ask for rebuilds; return the record and
    whether it is new (False: the same upload again). Raise FieldError naming a bad field."""
    subject_key = _subject_key(session, brand_id, fields)
    sha = hashlib.sha256(data).hexdigest()
    key = (
        fields.key
        or "ev-" + hashlib.sha256(record_json(fields, "", subject_key, sha)).hexdigest()[:16]
    )
    record_sha = hashlib.sha256(record_json(fields, key, subject_key, sha)).hexdigest()
    same = session.scalar(
        select(EvidenceRecord).where(EvidenceRecord.brand_id == brand_id, EvidenceRecord.key == key)
    )
    if same is not None:
        if same.record_sha256 == record_sha:
            return same, False
        raise FieldError("id", f"the brand already has an evidence record {key!r}", 409)
    store_blob(session, store, data, media_type)
    record = EvidenceRecord(
        brand_id=brand_id,
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
    # Only the batches whose evidence can use the record go stale (every batch when its
    # subject is of a kind no batch is traced to).
    site = site_named(fields.payload, fields.subject_type, subject_key)
    reached = batches_of_subject(session, brand_id, fields.subject_type, subject_key, site)
    if reached is None:
        bump_revision(session, brand_id)
    else:
        mark_stale(session, reached)
    session.commit()
    if reached is None or reached:
        request_rebuild(brand_id, reached)
    return record, True
