"""What the database records of a content-addressed blob."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Blob, EvidenceRecord


def names_document(session: Session, sha256: str) -> bool:
    """Tell whether an evidence record names `sha256` as its document (any brand's)."""
    found = session.scalar(
        select(EvidenceRecord.id).where(EvidenceRecord.document_sha256 == sha256).limit(1)
    )
    return found is not None


def blob_media_type(session: Session, sha256: str) -> str | None:
    """Return the media type blob `sha256` was stored with, or None if it is not recorded."""
    meta = session.get(Blob, sha256)
    return meta.media_type if meta else None
