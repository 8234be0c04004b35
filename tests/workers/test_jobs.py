"""The build pipeline with real RQ workers: staleness, atomic publish, recovery after a kill."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import Batch, Build
from tests.conftest import load_demo, make_app, work_queue, worker_process

FLAGGED = "/01/09520123100025/10/NK25-0227"


def _builds(app: Flask) -> list[Build]:
    with app.app_context():
        return list(db.session.scalars(select(Build).order_by(Build.id)))


def test_builds_are_idempotent(sqlite_app: Flask) -> None:
    from workers.jobs import compute_evidence

    client = sqlite_app.test_client()
    client.get(FLAGGED)
    work_queue(sqlite_app)
    with sqlite_app.app_context():
        batch_id = db.session.scalars(select(Batch).where(Batch.lot == "NK25-0227")).one().id
        first = compute_evidence(batch_id)
        second = compute_evidence(batch_id)
    assert first == second
    assert len([b for b in _builds(sqlite_app) if b.batch_id == batch_id]) == 2


def test_data_change_makes_builds_stale_and_reenqueues(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any], copied_pack: Path
) -> None:
    app = make_app(tmp_path, redis_url, sqlite_only)
    load_demo(app, copied_pack)
    client = app.test_client()
    client.get(FLAGGED)
    work_queue(app)
    before = client.get(FLAGGED + "?linkType=gs1:sustainabilityInfo").get_json()
    assert {c["key"]: c["status"] for c in before["checks"]}["deforestation"] == "unknown"

    # The missing assessment of plot-21b arrives: the data revision changes.
    evidence = json.loads((copied_pack / "evidence.json").read_text())
    template = next(r for r in evidence["records"] if r["kind"] == "deforestation_assessment")
    added = json.loads(json.dumps(template))
    added["id"] = "ev-defor-plot-21b-late"
    added["subject"] = {"type": "plot", "id": "plot-21b"}
    evidence["records"].append(added)
    (copied_pack / "evidence.json").write_text(json.dumps(evidence))
    load_demo(app, copied_pack)
    from server.adapters.broker import broker
    from server.adapters.models import Brand
    from server.services.builds import enqueue_brand_builds

    with app.app_context():
        brand = db.session.scalars(select(Brand)).one()
        # The change itself enqueues every batch's rebuild (what `originxr load-brand` does).
        assert enqueue_brand_builds(db.session, broker.redis, brand, 60) == 6
        assert enqueue_brand_builds(db.session, broker.redis, brand, 60) == 0

    stale = client.get(FLAGGED)
    assert "being recomputed" in stale.get_data(as_text=True)  # old result shown, marked
    assert stale.headers["Cache-Control"] == "no-cache"
    from rq import Queue

    with app.app_context():
        assert Queue("builds", connection=broker.redis).count == 6
    work_queue(app)
    after = client.get(FLAGGED + "?linkType=gs1:sustainabilityInfo").get_json()
    statuses = {c["key"]: c["status"] for c in after["checks"]}
    assert statuses["deforestation"] == "ok"
    assert statuses["yield_plausibility"] == "warn"  # the real problem is still shown


def test_story_change_rebuilds_the_scene_but_not_the_evidence(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any], copied_pack: Path
) -> None:
    app = make_app(tmp_path, redis_url, sqlite_only)
    load_demo(app, copied_pack)
    client = app.test_client()
    client.get(FLAGGED)
    work_queue(app)
    story_path = copied_pack / "stories" / "en.json"
    story = json.loads(story_path.read_text())
    story["chapters"]["farms"]["title"] = "Forty family farms"
    story_path.write_text(json.dumps(story))
    load_demo(app, copied_pack)
    client.get(FLAGGED)
    work_queue(app)
    kinds = [(b.kind, b.status) for b in _builds(app)]
    # one evidence build; a second scene build, the first one retired (its blobs unserved)
    assert kinds.count(("evidence", "done")) == 1
    assert kinds.count(("scene", "done")) == 1 and kinds.count(("scene", "retired")) == 1
    assert "Forty family farms" in client.get(FLAGGED).get_data(as_text=True)


def test_worker_killed_mid_build_leaves_nothing_half_published_and_recovers(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any]
) -> None:
    app = make_app(tmp_path, redis_url, sqlite_only)
    load_demo(app)
    client = app.test_client()
    client.get(FLAGGED)
    worker = worker_process(app, BUILD_STEP_PAUSE="1.5")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            running = [b for b in _builds(app) if b.status == "running" and b.step != "start"]
            if running:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the worker never started a build")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    killed = [b for b in _builds(app) if b.status == "running"]
    assert killed and all(b.outputs == {} for b in killed)
    assert not [b for b in _builds(app) if b.status == "done" and b.kind == killed[0].kind]
    page = client.get(FLAGGED).get_data(as_text=True)
    assert "being computed" in page  # nothing half-built is shown

    restarted = worker_process(app, "--burst", capture=True, BUILD_STEP_PAUSE="0")
    output, _ = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, output.decode()
    assert b"re-enqueued 1 orphaned build" in output
    done = [b for b in _builds(app) if b.status == "done"]
    assert sorted(b.kind for b in done) == ["evidence", "scene"]
    assert all(b.attempts >= 1 for b in done)
    assert killed[0].id in {b.id for b in done}
    html = client.get(FLAGGED).get_data(as_text=True)
    assert 'id="check-yield_plausibility"' in html


def test_a_tiled_snapshot_reaches_the_scene_manifest(sqlite_app: Flask) -> None:
    from server.adapters.blobs import blob_store
    from server.adapters.broker import broker
    from server.services.demo_snapshots import add_demo_snapshots
    from server.services.snapshots import SnapshotLimits
    from workers.worker import run_worker

    client = sqlite_app.test_client()
    batch_uri = "/01/09520123100018/10/NK25-0120"  # its farms include farm-01
    client.get(batch_uri)
    work_queue(sqlite_app)
    with sqlite_app.app_context():
        add_demo_snapshots(
            db.session,
            blob_store(sqlite_app),
            broker.redis,
            "nkabom",
            SnapshotLimits.from_config(sqlite_app.config),
        )
        run_worker(sqlite_app, broker.redis, ["default"], burst=True)  # tiling
    work_queue(sqlite_app)  # the finished snapshots enqueued the scene rebuilds
    html = client.get(batch_uri).get_data(as_text=True)
    start = html.index('data-manifest-url="/blobs/') + len('data-manifest-url="/blobs/')
    manifest = json.loads(client.get("/blobs/" + html[start : start + 64]).data)
    sites = {s["site"] for s in manifest["snapshots"]}
    assert "farm-01" in sites
    # the tour's panels: each chapter's checks, and names translated on the server
    chapters = {c["key"]: c for c in manifest["chapters"]}
    assert "deforestation" in chapters["farms"]["checks"]
    assert manifest["labels"]["de"]["statuses"]["unknown"] == "Unbekannt"
    assert manifest["labels"]["fr"]["checks"]["deforestation"] != "Deforestation since 2020"
    for snapshot in manifest["snapshots"]:
        tileset = client.get(snapshot["tileset"])
        assert tileset.status_code == 200 and "root" in tileset.get_json()
