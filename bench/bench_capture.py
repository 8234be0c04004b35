"""Capture over HTTP, this tree beside an earlier implementation, in the same run.

Run from the repository root::

    .venv/bin/python -m bench.bench_capture [--old-rev 0be0f5e] [--farms 2000 --events 20000
        --batches 20] [--rounds 2] [--clients 2] [--per-document 1000] [--in-process]
        [--database-url URL] [--redis-url URL]

The earlier implementation is `git archive` of ``--old-rev`` (default: main before the
second pass on capture cost) unpacked in a temporary folder. For each round, the old tree and
then this one each get a fresh database (SQLite in a temporary folder, or a schema of
``--database-url``'s PostgreSQL) with the synthetic chain's master data, and serve it with
gunicorn as the Procfile does; every document of the chain is POSTed to ``/epcis/capture``
from ``--clients`` threads (on PostgreSQL with autovacuum off, statistics are kept as
autovacuum would, `bench.bench_scale._statistics_kept`). It prints events/s and the server's
CPU (master and workers, from once the workers have booted) of each and their ratio.

``--in-process`` measures instead what does not depend on the machine's load: each tree, in
a child process (bench/capture_run.py), captures the same documents through the route with
Flask's test client, and the CPU time per event is printed stage by stage (reading the body,
validation, columns and hash, inserts, ...) with what it implies on two free cores. Nothing
is asserted about time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_scale import _post_all, _postgres_schema, _server, _settings, _statistics_kept
from bench.figures import unused_port
from bench.synthetic_chain import SLUG, add_size_arguments, documents, size_from, write_pack
from bench.trees import child_figures, export

ROOT = Path(__file__).resolve().parents[1]
# main before the second pass on capture cost (issue #13, item 3); `106e497` is the one before
# the bulk inserts and cached hash forms.
OLD_REV = "0be0f5e"
RUN = ROOT / "bench" / "capture_run.py"


def _tree_cpu(master: int) -> float:
    """Return the CPU seconds so far of the server's processes (master and workers)."""
    ticks = 0
    for stat in [Path(f"/proc/{master}/stat"), *Path("/proc").glob("[0-9]*/stat")]:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(master) or int(fields[1]) == master:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _workers(master: int) -> int:
    """Return how many processes the server's master has started."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            count += int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master
        except OSError:
            continue
    return count


def _settled_cpu(master: int, workers: int = 2) -> float:
    """Return the server's CPU seconds once its workers have booted (it stops growing).

    Flat for three half-seconds in a row, so that a worker the loaded machine left waiting
    a moment is not taken for one that has finished its imports.
    """
    last, flat = _tree_cpu(master), 0
    while flat < 3:
        time.sleep(0.5)
        now = _tree_cpu(master)
        flat = flat + 1 if now - last < 0.02 and _workers(master) >= workers else 0
        last = now
    return last


def main(argv: list[str] | None = None) -> int:
    """Capture the chain with the old tree and this one, alternating; print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser)
    parser.add_argument("--old-rev", default=OLD_REV)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--per-document", type=int, default=1000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--in-process", action="store_true", help="CPU per event by stage, no HTTP server"
    )
    parser.add_argument(
        "--wall-clock", action="store_true", help="with --in-process: wall-clock, not CPU"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("ORIGINXR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
    )
    args = parser.parse_args(argv)
    size = size_from(args)
    results: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        old_root = export(args.old_rev, tmp / "old")
        pack = write_pack(tmp / "pack", size)
        events_path = tmp / "documents.ndjson"
        with events_path.open("w", encoding="utf-8") as out:
            for doc in documents(size, args.per_document):
                out.write(json.dumps(doc, separators=(",", ":")) + "\n")
        if args.in_process:
            return _in_process(args, old_root, pack, events_path)
        for round_ in range(args.rounds):
            for name, root in (("old", old_root), ("new", ROOT)):
                print(f"round {round_ + 1}: {name} ...", file=sys.stderr, flush=True)
                results[name].append(_capture(root, args, pack, events_path))
    database = "PostgreSQL" if args.database_url else "SQLite"
    events = int(results["new"][0]["events"])
    print(f"capture over HTTP, {events} events of {size}, {database}, {args.clients} clients")
    print(f"{'figure':<24}{'old (' + args.old_rev + ')':>18}{'new':>12}{'new/old':>10}")
    figures = (
        ("events_per_s", "/s"),
        ("seconds", "s"),
        ("server_cpu_s", "s"),
        ("server_cpu_us_per_event", "µs"),
    )
    for figure, unit in figures:
        old = statistics.median(r[figure] for r in results["old"])
        new = statistics.median(r[figure] for r in results["new"])
        print(f"{figure:<24}{old:>15.1f}{unit:>3}{new:>10.1f}{unit:>3}{new / old:>9.2f}")
    return 0


def _run_in_process(tree: Path, args: argparse.Namespace, pack: Path, events: Path) -> dict:
    """Return the child's CPU figures for capturing `events` with the code in `tree`."""
    command = [sys.executable, str(RUN), str(pack), str(events), args.redis_url]
    return child_figures(
        command + ([args.database_url] if args.database_url else []),
        tree,
        BENCH_CAPTURE_WALL=str(int(args.wall_clock)),
    )


def _in_process(args: argparse.Namespace, old_root: Path, pack: Path, events: Path) -> int:
    """Capture in-process with each tree, alternating; print CPU µs per event by stage."""
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for round_ in range(args.rounds):
        for name, root in (("old", old_root), ("new", ROOT)):
            print(f"round {round_ + 1}: {name} in-process ...", file=sys.stderr, flush=True)
            runs[name].append(_run_in_process(root, args, pack, events))
    database = "PostgreSQL" if args.database_url else "SQLite"
    events_count = runs["new"][0]["events"]
    clock = "wall-clock" if args.wall_clock else "CPU"
    print(f"capture in-process (test client), {events_count} events, {database}: {clock} µs/event")
    print(f"{'stage':<38}{'old (' + args.old_rev + ')':>16}{'new':>10}")

    def median(name: str, stage: str | None) -> float | None:
        values = [
            r["us_per_event"] if stage is None else r["stages"].get(stage) for r in runs[name]
        ]
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    stages = list(dict.fromkeys(s for r in runs["old"] + runs["new"] for s in r["stages"]))
    for stage in [*stages, None]:
        old, new = median("old", stage), median("new", stage)
        shown = [f"{v:>10.1f}" if v is not None else f"{'-':>10}" for v in (old, new)]
        print(f"{stage or 'total':<38}{shown[0]:>16}{shown[1]}")
    old_total, new_total = median("old", None), median("new", None)
    assert old_total and new_total
    if not args.wall_clock:
        print(
            f"on 2 free cores, capture CPU alone: {2e6 / old_total:,.0f} events/s old, "
            f"{2e6 / new_total:,.0f} new (before HTTP parsing, the server and the clients' share)"
        )
    return 0


def _capture(root: Path, args: argparse.Namespace, pack: Path, events: Path) -> dict[str, float]:
    from redis import Redis

    from server.adapters.blobs import blob_store
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.services.brand_pack import load_pack
    from server.services.tokens import create_token
    from server.web import create_app

    Redis.from_url(args.redis_url).flushdb()
    with tempfile.TemporaryDirectory() as folder, _postgres_schema(args.database_url) as schema:
        settings = _settings(Path(folder), args.database_url, schema, args.redis_url)
        app = create_app(dict(settings))
        upgrade(db.engine_for(app))
        with app.app_context():
            load_pack(db.session, blob_store(app), pack)
            token = create_token(db.session, SLUG, "bench")[1]
            db.session.commit()
        port = unused_port()
        engine = db.engine_for(app)
        with _server(settings, port, root) as server, _statistics_kept(engine):
            # The workers' start (imports, the app) is not the capture's: counted from here.
            cpu_before = _settled_cpu(server.pid)
            stored, seconds = _post_all(port, token, events, args.clients)
            cpu = _tree_cpu(server.pid) - cpu_before
        engine.dispose()
        return {
            "events": float(stored),
            "seconds": seconds,
            "events_per_s": stored / seconds,
            "server_cpu_s": cpu,
            "server_cpu_us_per_event": cpu / stored * 1e6,
        }


if __name__ == "__main__":
    sys.exit(main())
