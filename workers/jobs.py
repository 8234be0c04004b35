"""RQ job entry points for the builds: thin functions taking ids; the work is in the services.

The worker process (``originxr worker``) creates the Flask app once and runs every job
inside a fresh app context, so jobs find the database and Redis through the app. Each
build reads top to bottom in `server.services.batch_builds`.
"""

from __future__ import annotations

from flask import current_app

from server.adapters.broker import broker
from server.adapters.config import settings
from server.adapters.db import db
from server.services import batch_builds
from server.services.builds import run_brand_rebuild


def rebuild_brand(brand_id: int) -> int:
    """Enqueue the current builds of every batch of the brand; return how many were enqueued."""
    with current_app.app_context():
        lease = settings().build_lease_seconds
        return run_brand_rebuild(db.session, broker.redis, brand_id, lease)


def compute_evidence(batch_id: int) -> dict[str, str]:
    """Build (or reuse) the evidence report of batch `batch_id`; return its output hashes."""
    with current_app.app_context():
        return batch_builds.build_evidence(batch_id)


def build_scene(batch_id: int) -> dict[str, str]:
    """Build (or reuse) the 3D scene of batch `batch_id`; return its output hashes."""
    with current_app.app_context():
        return batch_builds.build_scene(batch_id)
