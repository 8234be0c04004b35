"""Build progress over a WebSocket (flask-sock): state messages, then one "done"."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, Flask, abort
from flask_sock import Sock

from server.adapters.broker import broker
from server.adapters.config import settings
from server.adapters.db import db
from server.services.builds import progress_channel
from server.services.catalog import batch_by_id
from server.services.progress_states import build_states, builds_outcome, fresh_snapshot_state

bp = Blueprint("progress", __name__)
sock = Sock()
MAX_SECONDS = 600
CLOSE_GRACE_SECONDS = 5


@sock.route("/ws/builds/<int:batch_id>", bp=bp)
def batch_progress(ws: Any, batch_id: int) -> None:
    """Send each build's state as it changes; send ``{"type": "done"}`` when all are done."""
    batch = batch_by_id(db.session, batch_id)
    if batch is None:
        abort(404)
    pubsub = broker.redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(progress_channel(batch_id))
    poll = settings().ws_poll_seconds
    deadline = time.monotonic() + MAX_SECONDS
    sent: dict[str, dict[str, Any]] = {}
    try:
        while time.monotonic() < deadline:
            states = build_states(db.session, batch)
            for kind, state in states.items():
                if sent.get(kind) != state:
                    ws.send(json.dumps({"type": "state", **state}))
                    sent[kind] = state
            final = builds_outcome(states)
            if final:
                ws.send(json.dumps({"type": final}))
                # Let the client close first: closing from here can race the last message.
                ws.receive(timeout=CLOSE_GRACE_SECONDS)
                return
            # Wake on a worker's message, or re-read the rows after `poll` seconds anyway.
            pubsub.get_message(timeout=poll)
    finally:
        pubsub.close()


@sock.route("/ws/snapshots/<snapshot_id>", bp=bp)
def snapshot_progress(ws: Any, snapshot_id: str) -> None:
    """Send a snapshot's tiling state as it changes, to studio users of its brand only."""
    from server.services.snapshots import snapshot_channel
    from server.web.routes.studio_snapshots import watchable

    snapshot = watchable(snapshot_id)
    if snapshot is None:
        abort(404)
    pubsub = broker.redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(snapshot_channel(snapshot.id))
    poll = settings().ws_poll_seconds
    deadline = time.monotonic() + MAX_SECONDS
    sent: dict[str, Any] | None = None
    try:
        while time.monotonic() < deadline:
            state = fresh_snapshot_state(db.session, snapshot)
            if state != sent:
                ws.send(json.dumps({"type": "state", **state}))
                sent = state
            if snapshot.status in ("done", "failed"):
                ws.send(json.dumps({"type": snapshot.status}))
                ws.receive(timeout=CLOSE_GRACE_SECONDS)
                return
            pubsub.get_message(timeout=poll)
    finally:
        pubsub.close()


def init_app(app: Flask) -> None:
    """Attach flask-sock and the progress blueprint to `app`."""
    sock.init_app(app)
    app.register_blueprint(bp)
