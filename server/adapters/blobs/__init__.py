"""The blob store: content-addressed bytes in a local folder or an S3-compatible bucket.

`open_blob_store(settings)` and `blob_store(app)` are the one way to get a store; the
interface is `BlobStore` (`store.py`), the backends `local.py` and `s3.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

from flask import Flask, current_app

from server.adapters.blobs.local import LocalBlobStore
from server.adapters.blobs.store import (
    CHUNK_BYTES,
    BlobNotFound,
    BlobStore,
    DigestMismatch,
    check_digest,
    check_sha256,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "CHUNK_BYTES",
    "BlobNotFound",
    "BlobStore",
    "DigestMismatch",
    "LocalBlobStore",
    "blob_store",
    "check_digest",
    "check_sha256",
    "open_blob_store",
    "store_blob",
    "store_blob_stream",
]


def open_blob_store(settings: Mapping[str, Any]) -> BlobStore:
    """Return the store the settings name: ``BLOB_STORE_URL`` (s3://...) or ``BLOB_PATH``.

    The one way to make a store. An S3 store is cheap to make: its client is made once
    per process and URL.
    """
    url = settings.get("BLOB_STORE_URL") or ""
    if not url:
        return LocalBlobStore(settings["BLOB_PATH"])
    # Imported here so that processes on the local store never load boto3.
    from server.adapters.blobs.s3 import S3BlobStore

    return S3BlobStore.from_url(url)


def blob_store(app: Flask | None = None) -> BlobStore:
    """Return the blob store of `app` (default: the current app)."""
    return open_blob_store((app or current_app).config)


def store_blob(session: Session, store: BlobStore, data: bytes, media_type: str) -> str:
    """Write `data` to `store` and add its Blob row if missing (the caller commits)."""
    from server.adapters.models import Blob  # the file store itself knows nothing of the database

    digest = store.put(data)
    if session.get(Blob, digest) is None:
        session.add(Blob(sha256=digest, size=len(data), media_type=media_type))
    return digest


def store_blob_stream(
    session: Session,
    store: BlobStore,
    stream: BinaryIO,
    media_type: str,
    expected: str | None = None,
) -> str:
    """Write the bytes of the seekable `stream` to `store` a chunk at a time and add their
    Blob row if missing (the caller commits): `store_blob` for a blob too big to hold.
    `expected`: see `BlobStore.put_stream`."""
    from server.adapters.models import Blob

    digest = store.put_stream(stream, expected)
    if session.get(Blob, digest) is None:
        session.add(Blob(sha256=digest, size=stream.seek(0, 2), media_type=media_type))
    return digest
