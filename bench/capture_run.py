"""Capture the synthetic chain in-process and print its CPU cost per event, stage by stage.

Run by bench/bench_capture.py (``--in-process``) as a script with PYTHONPATH set to the tree
under test (this repository, or an export of an earlier commit), so that the same
measurement runs both implementations. Every document goes through the real route
(`app.test_client()`: Flask, the bearer token, the body, validation, storage, the commit),
into a fresh database with the chain's master data; nothing of HTTP or gunicorn is in it, so
the figure is the capture's own CPU, whatever else the machine runs. Each stage is the
CPU time of this thread (`time.thread_time`) spent inside the named functions, less the
time inside the other named functions they call; a name a tree does not have is left out
(its time counts in "rest"). The cyclic collector runs as in the server.

    PYTHONPATH=TREE python bench/capture_run.py PACK DOCUMENTS.ndjson REDIS_URL [DATABASE_URL]
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Thread CPU time; with BENCH_CAPTURE_WALL=1 (bench_capture --wall-clock) the wall clock, which
# also counts what the database server does while the capture waits for it.
CLOCK = time.perf_counter if os.environ.get("BENCH_CAPTURE_WALL") == "1" else time.thread_time
# (stage, module, attribute): where the capture of each tree calls what the stage does.
STAGES = (
    ("token", "server.web.routes.epcis_capture", "bearer_brand"),
    ("read the body", "server.web.routes.epcis_capture", "_body"),
    ("validate", "server.web.routes.epcis_capture", "validate_document"),
    ("columns and hash", "server.services.capture", "stored_columns"),
    ("columns and hash", "server.services.capture", "document_columns"),
    ("duplicate check", "server.services.capture", "known_hashes"),
    ("inserts", "server.services.capture", "insert_events"),
    ("reach (rebuild scope)", "server.services.capture", "batches_reached_by_events"),
    ("capture row, flush", "server.services.capture", "_store"),
    ("document blob", "server.adapters.blobs.local", "LocalBlobStore.put"),
    ("commit", "sqlalchemy.orm.session", "Session.commit"),
    ("status answer", "server.web.routes.epcis_capture", "capture_status"),
)


class _Timer:
    """Exclusive thread CPU time per stage: a stage called inside another is not counted twice."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self._stack: list[list[Any]] = []

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [stage, CLOCK(), 0.0]
            self._stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                self._stack.pop()
                elapsed = CLOCK() - frame[1]
                self.totals[stage] = self.totals.get(stage, 0.0) + elapsed - frame[2]
                if self._stack:
                    self._stack[-1][2] += elapsed

        timed.__wrapped__ = function  # type: ignore[attr-defined]
        return timed


def _patch(timer: _Timer) -> list[str]:
    """Wrap every stage's function this tree has; return the stages found."""
    found = []
    for stage, module_name, attribute in STAGES:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        if not hasattr(owner, name):
            continue
        setattr(owner, name, timer.wrap(stage, getattr(owner, name)))
        found.append(stage)
    return found


def main(pack: Path, documents: Path, redis_url: str, database_url: str | None) -> dict[str, Any]:
    """Capture every document of `documents` through the route; return CPU µs per event."""
    from redis import Redis

    from bench.bench_scale import _postgres_schema, _settings
    from bench.synthetic_chain import SLUG
    from server.adapters.blobs import blob_store
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.services.brand_pack import load_pack
    from server.services.tokens import create_token
    from server.web import create_app

    logging.disable(logging.INFO)
    Redis.from_url(redis_url).flushdb()
    bodies = documents.read_bytes().splitlines()
    with tempfile.TemporaryDirectory() as folder, _postgres_schema(database_url) as schema:
        settings = dict(_settings(Path(folder), database_url, schema, redis_url))
        settings["RATE_LIMIT_CAPTURE"] = 0  # the bench is one client sending all it has
        app = create_app(settings)
        upgrade(db.engine_for(app))
        with app.app_context():
            load_pack(db.session, blob_store(app), pack)
            token = create_token(db.session, SLUG, "bench")[1]
            db.session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
        timer = _Timer()
        found = _patch(timer)
        stored = 0
        cpu = 0.0
        for body in bodies:
            start = CLOCK()
            response = client.post("/epcis/capture", data=body, headers=headers)
            cpu += CLOCK() - start
            if response.status_code != 202:
                raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)}")
            stored += response.get_json()["storedCount"]
        db.engine_for(app).dispose()
    per_event = {stage: seconds / stored * 1e6 for stage, seconds in timer.totals.items()}
    per_event["rest (Flask, rate limits, ...)"] = cpu / stored * 1e6 - sum(per_event.values())
    return {
        "events": stored,
        "cpu_s": cpu,
        "us_per_event": cpu / stored * 1e6,
        "stages": per_event,
        "found": sorted(set(found)),
    }


if __name__ == "__main__":
    database = sys.argv[4] if len(sys.argv) > 4 else None
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], database)))
