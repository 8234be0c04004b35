"""The build-progress WebSocket against a live server, a real worker and real Redis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import simple_websocket
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import Batch
from tests.conftest import LiveServer, load_demo, make_app, worker_process


def test_progress_messages_arrive_in_order_then_done(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any]
) -> None:
    app = make_app(tmp_path, redis_url, sqlite_only, BUILD_STEP_PAUSE=0.2, WS_POLL_SECONDS=0.5)
    load_demo(app)
    client = app.test_client()
    client.get("/01/09520123100025/10/NK25-0227")  # enqueues the builds
    with app.app_context():
        batch_id = db.session.scalars(select(Batch).where(Batch.lot == "NK25-0227")).one().id
    with LiveServer(app) as server:
        ws = simple_websocket.Client.connect(
            server.url.replace("http", "ws") + f"/ws/builds/{batch_id}"
        )
        worker = worker_process(app, "--burst", BUILD_STEP_PAUSE="0.2")
        messages = []
        try:
            while True:
                raw = ws.receive(timeout=60)
                assert raw is not None, f"no message within 60 s after {messages}"
                messages.append(json.loads(raw))
                if messages[-1]["type"] in ("done", "failed"):
                    break
        finally:
            ws.close()
            worker.wait(timeout=120)
    assert messages[-1]["type"] == "done"
    states = [m for m in messages if m["type"] == "state"]
    assert states[0]["status"] == "queued"
    for kind in ("evidence", "scene"):
        progress = [m["progress"] for m in states if m["kind"] == kind]
        assert progress == sorted(progress), f"{kind} progress went backwards: {progress}"
        assert [m for m in states if m["kind"] == kind][-1]["status"] == "done"
    assert any(m["status"] == "running" for m in states)


def test_unknown_batch_socket_is_refused(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any]
) -> None:
    app = make_app(tmp_path, redis_url, sqlite_only)
    with (
        LiveServer(app) as server,
        pytest.raises((simple_websocket.ConnectionError, simple_websocket.ConnectionClosed)),
    ):
        ws = simple_websocket.Client.connect(server.url.replace("http", "ws") + "/ws/builds/999")
        # The server answers 404 to the upgrade: the handshake or the first read fails.
        ws.receive(timeout=5)
