"""Images for stories: recognised by their content, stored as blobs."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, UnidentifiedImageError
from PIL.Image import DecompressionBombError
from sqlalchemy.orm import Session

from server.adapters.blobs import blob_store, store_blob

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def image_type(data: bytes) -> str | None:
    """Return the media type of `data` if it is a PNG, JPEG or WebP image, else None."""
    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
            return IMAGE_TYPES.get(image.format or "")
    except (UnidentifiedImageError, DecompressionBombError, OSError, SyntaxError, ValueError):
        return None


def store_image(session: Session, data: bytes, media_type: str) -> str:
    """Store a story image and commit; return its SHA-256."""
    sha = store_blob(session, blob_store(), data, media_type)
    session.commit()
    return sha
