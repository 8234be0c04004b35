"""What a 1,000-event capture costs in rebuilds: every batch (before) or only those it reaches.

Run from the repository root::

    .venv/bin/python -m bench.bench_rebuilds [--farms 5000 --events 50000 --batches 50]
        [--new-events 1000] [--database-url URL] [--redis-url URL]

The synthetic chain (`bench.synthetic_chain`) is imported and captured in-process (the
capture service, no HTTP), into SQLite in a temporary folder or a schema of
``--database-url``'s PostgreSQL. Then a new document of ``--new-events`` harvests, at the
farms of the batches after the big one, is captured. Printed side by side: how many batches
go stale and what rebuilding their evidence costs (load + report, as the evidence job does
it) when every batch of the brand is rebuilt (before: each capture bumped the brand's
revision) and when only the batches the capture reaches are (now); and the time the capture
spends finding them. Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_scale import _postgres_schema, _settings
from bench.chain_capture import capture_chain
from bench.synthetic_chain import (
    OWN_STEP,
    ChainSize,
    add_size_arguments,
    document,
    documents,
    size_from,
)


def _new_harvests(size: ChainSize, count: int) -> list[dict[str, Any]]:
    """Return `count` new harvests: copies of the chain's, a day later, at the same farms."""
    first_small = size.farm_ranges()[1].start if size.batches > 1 else 0
    found: list[dict[str, Any]] = []
    for doc in documents(size):
        for event in doc["epcisBody"]["eventList"]:
            if event.get("bizStep") != OWN_STEP + "harvesting":
                continue
            farm = int(event["bizLocation"]["id"].rsplit(".", 2)[-2]) - 1
            if farm < first_small:
                continue  # leave the big batch alone: the capture is a small one elsewhere
            again = copy.deepcopy(event)
            when = datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))
            again["eventTime"] = (when + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            again["eventID"] = event["eventID"].replace("urn:uuid:0000", "urn:uuid:1111")
            found.append(again)
            if len(found) == count:
                return found
    return found


def _rebuild_seconds(app: Any, batch_ids: list[int]) -> float:
    """Return the seconds the evidence job's load + report take for `batch_ids`."""
    from server.adapters.db import db
    from server.adapters.models import Batch
    from server.core.evidence.report import build_report
    from server.services.batch_inputs import load_batch_inputs
    from server.services.gc_pause import gc_paused

    start = time.perf_counter()
    with app.app_context():
        for batch_id in batch_ids:
            batch = db.session.get(Batch, batch_id)
            assert batch is not None
            with gc_paused():
                build_report(load_batch_inputs(db.session, batch))
            db.session.expunge_all()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Build the chain, capture the new document, print the rebuilds before and after."""
    from sqlalchemy import select

    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.adapters.models import Batch
    from server.services import rebuild_scope
    from server.services.capture import capture_events, stored_columns
    from server.web import create_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser)
    parser.add_argument("--new-events", type=int, default=1000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("ORIGINXR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
    )
    args = parser.parse_args(argv)
    size = size_from(args)
    with tempfile.TemporaryDirectory() as folder, _postgres_schema(args.database_url) as schema:
        tmp = Path(folder)
        # Rebuild requests go to Redis (no worker takes them: the rebuilds are timed here).
        app = create_app(_settings(tmp, args.database_url, schema, args.redis_url))
        upgrade(db.engine_for(app))
        print(f"importing {size} ...", file=sys.stderr, flush=True)
        with app.app_context():
            brand_id = capture_chain(app, size, tmp)
            every = sorted(db.session.scalars(select(Batch.id)))
            new = document(_new_harvests(size, args.new_events))
            pairs = [(f"$[{j}]", e) for j, e in enumerate(new["epcisBody"]["eventList"])]
            revisions = select(Batch.id, Batch.data_revision)
            before = {batch_id: revision for batch_id, revision in db.session.execute(revisions)}
            start = time.perf_counter()
            capture = capture_events(
                db.session, brand_id, pairs, ("f" * 64, 1, "x"), new["@context"]
            )
            capture_s = time.perf_counter() - start
            after = {batch_id: revision for batch_id, revision in db.session.execute(revisions)}
            # The same search again, alone: what the capture spent finding the batches.
            columns = [stored_columns(e, new["@context"]) for _, e in pairs]
            start = time.perf_counter()
            rebuild_scope.batches_reached_by_events(db.session, brand_id, columns)
            reach_s = time.perf_counter() - start
        reached = sorted(b for b in every if after[b] != before[b])
        print("rebuilding ...", file=sys.stderr, flush=True)
        everything, only = _rebuild_seconds(app, every), _rebuild_seconds(app, reached)
        db.engine_for(app).dispose()
    print(f"a capture of {capture.stored_count} new events into {size}")
    print(f"{'':40}{'every batch (before)':>22}{'reached only (now)':>20}")
    print(f"{'batches whose evidence goes stale':40}{len(every):>22}{len(reached):>20}")
    print(f"{'their evidence rebuilt (load + report)':40}{everything:>21.2f}s{only:>19.2f}s")
    print(f"capture request {capture_s:.2f} s, of which finding the batches {reach_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
