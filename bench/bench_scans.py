"""Measure scan analytics: what recording adds to a page, failing open, aggregation, dashboard.

Run: ``.venv/bin/python -m bench.bench_scans [--repeat 200] [--records 50000] [--save F]
[--baseline F]``. SQLite in a temporary folder and the Redis at
``ORIGINXR_BENCH_REDIS_URL`` (default redis://127.0.0.1:6379/10, flushed). Prints figures;
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import load_baseline, median_ms, print_table, save, unused_port

URI = "/01/09520123100025/10/NK25-0227"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0.0.0 Mobile Safari/537.36"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def measure(repeat: int, records: int) -> dict[str, float]:
    """Return the figures on a fresh demo instance."""
    from redis import Redis

    from server.adapters.blobs import blob_store
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.core.scans.records import BUFFER_KEY, ScanRecord, encode
    from server.services.accounts import ensure_user, grant, invite, redeem
    from server.services.brand_pack import load_pack
    from server.services.catalog import brand_by_slug
    from server.services.scan_recorder import RecordInput, recorder
    from server.web import create_app
    from workers.scan_jobs import aggregate_scans
    from workers.worker import run_worker

    redis_url = os.environ.get("ORIGINXR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    root = Path(__file__).resolve().parents[1]
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = {
            "INSTANCE_PATH": tmp,
            "REDIS_URL": redis_url,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "SCAN_BUFFER_MAX": records * 2,
        }
        app = create_app(settings)
        upgrade(db.engine_for(app))
        with app.app_context():
            load_pack(db.session, blob_store(app), root / "brands" / "nkabom")
        client = app.test_client()
        client.get(URI)
        with app.app_context():
            run_worker(app, broker.redis, ["builds"], burst=True)
        bot, phone = {"User-Agent": BOT}, {"User-Agent": PHONE}
        # interleaved, so that the machine's load drifts alike for both
        plain, recorded = [], []
        for _ in range(repeat):
            plain.append(median_ms(lambda: client.get(URI, headers=bot), 1))
            recorded.append(median_ms(lambda: client.get(URI, headers=phone), 1))
        figures["page, not recorded (bot) (ms)"] = statistics.median(plain)
        figures["page, recorded (ms)"] = statistics.median(recorded)
        item = RecordInput(
            1,
            "09520123100025",
            "NK25-0227",
            "en",
            "scan",
            datetime.now(UTC).date(),
            "198.51.100.1",
            PHONE,
        )
        rec = recorder(app)
        figures["record() alone (ms)"] = median_ms(lambda: rec.record(item), repeat * 5)

        down_settings = dict(settings, REDIS_URL=f"redis://127.0.0.1:{unused_port()}/0")
        down = create_app(down_settings)
        down_client = down.test_client()
        down_client.get(URI, headers=bot)  # warm up the new app (templates) without recording
        start = time.perf_counter()
        down_client.get(URI, headers=phone)  # the failing attempt (connection refused)
        figures["page, Redis down, first (ms)"] = (time.perf_counter() - start) * 1000
        figures["page, Redis down, paused (ms)"] = median_ms(
            lambda: down_client.get(URI, headers=phone), repeat
        )

        redis.delete(BUFFER_KEY)
        today = datetime.now(UTC).date()
        kinds = ("scan", "scan", "scan", "3d", "xr", "tour_complete")
        raw = [
            encode(
                ScanRecord(
                    1,
                    "09520123100025",
                    f"NK25-{i % 3}",
                    ("en", "de", "fr", "nl")[i % 4],
                    ("phone", "tablet", "desktop")[i % 3],
                    kinds[i % 6],
                    today - timedelta(days=i % 30),
                    f"{i % 5000:064x}",
                )
            )
            for i in range(records)
        ]
        for at in range(0, records, 5000):
            redis.rpush(BUFFER_KEY, *raw[at : at + 5000])
        with app.app_context():
            start = time.perf_counter()
            done = aggregate_scans()
            seconds = time.perf_counter() - start
            while redis.llen(BUFFER_KEY):  # a job hands over after MAX_BATCHES batches
                start2 = time.perf_counter()
                more = aggregate_scans()
                seconds += time.perf_counter() - start2
                done["records"] += more["records"]
        figures["aggregation (records/s)"] = done["records"] / seconds

        with app.app_context(), db.transaction() as session:
            user = ensure_user(session, "bench@nkabom.example")
            brand = brand_by_slug(session, "nkabom")
            assert brand is not None
            grant(session, user, brand, "viewer")
            redeem(session, invite(session, user), "bench-password-2026")
        studio = app.test_client()
        form = studio.get("/studio/login").get_data(as_text=True)
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        login = {"email": "bench@nkabom.example", "password": "bench-password-2026"}
        studio.post("/studio/login", data=dict(login, csrf_token=token))
        figures["dashboard, 30 days (ms)"] = median_ms(
            lambda: studio.get("/studio/nkabom/analytics"), max(repeat // 10, 5)
        )
        csv = studio.get("/studio/nkabom/analytics.csv").data
        figures["CSV export, 30 days (ms)"] = median_ms(
            lambda: studio.get("/studio/nkabom/analytics.csv"), max(repeat // 10, 5)
        )
        figures["CSV export (bytes)"] = float(len(csv))
        db.engine_for(app).dispose()
        db.engine_for(down).dispose()
    redis.flushdb()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally save or compare figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    args = parser.parse_args(argv)
    figures = measure(args.repeat, args.records)
    print_table(figures, load_baseline(args.baseline), {})
    save(args.save, figures, repeat=args.repeat, records=args.records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
