"""RQ entry point that turns a stored snapshot capture into published level-of-detail tiles.

The work, and what is published when, is in `server.services.snapshot_tiling`.
"""

from __future__ import annotations

from flask import current_app

from server.services import snapshot_tiling


def tile_snapshot(snapshot_id: str) -> str:
    """Tile snapshot `snapshot_id` (unless already done); return its tileset's sha256."""
    with current_app.app_context():
        return snapshot_tiling.tile_snapshot(snapshot_id)
