"""Measure what the rate limits add to a request: the same routes with each limit off and on.

Run: ``.venv/bin/python -m bench.bench_rate_limits [--repeat 300]``. SQLite in a temporary
folder and the Redis at ``ORIGINXR_BENCH_REDIS_URL`` (default redis://127.0.0.1:6379/10,
flushed). The limits are set high enough never to refuse; off (0) is the baseline,
measured in the same run, alternating request by request, on the same app. Prints figures;
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


BEACON = {"uri": "/01/09520123100025/10/NK25-0227", "kind": "3d"}
HIGH = 1_000_000_000


def _timed(send: Callable[[], object]) -> float:
    start = time.perf_counter()
    send()
    return (time.perf_counter() - start) * 1000


def measure(repeat: int) -> tuple[list[tuple[str, float, float]], float]:
    """Return (route, median ms with the limit off, with it on) rows, and an INCR's median ms."""
    from redis import Redis

    from server.adapters.blobs import blob_store
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.services.brand_pack import load_pack
    from server.web import create_app

    redis_url = os.environ.get("ORIGINXR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    root = Path(__file__).resolve().parents[1]
    rows = []
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
            load_pack(db.session, blob_store(app), root / "brands" / "nkabom")
        client = app.test_client()
        cases = {
            "POST /api/scan-events": (
                "RATE_LIMIT_SCAN_EVENTS",
                lambda: client.post("/api/scan-events", data=BEACON),
            ),
            "GET /.well-known/originxr-keys.json": (
                "RATE_LIMIT_PUBLIC_JSON",
                lambda: client.get("/.well-known/originxr-keys.json"),
            ),
        }
        trips: list[float] = []  # a bare INCR between the requests: the round trip meanwhile
        for route, (setting, send) in cases.items():
            send()  # warm: first request of the route, the scripts loaded into Redis
            off, on = [], []
            for _ in range(repeat):  # alternated request by request: the machine is noisy
                app.config[setting] = 0
                off.append(_timed(send))
                app.config[setting] = HIGH
                on.append(_timed(send))
                trips.append(_timed(lambda: redis.incr("bench:round-trip")))
            rows.append((route, statistics.median(off), statistics.median(on)))
    return rows, statistics.median(trips)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    print(f"{'route':40} {'limit off ms':>13} {'limit on ms':>12} {'added ms':>9}")
    rows, trip = measure(args.repeat)
    for route, off, on in rows:
        print(f"{route:40} {off:13.3f} {on:12.3f} {on - off:9.3f}")
    print(f"a bare Redis INCR meanwhile: {trip:.3f} ms (a counted request makes one round trip)")


if __name__ == "__main__":
    main()
