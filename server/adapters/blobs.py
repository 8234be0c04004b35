"""Content-addressed blob store: files named by the sha256 of their bytes, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_HEX = frozenset("0123456789abcdef")


class BlobStore:
    """Files under ``root/ab/cdef...``; a blob's name is the sha256 of its content."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BlobStore) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    def path(self, sha256: str) -> Path:
        """Return where the blob `sha256` lives (it may not exist)."""
        if len(sha256) != 64 or not set(sha256) <= _HEX:
            raise ValueError(f"`sha256` must be 64 lowercase hex digits, got {sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def put(self, data: bytes) -> str:
        """Store `data` and return its sha256; storing the same bytes twice is a no-op."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file in the same folder, fsync, then rename: readers see
        # either no file or the whole file, never a partial one.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        """Return the blob's bytes; raise FileNotFoundError if it is not stored."""
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        """Tell whether the blob is stored."""
        return self.path(sha256).is_file()


def open_blob_store(settings: Mapping[str, Any]) -> BlobStore:
    """Return the blob store the settings name (``BLOB_PATH``): the one way to make one."""
    return BlobStore(settings["BLOB_PATH"])


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
