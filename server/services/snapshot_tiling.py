"""Turn a stored snapshot capture into published level-of-detail tiles.

`tile_capture` computes the tiles and the tileset document from the capture's bytes;
`tile_snapshot` writes: the tiles and the tileset document go to the blob store first,
then one commit records their rows, ``status = "done"`` and the tileset's sha256 together,
so a reader sees either no tileset or a complete one. Tiling a done snapshot does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from server.adapters.blobs import BlobStore, blob_store, store_blob
from server.adapters.broker import broker
from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.models import Brand, Snapshot
from server.core.splats import build_tiles, rdf_to_rub
from server.services.builds import enqueue_brand_builds
from server.services.job_meta import record_job_step
from server.services.snapshots import MEDIA_TYPES, SnapshotLimits, parse_capture, publish_snapshot

TILE_CAP = 65536


@dataclass(frozen=True)
class Tiling:
    """What tiling a capture publishes: the SPZ tiles and the tileset document naming them."""

    tiles: list[bytes]
    document: bytes


def tile_snapshot(snapshot_id: str) -> str:
    """Tile snapshot `snapshot_id` (unless already done); return its tileset's sha256.

    A failure marks the snapshot failed with the error, leaves nothing published, and is
    raised again. Once done, the brand's scenes are rebuilt to show the new snapshot.
    """
    session = db.session
    snapshot = session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise LookupError(f"snapshot {snapshot_id} does not exist")
    if snapshot.status == "done" and snapshot.tileset_sha256:
        return snapshot.tileset_sha256
    snapshot.status, snapshot.error, snapshot.finished_at = "tiling", None, None
    _step(session, snapshot, "load", 0.0)
    store = blob_store()
    limits = SnapshotLimits.from_config(current_app.config)
    try:
        source = store.get(snapshot.source_sha256)
        tiling = tile_capture(snapshot, source, limits, lambda n, p: _step(session, snapshot, n, p))
        sha = _publish(session, store, snapshot, tiling)
    except Exception as exc:
        session.rollback()
        snapshot.status, snapshot.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        snapshot.finished_at = datetime.now(UTC)
        session.commit()
        publish_snapshot(broker.redis, snapshot)
        raise
    publish_snapshot(broker.redis, snapshot)
    brand = session.get(Brand, snapshot.brand_id)
    if brand is not None:
        lease = settings().build_lease_seconds
        enqueue_brand_builds(session, broker.redis, brand, lease)
    return sha


def tile_caps(splats: int) -> tuple[int, int]:
    """Return the leaf and root splat caps for a capture of `splats` splats.

    At most 64K per tile (what a phone draws at once with room to spare), and for small
    captures an eighth (leaves) and a quarter (root), so even a 20K-splat capture gets a
    pyramid the tour can stream coarse first, fine after.
    """
    return min(TILE_CAP, max(1024, splats // 8)), min(TILE_CAP, max(1024, splats // 4))


def tile_capture(
    snapshot: Snapshot,
    source: bytes,
    limits: SnapshotLimits,
    progress: Callable[[str, float], None],
) -> Tiling:
    """Parse capture `source` of `snapshot` and return its tiles and tileset document."""
    fmt, splats = parse_capture(source, limits)
    if fmt == "ply":  # 3DGS PLY files are RDF; SPZ, the tiles and three.js are RUB
        splats = rdf_to_rub(splats)
    progress("tiling", 0.2)
    leaf_cap, root_cap = tile_caps(len(splats))
    tileset = build_tiles(splats, max_splats_per_tile=leaf_cap, root_cap=root_cap)
    progress("publish", 0.8)
    document = tileset.to_json()
    _link(document["root"])
    document["snapshot"] = {
        "id": snapshot.id,
        "site": snapshot.site_key,
        "capturedOn": snapshot.captured_on.isoformat(),
        "source": {"sha256": snapshot.source_sha256, "format": fmt},
    }
    if snapshot.credentials:
        document["snapshot"]["credentials"] = snapshot.credentials
    text = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return Tiling([tile.content for tile in tileset.tiles], text)


def _step(session: Session, snapshot: Snapshot, name: str, progress: float) -> None:
    """Record and announce that tiling entered step `name` at `progress` (0–1)."""
    snapshot.step, snapshot.progress = name, progress
    session.commit()
    record_job_step(name, progress)
    publish_snapshot(broker.redis, snapshot)


def _publish(session: Session, store: BlobStore, snapshot: Snapshot, tiling: Tiling) -> str:
    """Store the tiles and the tileset, and mark `snapshot` done, in one commit."""
    for tile in tiling.tiles:
        store_blob(session, store, tile, MEDIA_TYPES["spz"])
    sha = store_blob(session, store, tiling.document, "application/json")
    snapshot.tileset_sha256 = sha
    snapshot.status, snapshot.progress, snapshot.step = "done", 1.0, "done"
    snapshot.finished_at = datetime.now(UTC)
    session.commit()  # the one commit that publishes the tiles
    return sha


def _link(node: dict[str, Any]) -> None:
    """Add each tile's blob URL beside its sha256, through the whole tree."""
    node["content"]["url"] = f"/blobs/{node['content']['sha256']}"
    for child in node["children"]:
        _link(child)
