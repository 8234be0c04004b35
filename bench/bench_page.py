"""Measure the shopper's path: batch page render, size, linkset and evidence JSON, first build.

Run: ``.venv/bin/python bench/bench_page.py [--repeat 50] [--save F] [--baseline F]``.
Uses SQLite in a temporary folder and the Redis at ``ORIGINXR_BENCH_REDIS_URL``
(default redis://127.0.0.1:6379/10, flushed). It prints figures and, with
``--baseline``, earlier figures side by side. It asserts nothing about time.
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import median_ms, run_repeat_bench

URI = "/01/09520123100025/10/NK25-0227"


def measure(repeat: int) -> dict[str, float]:
    """Return the figures (milliseconds and bytes) on a fresh demo instance."""
    from redis import Redis

    from server.adapters.blobs import blob_store
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.services.brand_pack import load_pack
    from server.web import create_app
    from workers.worker import run_worker

    redis_url = os.environ.get("ORIGINXR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    Redis.from_url(redis_url).flushdb()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "INSTANCE_PATH": tmp,
                "REDIS_URL": redis_url,
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            }
        )
        upgrade(db.engine_for(app))
        with app.app_context():
            start = time.perf_counter()
            load_pack(db.session, blob_store(app), root / "brands" / "nkabom")
            load_s = time.perf_counter() - start
        client = app.test_client()
        client.get(URI)
        start = time.perf_counter()
        with app.app_context():
            run_worker(app, broker.redis, ["builds"], burst=True)
        build_s = time.perf_counter() - start
        html = client.get(URI, headers={"Accept-Language": "de"}).data
        figures = {
            "brand pack import (s)": load_s,
            "evidence + scene build (s)": build_s,
            "page render, warm (ms)": median_ms(lambda: client.get(URI), repeat),
            "linkset (ms)": median_ms(lambda: client.get(URI + "?linkType=linkset"), repeat),
            "evidence report JSON (ms)": median_ms(
                lambda: client.get(URI + "?linkType=gs1:traceability"), repeat
            ),
            "page HTML (bytes)": float(len(html)),
            "page HTML gzip -9 (bytes)": float(len(gzip.compress(html, 9))),
        }
        db.engine_for(app).dispose()
    Redis.from_url(redis_url).flushdb()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally save or compare figures."""
    return run_repeat_bench(measure, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
