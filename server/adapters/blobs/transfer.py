"""Copy the blobs of one store into another, checking every byte on the way."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from server.adapters.blobs.store import CHUNK_BYTES, BlobStore


@dataclass
class CopyCounts:
    """What `copy_blobs` did: blobs copied, found already there, and refused (by sha256)."""

    copied: int = 0
    present: int = 0
    corrupt: list[str] = field(default_factory=list)


def stored_sha256(store: BlobStore, sha256: str) -> str:
    """Return the sha256 of the bytes `store` holds as `sha256`, read as a stream."""
    digest = hashlib.sha256()
    with store.open(sha256) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def copy_blobs(
    source: BlobStore, target: BlobStore, progress: Callable[[str, str], None] | None = None
) -> CopyCounts:
    """Copy into `target` every blob of `source` it lacks; running it again copies nothing.

    A source blob whose bytes do not hash to its name is not copied, and neither is one
    whose copy does not read back with its name's hash: both are listed in ``corrupt``.
    `progress` is told ``(sha256, "copied" | "present" | "corrupt")`` for each blob.
    """
    counts = CopyCounts()
    for sha in sorted(source.shas()):
        if target.exists(sha):
            counts.present += 1
            state = "present"
        else:
            state = "copied" if _copy_one(source, target, sha) else "corrupt"
            if state == "copied":
                counts.copied += 1
            else:
                counts.corrupt.append(sha)
        if progress is not None:
            progress(sha, state)
    return counts


def _copy_one(source: BlobStore, target: BlobStore, sha256: str) -> bool:
    """Copy one blob; tell whether both the source and the copy hash to `sha256`."""
    data = source.get(sha256)
    if hashlib.sha256(data).hexdigest() != sha256:
        return False
    target.put(data)
    # Read the copy back rather than trust the upload: this is the check that the
    # bucket now holds the very bytes the name promises.
    return stored_sha256(target, sha256) == sha256
