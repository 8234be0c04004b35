"""Compressed forms of blobs (GLB, manifests, reports, tilesets): made once, kept beside them.

A blob's br or gzip form is an ordinary content-addressed blob of its own (no Blob row,
so it is never served under its own address); Redis maps (blob, coding) to it. It is made
on the first request that takes the coding and kept; a blob that does not shrink by 5 %
is marked so and always served as it is. Without Redis (or over BLOB_COMPRESS_MAX_BYTES)
blobs are served uncompressed: the cost is bytes, never an error.
"""

from __future__ import annotations

import logging

from redis import Redis, RedisError

from server.adapters.blobs import BlobNotFound, BlobStore
from server.core.http_caching import MIN_COMPRESS_BYTES, compressible, encode

log = logging.getLogger(__name__)
KEY = "originxr:blob:coded:{sha}:{coding}"
NOT_WORTH_IT = b"-"
FAST_ABOVE_BYTES = 1 << 20  # above this, a quicker setting: the first request waits for it


def coded_blob(
    redis: Redis,
    store: BlobStore,
    sha256: str,
    media_type: str,
    size: int,
    coding: str,
    max_bytes: int,
) -> tuple[str, int] | None:
    """Return (sha256, size) of blob `sha256` in `coding` (made now if needed); None: as is."""
    if coding not in ("br", "gzip") or not compressible(media_type):
        return None
    if size < MIN_COMPRESS_BYTES or size > max_bytes:
        return None
    key = KEY.format(sha=sha256, coding=coding)
    try:
        raw = redis.get(key)
        if raw == NOT_WORTH_IT:
            return None
        if raw:
            found = raw.decode() if isinstance(raw, bytes) else str(raw)
            try:
                return found, store.size(found)
            except BlobNotFound:
                pass  # collected or copied without it: make it again
        data = store.get(sha256)
        encoded = encode(data, coding, fast=size > FAST_ABOVE_BYTES)
        if len(encoded) > 0.95 * len(data):
            redis.set(key, NOT_WORTH_IT)
            return None
        coded = store.put(encoded)
        redis.set(key, coded)
    except RedisError as exc:
        # Fail open: an uncompressed blob is only more bytes.
        log.warning("blob %s sent uncompressed (%s)", sha256, exc)
        return None
    return coded, len(encoded)
