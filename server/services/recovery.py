"""Find builds whose worker died mid-way and put them back on the queue."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from server.adapters.broker import broker
from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.models import Build
from server.services.builds import enqueue


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def is_orphaned(row: Build, host: str, lease: timedelta, now: datetime) -> bool:
    """Tell whether running build `row` has nobody working on it any more."""
    worker_host, _, pid = (row.worker or "").rpartition(":")
    if worker_host == host and pid.isdigit() and not _process_alive(int(pid)):
        return True
    beat = row.heartbeat_at
    if beat is None:
        return True
    if beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return now - beat > lease


def recover_orphans(app: Flask) -> int:
    """Re-enqueue running builds whose worker is gone; return how many."""
    with app.app_context():
        session = db.session
        lease = timedelta(seconds=settings(app).build_lease_seconds)
        now = datetime.now(UTC)
        host = socket.gethostname()
        count = 0
        for row in session.scalars(select(Build).where(Build.status == "running")):
            if is_orphaned(row, host, lease, now):
                row.step = "requeued after worker loss"
                enqueue(session, broker.redis, row)
                count += 1
        return count
