"""Fetch content-addressed blobs (``/blobs/{sha256}``) for the verifier, several at once.

Over a network each blob is a round trip: a report cites dozens of evidence documents and a
snapshot's tileset names dozens of tiles, so a source that may be asked from several
threads (HTTP: its `parallel` attribute) is asked that many at a time. Answers come back
by URL, refusals kept as the `SourceError` they were, so callers judge them in their own
order and the first failure named is the same however they were fetched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from server.core.verification.sources import Source, SourceError


def blob_url(origin: str, sha256: str) -> str:
    """Return the URL the blob `sha256` is served at under `origin`."""
    return f"{origin}/blobs/{sha256}"


def parallelism(source: Source) -> int:
    """Return how many requests `source` says it may take at once (1 unless it says)."""
    return max(1, int(getattr(source, "parallel", 1)))


def _fetch(source: Source, url: str) -> bytes | SourceError:
    try:
        return source.get(url)
    except SourceError as exc:
        return exc


def fetch_all(source: Source, urls: Iterable[str]) -> dict[str, bytes | SourceError]:
    """Return each URL's body, or the SourceError that refused it; each URL asked once."""
    unique = list(dict.fromkeys(urls))
    parallel = min(parallelism(source), len(unique))
    if parallel <= 1:
        return {url: _fetch(source, url) for url in unique}
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return dict(zip(unique, pool.map(lambda u: _fetch(source, u), unique), strict=True))


def changed_hash(body: bytes, sha256: str) -> str | None:
    """Return the hash `body` has when it is not `sha256` (the blob was changed), else None."""
    actual = hashlib.sha256(body).hexdigest()
    return None if actual == sha256 else actual
