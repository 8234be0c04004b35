"""Scale, measured: capture throughput over HTTP, then trace + evidence time, at two sizes.

Run from the repository root::

    .venv/bin/python -m bench.bench_scale [--farms 5000 --events 50000 --batches 50]
        [--big-batch-farms N] [--growth 2] [--clients 2] [--per-document 1000]
        [--database-url URL] [--redis-url URL] [--save FILE] [--baseline FILE]

For each size (the one asked and the one ``--growth`` times bigger, so growth is visible;
``--growth 1`` runs one size) a fresh process:

1. writes the synthetic chain (`bench.synthetic_chain`): its brand pack is imported with
   the real loader, its events are written as EPCISDocuments of ``--per-document`` events;
2. starts the real server (gunicorn, 2 workers, the Procfile's settings) on a free port and
   POSTs every document to ``/epcis/capture`` from ``--clients`` threads: events/s;
3. stops the server, then times what the evidence job does for batch 0 (fed by
   ``--big-batch-farms`` farms; default 10,000, or a fifth of the farms) and for every batch:
   load the batch's inputs from the database, build the trace, build the report;
4. reports peak memory (peak resident set size) of that process (pack import, evidence)
   and of the largest server process.

The database is SQLite in a temporary folder unless ``--database-url`` names PostgreSQL
(a schema is created for the run and dropped after). Redis is ``--redis-url`` (default
``ORIGINXR_BENCH_REDIS_URL`` or redis://127.0.0.1:6379/11), flushed. Nothing is asserted
about time; figures are printed, and with ``--baseline`` beside earlier ones.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from itertools import pairwise
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import load_baseline, print_table, save, unused_port
from bench.synthetic_chain import (
    SLUG,
    ChainSize,
    add_size_arguments,
    batch_lot,
    documents,
    size_from,
    write_pack,
)

ROOT = Path(__file__).resolve().parents[1]
UNITS = {
    "capture_events_per_s": "/s",
    "capture_s": "s",
    "import_master_data_s": "s",
    "big_batch_load_s": "s",
    "big_batch_trace_s": "s",
    "big_batch_report_s": "s",
    "big_batch_total_s": "s",
    "big_batch_total_cpu_s": "s",
    "all_batches_cpu_s": "s",
    "capture_cpu_server_s": "s",
    "all_batches_s": "s",
    "all_batches_per_batch_s": "s",
    "peak_rss_bench_mb": "MB",
    "peak_rss_server_mb": "MB",
}


def _settings(tmp: Path, database_url: str | None, schema: str | None, redis_url: str) -> dict:
    settings = {
        "INSTANCE_PATH": str(tmp),
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url or f"sqlite:///{tmp}/bench.sqlite3",
        "SECRET_KEY": "bench",
    }
    if database_url and database_url.startswith("postgresql"):
        from server.core.signing import load_private_key

        # A shared database requires a signing key that exists (config.py): make it once.
        load_private_key(tmp / "signing_key.pem")
        settings["SIGNING_KEY_PATH"] = str(tmp / "signing_key.pem")
    if schema:
        settings["DATABASE_SCHEMA"] = schema
    return settings


@contextmanager
def _postgres_schema(database_url: str | None) -> Iterator[str | None]:
    """Create a schema for the run on PostgreSQL (dropped after); nothing on SQLite."""
    if not database_url or not database_url.startswith("postgresql"):
        yield None
        return
    from sqlalchemy import create_engine, text

    schema = f"bench_{secrets.token_hex(4)}"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@contextmanager
def _statistics_kept(engine: Any, every_s: float = 30.0) -> Iterator[None]:
    """Keep PostgreSQL's planner statistics fresh while the block runs, if autovacuum is off.

    A PostgreSQL server analyses a table by itself (autovacuum) once a tenth of it has
    changed. The test server here runs with ``autovacuum = off``: without statistics the
    planner reads every identifier row of the brand for each ``identifier IN (...)`` lookup
    (110 ms instead of 0.3 ms at 250,000 rows), so capture and tracing slow down as the
    tables grow. This does what autovacuum would: ``ANALYZE`` every `every_s` seconds and
    once at the end. Nothing on SQLite, nothing when autovacuum is on.
    """
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        if conn.execute(text("SHOW autovacuum")).scalar() == "on":
            yield
            return
    stop = threading.Event()

    def analyse() -> None:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()

    def loop() -> None:
        while not stop.wait(every_s):
            analyse()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        analyse()


@contextmanager
def _server(
    settings: dict[str, str], port: int, root: Path = ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """Run gunicorn as the Procfile does (2 workers, threads) until the block ends.

    `root` is the source tree it serves (another checkout serves an earlier implementation).
    """
    threads = "4"
    env = dict(os.environ)
    if root != ROOT:
        env["PYTHONPATH"] = str(root)  # ahead of the editable install of this tree
    env.update({f"ORIGINXR_{k}": v for k, v in settings.items()})
    # One pooled PostgreSQL connection per thread, as DATABASE_POOL_SIZE is meant to be set.
    env["ORIGINXR_DATABASE_POOL_SIZE"] = threads
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--worker-class",
        "gthread",
        "--threads",
        threads,
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "300",
        "server.web:create_app()",
    ]
    process = subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _peak_rss_mb(pid: int) -> float:
    """Return the peak resident set size (VmHWM) of process `pid`, 0 if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def _server_peak_rss_mb(master: int) -> float:
    """Return the largest peak RSS among the server's processes (master and workers)."""
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return max(_peak_rss_mb(pid) for pid in pids)


def _post_all(port: int, token: str, path: Path, clients: int) -> tuple[int, float]:
    """POST every document (one per line of `path`) from `clients` threads; return events, s."""
    lines: queue.Queue[bytes | None] = queue.Queue(maxsize=clients * 4)
    totals: list[int] = []
    failures: list[str] = []

    def send() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
        count = 0
        while (body := lines.get()) is not None:
            connection.request("POST", "/epcis/capture", body=body, headers=headers)
            response = connection.getresponse()
            answer = json.loads(response.read())
            if response.status != 202:
                failures.append(f"{response.status}: {answer}")
                continue
            count += answer["storedCount"]
        totals.append(count)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    with path.open("rb") as source:
        for line in source:
            lines.put(line.rstrip(b"\n"))
    for _ in threads:
        lines.put(None)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} captures failed, first: {failures[0][:500]}")
    return sum(totals), elapsed


def _progress(figures: dict[str, float]) -> None:
    """Print figures as they come to stderr, so a long run shows where it is."""
    stamp = time.strftime("%H:%M:%S")
    print(
        stamp, json.dumps({k: round(v, 3) for k, v in figures.items()}), file=sys.stderr, flush=True
    )


def _evidence_figures(app: Any, batches: int) -> dict[str, float]:
    """Time load + trace + report of batch 0, then of every batch, as the evidence job runs.

    The job pauses the cyclic garbage collector around loading and around the report
    (`workers.gc_pause`); so does this. CPU seconds are given too: the machine is shared.
    """
    from sqlalchemy import select

    from server.adapters.db import db
    from server.adapters.models import Batch
    from server.core.evidence.report import build_report
    from server.core.evidence.trace import build_trace
    from server.services.batch_inputs import load_batch_inputs
    from server.services.gc_pause import gc_paused

    figures: dict[str, float] = {}
    with app.app_context():
        session = db.session
        ids = {lot: id_ for id_, lot in session.execute(select(Batch.id, Batch.lot))}
        big = session.get(Batch, ids[batch_lot(0)])
        assert big is not None
        marks = [(time.perf_counter(), time.process_time())]
        with gc_paused():
            inputs = load_batch_inputs(session, big)
        marks.append((time.perf_counter(), time.process_time()))
        with gc_paused():
            trace = build_trace(inputs)
        marks.append((time.perf_counter(), time.process_time()))
        with gc_paused():
            report = build_report(inputs)  # builds the trace again, then runs every check
        marks.append((time.perf_counter(), time.process_time()))
        wall = [b[0] - a[0] for a, b in pairwise(marks)]
        cpu = [b[1] - a[1] for a, b in pairwise(marks)]
        figures["big_batch_farms"] = float(len(trace.farm_ids))
        figures["big_batch_events"] = float(len(inputs.events))
        figures["big_batch_load_s"] = wall[0]
        figures["big_batch_trace_s"] = wall[1]
        figures["big_batch_report_s"] = wall[2]
        figures["big_batch_total_s"] = wall[0] + wall[2]
        figures["big_batch_total_cpu_s"] = cpu[0] + cpu[2]
        _progress(figures)
        assert report["trace"]["origins"], "batch 0 has no traced origin"
        del inputs, trace, report
        session.expunge_all()
        start, start_cpu = time.perf_counter(), time.process_time()
        for b in range(batches):
            batch = session.get(Batch, ids[batch_lot(b)])
            assert batch is not None
            with gc_paused():
                inputs = load_batch_inputs(session, batch)
            with gc_paused():
                build_report(inputs)
            session.expunge_all()  # as each job's own session: nothing kept between batches
            if (b + 1) % 100 == 0:
                _progress({"batches_done": b + 1, "seconds": time.perf_counter() - start})
        figures["all_batches_s"] = time.perf_counter() - start
        figures["all_batches_cpu_s"] = time.process_time() - start_cpu
        figures["all_batches_per_batch_s"] = figures["all_batches_s"] / batches
    return figures


def measure_one(
    size: ChainSize,
    *,
    clients: int,
    per_document: int,
    database_url: str | None,
    redis_url: str,
) -> dict[str, float]:
    """Return the figures of one size (run this in a fresh process for its peak memory)."""
    from redis import Redis

    from server.adapters.blobs import blob_store
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.services.brand_pack import load_pack
    from server.services.tokens import create_token
    from server.web import create_app

    Redis.from_url(redis_url).flushdb()
    figures: dict[str, float] = {"farms": float(size.farms), "batches": float(size.batches)}
    with tempfile.TemporaryDirectory() as folder, _postgres_schema(database_url) as schema:
        tmp = Path(folder)
        settings = _settings(tmp, database_url, schema, redis_url)
        app = create_app(dict(settings))
        upgrade(db.engine_for(app))
        pack = write_pack(tmp / "pack", size)
        events_path = tmp / "documents.ndjson"
        with events_path.open("w", encoding="utf-8") as out:
            for doc in documents(size, per_document):
                out.write(json.dumps(doc, separators=(",", ":")) + "\n")
        start = time.perf_counter()
        with app.app_context():
            load_pack(db.session, blob_store(app), pack)
            token = create_token(db.session, SLUG, "bench")[1]
            db.session.commit()
        figures["import_master_data_s"] = time.perf_counter() - start
        _progress(figures)
        with _statistics_kept(db.engine_for(app), every_s=1e9):
            pass  # the imported master data analysed, as autovacuum would after the import
        port = unused_port()
        load_before = os.getloadavg()[0]
        with _server(settings, port) as server, _statistics_kept(db.engine_for(app)):
            stored, seconds = _post_all(port, token, events_path, clients)
            figures["peak_rss_server_mb"] = _server_peak_rss_mb(server.pid)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures["events"] = float(stored)
        figures["capture_s"] = seconds
        figures["capture_events_per_s"] = stored / seconds
        figures["capture_cpu_server_s"] = children.ru_utime + children.ru_stime
        # Other work on the machine slows every figure: its 1-minute load, before and after.
        figures["load_average_before"] = load_before
        figures["load_average_after"] = os.getloadavg()[0]
        _progress(figures)
        figures.update(_evidence_figures(app, size.batches))
        db.engine_for(app).dispose()
    kb = 1024.0  # ru_maxrss is in kilobytes on Linux
    figures["peak_rss_bench_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kb
    return figures


def _run_in_child(size: ChainSize, args: argparse.Namespace) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "bench.bench_scale",
        "--one",
        json.dumps(asdict(size)),
        "--clients",
        str(args.clients),
        "--per-document",
        str(args.per_document),
        "--redis-url",
        args.redis_url,
    ]
    if args.database_url:
        command += ["--database-url", args.database_url]
    done = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def print_sizes(by_size: list[dict[str, float]]) -> None:
    """Print each figure at every size, and the growth from the first size to the last."""
    head = "".join(f"{'size ' + str(i + 1):>16}" for i in range(len(by_size)))
    print(f"{'figure':<30}{head}{'growth':>9}")
    for name in by_size[0]:
        unit = UNITS.get(name, "")
        cells = "".join(f"{f[name]:>13.3f}{unit:>3}" for f in by_size)
        first, last = by_size[0][name], by_size[-1][name]
        growth = f"{last / first:>9.2f}" if first and len(by_size) > 1 else ""
        print(f"{name:<30}{cells}{growth}")


def main(argv: list[str] | None = None) -> int:
    """Measure both sizes, print them side by side; save or compare the bigger one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser)
    parser.add_argument("--growth", type=int, default=2, help="second size = this x the first")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--per-document", type=int, default=1000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("ORIGINXR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
    )
    parser.add_argument("--save", type=Path, help="write the bigger size's figures here")
    parser.add_argument("--baseline", type=Path, help="figures from an earlier --save")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    options = {
        "clients": args.clients,
        "per_document": args.per_document,
        "database_url": args.database_url,
        "redis_url": args.redis_url,
    }
    if args.one:
        print(json.dumps(measure_one(ChainSize(**json.loads(args.one)), **options)))
        return 0
    first = size_from(args)
    sizes = [first]
    if args.growth > 1:
        g = args.growth
        sizes.append(
            ChainSize(first.farms * g, first.events * g, first.batches * g, first.big_batch_farms)
        )
    by_size = []
    for size in sizes:
        print(f"measuring {size} ...", file=sys.stderr, flush=True)
        by_size.append(_run_in_child(size, args))
    print_sizes(by_size)
    if args.baseline:
        print()
        print_table(by_size[-1], load_baseline(args.baseline), UNITS)
    save(args.save, by_size[-1], size=asdict(sizes[-1]), clients=args.clients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
