"""Documents about a farm household (child-labour case files, visit reports) stay private.

A farm is a family's land and home: documents whose every evidence record is about a farm
site are served to the brand's token holders only. The public keeps their sha256 (on the
check pages and in the report), so an auditor can still tie the evidence to the finding.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.blobs import BlobStore
from server.adapters.models import EvidenceRecord, Site
from server.services.stored_blobs import blob_media_type

HOUSEHOLD_KINDS = frozenset({"farm"})


def is_household_record(session: Session, record: EvidenceRecord) -> bool:
    """Tell whether `record` is about a farm site (a household)."""
    if record.subject_type != "site":
        return False
    kind = session.scalar(
        select(Site.kind).where(Site.brand_id == record.brand_id, Site.key == record.subject_key)
    )
    return kind in HOUSEHOLD_KINDS


def is_household_document(session: Session, sha256: str) -> bool:
    """Tell whether blob `sha256` is a document only of records about farm households."""
    records = session.scalars(
        select(EvidenceRecord).where(EvidenceRecord.document_sha256 == sha256)
    ).all()
    return bool(records) and all(is_household_record(session, r) for r in records)


def brand_has_document(session: Session, brand_id: int, sha256: str) -> bool:
    """Tell whether one of brand `brand_id`'s evidence records has the document `sha256`."""
    found = session.scalar(
        select(EvidenceRecord.id)
        .where(EvidenceRecord.brand_id == brand_id, EvidenceRecord.document_sha256 == sha256)
        .limit(1)
    )
    return found is not None


def brand_document(
    session: Session, store: BlobStore, brand_id: int, sha256: str
) -> tuple[bytes, str] | None:
    """Return the bytes and media type of a document of the brand's evidence, households'
    included; None if no record of the brand has it or its file is gone."""
    if len(sha256) != 64 or not brand_has_document(session, brand_id, sha256):
        return None
    if not store.exists(sha256):
        return None
    return store.get(sha256), blob_media_type(session, sha256) or "application/octet-stream"
