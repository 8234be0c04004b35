"""The capture-trust job: judge kept capture credentials again under today's trust list."""

from __future__ import annotations

from flask import current_app

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.services.capture_trust import refresh_capture_trust as refresh
from server.services.snapshots import SnapshotLimits


def refresh_capture_trust(force: bool = False) -> dict[str, int]:
    """Judge the credentials not judged under the configured list; return what was found."""
    with current_app.app_context():
        anchors = SnapshotLimits.from_config(current_app.config).trust_anchors
        done = refresh(db.session, blob_store(current_app), anchors, force)
    return {"read": done.read, "changed": len(done.changed), "brands": len(done.brands)}
