"""Batch page throughput under load: the real app beside a bare Flask app, same gunicorn, same run.

Run: ``.venv/bin/python bench/bench_page_throughput.py [--duration 15] [--connections 32 64]
[--scan-counting page|beacon] [--worker-class gthread|sync] [--workers 2] [--threads 8]``.
Builds the demo brand on SQLite in a temporary folder (Redis at ``ORIGINXR_BENCH_REDIS_URL``,
default redis://127.0.0.1:6379/10, flushed), starts the real app with the Procfile's gunicorn
settings (gthread, 2 workers, 8 threads; or those given) and `bench/bare_page_app.py` with
the same settings serving the very bytes the real app sent, then loads each with Debian's
``wrk`` (as a phone asks: a phone's User-Agent, so that each answer is a view to count;
Accept-Encoding gzip, deflate, br; Accept-Language de) at each connection count, the
two alternating. Prints req/s of both, their ratio, p99 and errors, and the page's sizes;
with ``page`` counting, also the scan records in Redis once the real app has stopped (its
workers flush their buffers at exit) beside the answers wrk counted. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import unused_port

ROOT = Path(__file__).resolve().parents[1]
URI = "/01/09520123100025/10/NK25-0227"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36"
# wrk sends no User-Agent, which scan counting takes for a bot: without one nothing is counted
HEADERS = {"Accept-Encoding": "gzip, deflate, br", "Accept-Language": "de", "User-Agent": PHONE}
PROCFILE = {"worker_class": "gthread", "threads": 8, "workers": 2}  # the Procfile's web line
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def prepare(folder: Path, redis_url: str) -> str:
    """Import the demo brand and run its builds; return the DATABASE_URL."""
    from redis import Redis

    from server.adapters.blobs import blob_store
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.services.brand_pack import load_pack
    from server.web import create_app
    from workers.worker import run_worker

    Redis.from_url(redis_url).flushdb()
    database = f"sqlite:///{folder}/bench.sqlite3"
    app = create_app(
        {"INSTANCE_PATH": str(folder), "REDIS_URL": redis_url, "DATABASE_URL": database}
    )
    upgrade(db.engine_for(app))
    with app.app_context():
        load_pack(db.session, blob_store(app), ROOT / "brands" / "nkabom")
    app.test_client().get(URI)
    with app.app_context():
        run_worker(app, broker.redis, ["builds"], burst=True)
    db.engine_for(app).dispose()
    return database


def gunicorn_options(worker_class: str, workers: int, threads: int) -> list[str]:
    """Return gunicorn's options for these settings (the same for both apps)."""
    return ["--worker-class", worker_class, "--threads", str(threads), "--workers", str(workers)]


def start(
    app: str, port: int, env: dict[str, str], options: list[str], log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start gunicorn serving `app` on `port` with `options` (its stderr into `log`)."""
    command = [str(ROOT / ".venv/bin/gunicorn"), *options, "--bind", f"127.0.0.1:{port}", app]
    errors = log.open("wb") if log is not None else subprocess.DEVNULL
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)


def print_warnings(log: Path) -> None:
    """Print how often the app's page cache or scan recording failed open (its warnings)."""
    text = log.read_text(errors="replace")
    print(
        f"app warnings: page cache off {text.count('page cache off')}x, "
        f"scan records not recorded {text.count('not recorded')}x (Redis slower than "
        "SCAN_REDIS_TIMEOUT: each pauses that part for 5 s)"
    )


def fetch(url: str, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """GET `url` (retrying while the server starts); return the body and headers."""
    for _ in range(200):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
                return answer.read(), dict(answer.headers)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    """Load `url` with wrk; return req/s, p50/p99 (ms) and errors (non-2xx + socket)."""
    headers = [arg for name, value in HEADERS.items() for arg in ("-H", f"{name}: {value}")]
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    status = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = sum(int(n) for n in socket.groups()) if socket else 0
    return {
        "rps": rate,
        "p50": p50,
        "p99": p99,
        "errors": float(status + failed),
        "status_errors": float(status),
        "done": float(done),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 64])
    parser.add_argument(
        "--scan-counting",
        choices=("page", "beacon"),
        default="page",
        help="SCAN_COUNTING of the real app: `page` pushes a scan record per request",
    )
    parser.add_argument("--worker-class", default=PROCFILE["worker_class"], help="gunicorn's")
    parser.add_argument("--workers", type=int, default=PROCFILE["workers"])
    parser.add_argument("--threads", type=int, default=PROCFILE["threads"])
    args = parser.parse_args(argv)
    options = gunicorn_options(args.worker_class, args.workers, args.threads)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get update && apt-get install -y wrk", file=sys.stderr)
        return 2
    redis_url = os.environ.get("ORIGINXR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = prepare(folder, redis_url)
        env = {
            **os.environ,
            "ORIGINXR_INSTANCE_PATH": str(folder),
            "DATABASE_URL": database,
            "REDIS_URL": redis_url,
            "PYTHONPATH": str(ROOT),
            "ORIGINXR_SCAN_COUNTING": args.scan_counting,
            "ORIGINXR_SCAN_BUFFER_MAX": "10000000",  # no worker drains it: keep every record
        }
        real_port, bare_port = unused_port(), unused_port()
        log = folder / "app.log"
        real = start("server.web:create_app()", real_port, env, options, log)
        bare = None
        try:
            url = f"http://127.0.0.1:{real_port}{URI}"
            body, headers = fetch(url, HEADERS)
            plain, _ = fetch(url, {**HEADERS, "Accept-Encoding": "identity"})
            gzipped, _ = fetch(url, {**HEADERS, "Accept-Encoding": "gzip"})
            (folder / "body").write_bytes(body)
            bare_env = {
                **env,
                "BARE_BODY_PATH": str(folder / "body"),
                "BARE_CONTENT_TYPE": headers.get("Content-Type", "text/html"),
                "BARE_CONTENT_ENCODING": headers.get("Content-Encoding", ""),
            }
            bare = start("bench.bare_page_app:create_app()", bare_port, bare_env, options)
            bare_url = f"http://127.0.0.1:{bare_port}{URI}"
            assert fetch(bare_url, HEADERS)[0] == body
            print(f"gunicorn {' '.join(options)} (both apps); SCAN_COUNTING={args.scan_counting}")
            print(f"page: identity {len(plain)} B, gzip {len(gzipped)} B, br {len(body)} B"
                  f" (sent as {headers.get('Content-Encoding', 'identity')})")  # fmt: skip
            answered = 3 + wrk(url, 8, 2)["done"]  # warm both (imports, caches, pools)
            wrk(bare_url, 8, 2)
            print(f"{'conns':>5} {'app req/s':>10} {'bare req/s':>11} {'ratio':>6} "
                  f"{'app p50':>8} {'app p99':>8} {'bare p99':>9}  "
                  "errors app (non-2xx) / bare")  # fmt: skip
            for conns in args.connections:
                app_figures = wrk(url, conns, args.duration)
                answered += app_figures["done"]
                bare_figures = wrk(bare_url, conns, args.duration)
                ratio = app_figures["rps"] / bare_figures["rps"]
                errors = (
                    f"{app_figures['errors']:.0f} ({app_figures['status_errors']:.0f}) / "
                    f"{bare_figures['errors']:.0f}"
                )
                print(
                    f"{conns:>5} {app_figures['rps']:>10.0f} {bare_figures['rps']:>11.0f} "
                    f"{ratio:>6.2f} {app_figures['p50']:>6.1f}ms {app_figures['p99']:>6.1f}ms "
                    f"{bare_figures['p99']:>7.1f}ms  {errors}"
                )
        finally:
            for process in (real, bare):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)
        print_warnings(log)
        if args.scan_counting == "page":
            _print_scans(redis_url, int(answered), sum(args.connections) + 8)
    return 0


def _print_scans(redis_url: str, answered: int, in_flight: int) -> None:
    """Print the scan records the stopped app left in Redis beside the answers wrk saw."""
    from redis import Redis

    from server.core.scans.records import BUFFER_KEY

    redis = Redis.from_url(redis_url)
    records = int(redis.llen(BUFFER_KEY))
    print(
        f"scan records in Redis after the app stopped: {records:,}; answers wrk counted: "
        f"{answered:,} (each run may leave up to its connections, {in_flight} in all, "
        "answered but not counted)"
    )
    redis.flushdb()


if __name__ == "__main__":
    sys.exit(main())
