"""Measure `originxr verify` on the demo batch and the log's Merkle tree at growing sizes.

Run: ``.venv/bin/python bench/bench_verify.py [--repeat 10] [--save F] [--baseline F]``.
Uses SQLite in a temporary folder, the Redis at ``ORIGINXR_BENCH_REDIS_URL`` (default
redis://127.0.0.1:6379/10, flushed) and a threaded Werkzeug server on a loopback port.
In the same run it measures the baseline beside each figure: fetching the same documents
one by one without checking them (so the ratio is the cost of the checks), verify fetching
the evidence documents one at a time instead of 8 at once, and the tree hash of a tree
against one inclusion proof in it (in memory; the server's proofs from stored subtree hashes
are bench/bench_log_proofs.py's). With ``--baseline``, earlier figures side by side.
It asserts nothing about time.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import median_ms, run_repeat_bench

URI = "/01/09520123100025/10/NK25-0227"


def _merkle(repeat: int) -> dict[str, float]:
    from server.core.transparency import merkle

    figures: dict[str, float] = {}
    for size in (1_000, 100_000):
        leaves = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(size)]
        root = merkle.tree_hash(leaves)
        proof = merkle.inclusion_proof(leaves, size // 3)
        figures[f"tree hash of {size} leaves (ms)"] = median_ms(
            lambda s=leaves: merkle.tree_hash(s), max(1, repeat // 5)
        )
        figures[f"inclusion proof in {size} leaves, made (ms)"] = median_ms(
            lambda s=leaves, n=size: merkle.inclusion_proof(s, n // 3), max(1, repeat // 5)
        )
        figures[f"inclusion proof in {size} leaves, checked (ms)"] = median_ms(
            lambda s=leaves, n=size, p=proof, r=root: merkle.verify_inclusion(
                n // 3, n, s[n // 3], p, r
            ),
            repeat,
        )
    return figures


def measure(repeat: int) -> dict[str, float]:
    """Return the figures (milliseconds) on a fresh demo instance."""
    from redis import Redis
    from werkzeug.serving import make_server

    from server.adapters.blobs import blob_store
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.core.verification.sources import (
        BundleSource,
        Recorder,
        SourceError,
        write_bundle,
    )
    from server.core.verification.verifier import verify_batch
    from server.services.brand_pack import load_pack
    from server.services.verify_http import HttpSource
    from server.web import create_app
    from workers.worker import run_worker

    redis_url = os.environ.get("ORIGINXR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    Redis.from_url(redis_url).flushdb()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"INSTANCE_PATH": tmp, "REDIS_URL": redis_url, "DATABASE_URL": f"sqlite:///{tmp}/b.db"}
        )
        upgrade(db.engine_for(app))
        with app.app_context():
            load_pack(db.session, blob_store(app), root / "brands" / "nkabom")
        app.test_client().get(URI)
        with app.app_context():
            run_worker(app, broker.redis, ["builds"], burst=True)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        uri = f"http://127.0.0.1:{server.server_port}{URI}"
        try:
            recorder = Recorder(HttpSource())
            verify_batch(uri, recorder)
            asked = [*recorder.answers, *recorder.refused]
            http = HttpSource()

            def fetch_only() -> None:
                for name in asked:
                    path, _, accept = name.partition("#")
                    url = f"http://127.0.0.1:{server.server_port}/{path}"
                    # A refused one (a record without a public document) is asked too.
                    with contextlib.suppress(SourceError):
                        http.get(url, accept or "*/*")

            bundle = write_bundle(uri, recorder.answers, recorder.refused)
            figures = {
                "verify over HTTP (ms)": median_ms(lambda: verify_batch(uri, HttpSource()), repeat),
                "verify over HTTP, documents one at a time (ms)": median_ms(
                    lambda: verify_batch(uri, HttpSource(parallel=1)), repeat
                ),
                "baseline: the same fetches, unchecked (ms)": median_ms(fetch_only, repeat),
                "verify a bundle offline (ms)": median_ms(
                    lambda: verify_batch(uri, BundleSource(bundle)), repeat
                ),
                "documents fetched (refused ones too)": float(len(asked)),
                "bundle (bytes)": float(len(bundle)),
            }
        finally:
            server.shutdown()
            thread.join(timeout=10)
        db.engine_for(app).dispose()
    Redis.from_url(redis_url).flushdb()
    return {**figures, **_merkle(repeat)}


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally save or compare figures."""
    return run_repeat_bench(measure, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
