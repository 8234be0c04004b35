"""The verifier's blob fetches: several at once where the source allows, refusals kept."""

from __future__ import annotations

import hashlib
import threading

from server.core.verification.blob_fetch import blob_url, changed_hash, fetch_all
from server.core.verification.sources import ANY, SourceError


class _Network:
    """A remote server at the edge of the world: blobs by URL, some refused."""

    def __init__(self, parallel: int, meet: int) -> None:
        self.parallel = parallel
        # Each request waits until `meet` requests are in flight at once (or times out).
        self.barrier = threading.Barrier(meet, timeout=5)
        self.asked: list[str] = []

    def get(self, url: str, accept: str = ANY) -> bytes:
        self.asked.append(url)
        self.barrier.wait()
        if url.endswith("gone"):
            raise SourceError("404 Not Found", status=404)
        return url.encode()


def test_a_parallel_source_is_asked_several_at_once_and_each_url_once() -> None:
    network = _Network(parallel=4, meet=3)
    urls = [blob_url("https://o", name) for name in ("a", "b", "gone", "a")]
    bodies = fetch_all(network, urls)
    # Three distinct URLs met at the barrier together: they were in flight at once.
    assert sorted(network.asked) == sorted(set(urls))
    assert bodies[urls[0]] == b"https://o/blobs/a"
    refused = bodies[blob_url("https://o", "gone")]
    assert isinstance(refused, SourceError) and refused.status == 404


def test_a_source_that_says_nothing_is_asked_one_at_a_time() -> None:
    network = _Network(parallel=1, meet=1)
    del network.parallel  # a bundle or a test source: no claim to take several at once
    urls = [blob_url("https://o", name) for name in ("a", "b")]
    assert fetch_all(network, urls) == {u: u.encode() for u in urls}
    assert network.asked == urls  # in order


def test_a_changed_blob_names_the_hash_its_bytes_have() -> None:
    body = b"tile bytes"
    sha = hashlib.sha256(body).hexdigest()
    assert changed_hash(body, sha) is None
    assert changed_hash(body + b"!", sha) == hashlib.sha256(body + b"!").hexdigest()
