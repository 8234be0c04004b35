"""What the database records of a content-addressed blob."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.adapters.models import Blob


def blob_media_type(session: Session, sha256: str) -> str | None:
    """Return the media type blob `sha256` was stored with, or None if it is not recorded."""
    meta = session.get(Blob, sha256)
    return meta.media_type if meta else None
