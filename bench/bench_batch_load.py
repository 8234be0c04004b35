"""Time loading a big batch's evidence inputs from the database, this tree beside an earlier one.

Run from the repository root::

    .venv/bin/python -m bench.bench_batch_load [--farms 10000 --events 107000 --batches 1
        --big-batch-farms 10000] [--old-rev HEAD] [--rounds 3] [--repeat 2]
        [--database-url URL] [--redis-url URL]

The synthetic chain (`bench.synthetic_chain`) is imported with the real brand-pack loader
and its events captured in-process through the capture service (no HTTP), into SQLite in a
temporary folder or a schema of ``--database-url``'s PostgreSQL (dropped after). Then, for
each round, a fresh child process per tree loads batch 0's inputs with
`server.services.batch_inputs.load_batch_inputs` (the collector paused, as the evidence job
runs it) ``--repeat`` times: the tree of ``--old-rev`` (``git archive`` of its server/, no
checkout) and this one, alternating, on the same database. Printed: wall-clock and CPU
seconds of the first and the best load, the child's peak RSS and how much the load added to
it, and whether both trees loaded equal inputs (the SHA-256 of their ``repr``: event order,
dict order and number types included). Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):
    # Run as a file (the child): the tree under test comes first on PYTHONPATH, so the
    # repository root goes last, for `bench` only.
    sys.path.append(str(ROOT))

from bench.trees import child_figures, export  # noqa: E402  (after the path, as a file)


def _rss_mb() -> float:
    """Return this process's resident set size now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def child(settings: dict[str, str], lot: str, repeat: int) -> dict[str, Any]:
    """Load the batch `lot` `repeat` times with the `server` on sys.path; return its figures."""
    from sqlalchemy import select

    from server.adapters.db import db
    from server.adapters.models import Batch
    from server.services.batch_inputs import load_batch_inputs
    from server.services.gc_pause import gc_paused
    from server.web import create_app

    app = create_app(dict(settings))
    walls, cpus = [], []
    digest = ""
    with app.app_context():
        session = db.session
        batch_id = session.scalars(select(Batch.id).where(Batch.lot == lot)).one()
        before_mb = _rss_mb()
        for attempt in range(repeat):
            batch = session.get(Batch, batch_id)
            assert batch is not None
            wall, cpu = time.perf_counter(), time.process_time()
            with gc_paused():
                inputs = load_batch_inputs(session, batch)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            if attempt == 0:
                peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
                digest = hashlib.sha256(repr(inputs).encode()).hexdigest()
                events = len(inputs.events)
            del inputs
            session.expunge_all()  # as each job's own session: nothing kept between loads
    db.engine_for(app).dispose()
    return {
        "events": events,
        "sha256": digest,
        "first_s": walls[0],
        "first_cpu_s": cpus[0],
        "best_s": min(walls),
        "best_cpu_s": min(cpus),
        "peak_rss_mb": peak_mb,
        "load_added_mb": peak_mb - before_mb,
    }


def _run_child(tree: Path, settings: dict[str, str], lot: str, repeat: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(settings)]
    return child_figures([*command, lot, str(repeat)], tree)


def _build(settings: dict[str, str], size: Any, tmp: Path) -> None:
    """Import the chain's brand pack and capture its events, as bench_rebuilds does."""
    from bench.bench_scale import _statistics_kept
    from bench.chain_capture import capture_chain
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.web import create_app

    app = create_app(dict(settings))
    engine = db.engine_for(app)
    upgrade(engine)
    with app.app_context():
        capture_chain(app, size, tmp)
    with _statistics_kept(engine, every_s=1e9):
        pass  # analysed once, as autovacuum would after the load
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Build the chain's database, load its big batch with both trees, print both."""
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        settings, lot, repeat = json.loads(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        print(json.dumps(child(settings, lot, repeat)))
        return 0
    from redis import Redis

    from bench.bench_scale import _postgres_schema, _settings
    from bench.synthetic_chain import add_size_arguments, batch_lot, size_from

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser)
    parser.set_defaults(farms=10_000, events=107_000, batches=1, big_batch_farms=10_000)
    parser.add_argument("--old-rev", default="HEAD", help="the earlier implementation's commit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2, help="loads per child process")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("ORIGINXR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
    )
    args = parser.parse_args(argv)
    size = size_from(args)
    Redis.from_url(args.redis_url).flushdb()  # the captures' rebuild requests land there
    results: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as folder, _postgres_schema(args.database_url) as schema:
        tmp = Path(folder)
        settings = _settings(tmp, args.database_url, schema, args.redis_url)
        print(f"building {size} ...", file=sys.stderr, flush=True)
        _build(settings, size, tmp)
        old_tree = export(args.old_rev, tmp / "old", "server")
        for round_ in range(args.rounds):
            for name, tree in (("old", old_tree), ("new", ROOT)):
                print(f"round {round_ + 1}: {name} ...", file=sys.stderr, flush=True)
                results[name].append(_run_child(tree, settings, batch_lot(0), args.repeat))
        Redis.from_url(args.redis_url).flushdb()
    database = "PostgreSQL" if args.database_url else "SQLite"
    events = results["new"][0]["events"]
    print(f"loading batch 0's inputs ({events} events) of {size}, {database}")
    print(f"medians of {args.rounds} child processes, {args.repeat} loads each")
    print(f"{'figure':<20}{'old (' + args.old_rev + ')':>16}{'new':>12}{'new/old':>9}")
    for figure in ("first_s", "first_cpu_s", "best_s", "best_cpu_s"):
        _row(figure, results, "s")
    for figure in ("peak_rss_mb", "load_added_mb"):
        _row(figure, results, "MB")
    hashes = {r["sha256"] for r in results["old"] + results["new"]}
    counts = {r["events"] for r in results["old"] + results["new"]}
    print(f"inputs equal (old and new, every round): {len(hashes) == 1 and len(counts) == 1}")
    return 0 if len(hashes) == 1 else 1


def _row(figure: str, results: dict[str, list[dict[str, Any]]], unit: str) -> None:
    old = statistics.median(r[figure] for r in results["old"])
    new = statistics.median(r[figure] for r in results["new"])
    ratio = f"{new / old:>9.2f}" if old else f"{'':>9}"
    print(f"{figure:<20}{old:>13.2f}{unit:>3}{new:>9.2f}{unit:>3}{ratio}")


if __name__ == "__main__":
    sys.exit(main())
