"""Reality-snapshot ingest: validate an uploaded splat capture whole, store it, enqueue tiling.

The API route and ``originxr demo-snapshots`` both call `ingest_snapshot`, so a demo
capture goes through exactly the checks and storage a real upload does. Nothing is
stored — no blob file, no row — until the file has parsed completely and its capture
position has been found consistent with the site.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pyproj import Geod
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters import queue
from server.adapters.blobs import BlobStore, store_blob
from server.adapters.models import Site, Snapshot
from server.core.errors import InvalidSubmission, NotFound
from server.core.snapshot_meta import CaptureMeta
from server.core.splats import Gaussians, SplatFileError, decode_spz, read_ply
from server.services.capture_credentials import media_type_of, read_credentials
from server.services.capture_trust import trust_digest

MEDIA_TYPES = {"ply": "application/octet-stream", "spz": "model/x-spz"}
_SPZ_MAX_STRIDE = 9 + 1 + 3 + 3 + 4 + 45  # bytes per point at SH degree 3, SPZ v3
_SPZ_MAX_RATIO = 50  # real captures deflate ~1.3–4×; more than this is a bomb


@dataclass(frozen=True)
class SnapshotLimits:
    """What an upload must respect: the SNAPSHOT_* caps, and the CA certificates (PEM, from
    C2PA_TRUST_ANCHORS_PATH) that its capture credentials must chain to to be verified."""

    max_bytes: int
    max_splats: int
    max_distance_m: float
    trust_anchors: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SnapshotLimits:
        """Return the limits configured in `config` (the app's settings)."""
        anchors = config.get("C2PA_TRUST_ANCHORS_PATH")
        return cls(
            int(config["SNAPSHOT_MAX_BYTES"]),
            int(config["SNAPSHOT_MAX_SPLATS"]),
            float(config["SNAPSHOT_MAX_DISTANCE_M"]),
            Path(anchors).read_text() if anchors else None,
        )

    def max_inflated(self, compressed: int) -> int:
        """Return how far an SPZ of `compressed` bytes may inflate before it is refused."""
        by_header = 16 + self.max_splats * _SPZ_MAX_STRIDE
        return min(by_header, max(16 << 20, compressed * _SPZ_MAX_RATIO))


def parse_capture(data: bytes, limits: SnapshotLimits) -> tuple[str, Gaussians]:
    """Return the format (``ply`` or ``spz``) and splats of `data`; raise SplatFileError."""
    if data.startswith(b"ply"):
        fmt, splats = "ply", read_ply(data, limits.max_splats)
    elif data.startswith(b"\x1f\x8b"):
        inflated = limits.max_inflated(len(data))
        fmt, splats = "spz", decode_spz(data, limits.max_splats, inflated)
    else:
        raise SplatFileError(
            "not a splat capture: send a binary 3DGS .ply or a gzip-compressed .spz (v2 or v3)"
        )
    if len(splats) == 0:
        raise SplatFileError("the capture holds no splats")
    return fmt, splats


def site_by_key(session: Session, brand_id: int, key: str) -> Site:
    """Return the brand's site `key`; raise NotFound if it has none of that name."""
    site = session.scalars(select(Site).where(Site.brand_id == brand_id, Site.key == key)).first()
    if site is None:
        raise NotFound(f"No site {key!r} for this token's brand; GET /api/sites lists them.")
    return site


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the geodesic distance in metres between two WGS 84 positions."""
    return float(Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2])


def _check_position(site: Site, meta: CaptureMeta, limit: float) -> None:
    # A site without a recorded position cannot be checked; its snapshots are accepted.
    if site.lat is None or site.lon is None:
        return
    far = distance_m(site.lat, site.lon, meta.lat, meta.lon)
    if far > limit:
        raise InvalidSubmission(
            422,
            "Capture position too far from the site",
            f"The capture was taken {far:,.0f} m from site {site.key!r}; snapshots must be "
            f"taken within {limit:,.0f} m of their site. Check `lat` and `lon`.",
        )


def ingest_snapshot(
    session: Session,
    store: BlobStore,
    redis: Redis,
    site: Site,
    data: bytes,
    meta: CaptureMeta,
    limits: SnapshotLimits,
    credentials: bytes | None = None,
) -> Snapshot:
    """Validate capture `data` of `site`, then store it and enqueue its tiling.

    `credentials` is an optional image with an embedded C2PA manifest about the capture.
    Raise InvalidSubmission (413 over the size cap, 422 for a malformed or hostile file,
    a position too far from the site, or credentials that fail verification) before
    anything is stored.
    """
    if len(data) > limits.max_bytes:
        raise InvalidSubmission(
            413, "Capture too large", f"Snapshots are limited to {limits.max_bytes} bytes."
        )
    _check_position(site, meta, limits.max_distance_m)
    try:
        fmt, splats = parse_capture(data, limits)
    except SplatFileError as exc:
        raise InvalidSubmission(422, "Invalid splat file", f"{exc}; nothing was stored.") from exc
    verified = None
    if credentials:
        capture = hashlib.sha256(data).hexdigest()
        verified = read_credentials(credentials, capture, limits.trust_anchors)
    sha = store_blob(session, store, data, MEDIA_TYPES[fmt])
    if credentials and verified:
        image = store_blob(session, store, credentials, media_type_of(credentials))
        verified = replace(verified, image_sha256=image)
    snapshot = Snapshot(
        id=uuid.uuid4().hex,
        brand_id=site.brand_id,
        site_key=site.key,
        source_sha256=sha,
        format=fmt,
        splat_count=len(splats),
        sh_degree=splats.sh_degree,
        captured_on=meta.captured_on,
        lat=meta.lat,
        lon=meta.lon,
        device=meta.device,
        party=meta.party,
        consent=meta.consent,
        # Stamped with the list it was judged under: a refresh under the same list skips it.
        credentials=(
            dict(verified.as_json(), trust=trust_digest(limits.trust_anchors)) if verified else None
        ),
        status="queued",
        progress=0.0,
    )
    session.add(snapshot)
    session.commit()
    enqueue_tiling(session, redis, snapshot)
    return snapshot


def enqueue_tiling(session: Session, redis: Redis, snapshot: Snapshot) -> str:
    """Enqueue `tile_snapshot` for `snapshot` and record the job id; return it."""
    job_id = queue.enqueue(
        redis,
        "tile_snapshot",
        snapshot.id,
        job_id=f"snapshot-{snapshot.id}",
        description=f"tiling of snapshot {snapshot.id}",
    )
    snapshot.job_id = job_id
    session.commit()
    return job_id


def snapshot_state(snapshot: Snapshot) -> dict[str, Any]:
    """Return the JSON-able state of `snapshot`, as the API and progress messages show it."""
    done = snapshot.status == "done" and snapshot.tileset_sha256
    return {
        "id": snapshot.id,
        "site": snapshot.site_key,
        "status": snapshot.status,
        "progress": round(snapshot.progress, 3),
        "step": snapshot.step,
        "format": snapshot.format,
        "splats": snapshot.splat_count,
        "shDegree": snapshot.sh_degree,
        "capturedOn": snapshot.captured_on.isoformat(),
        "position": {"lat": snapshot.lat, "lon": snapshot.lon},
        "device": snapshot.device,
        "party": snapshot.party,
        "consent": snapshot.consent,
        "credentials": snapshot.credentials,
        "source": {"sha256": snapshot.source_sha256},
        "tileset": f"/blobs/{snapshot.tileset_sha256}" if done else None,
        "error": snapshot.error if snapshot.status == "failed" else None,
    }


def snapshot_channel(snapshot_id: str) -> str:
    """Return the Redis pub/sub channel carrying `snapshot_id`'s tiling progress."""
    return f"originxr:snapshots:{snapshot_id}"


def publish_snapshot(redis: Redis, snapshot: Snapshot) -> None:
    """Send `snapshot`'s state to whoever watches its channel (best effort)."""
    redis.publish(snapshot_channel(snapshot.id), json.dumps(snapshot_state(snapshot)))


def site_credentials(session: Session, brand_id: int) -> dict[str, dict[str, Any]]:
    """Return, per site key, its newest finished snapshot's credentials and capture date.

    The date is the uploader's (``captured_on``); the credentials, when sent, are the
    verified C2PA summary (`capture_credentials.Credentials`).
    """
    rows = session.scalars(
        select(Snapshot)
        .where(Snapshot.brand_id == brand_id, Snapshot.status == "done")
        .order_by(Snapshot.captured_on, Snapshot.created_at)
    )
    newest = {row.site_key: row for row in rows if row.tileset_sha256}
    return {
        key: dict(row.credentials or {}, captured_on=row.captured_on.isoformat())
        for key, row in newest.items()
    }


def site_tilesets(session: Session, brand_id: int) -> dict[str, str]:
    """Return, per site key, the tileset sha256 of the brand's newest finished snapshot."""
    rows = session.scalars(
        select(Snapshot)
        .where(Snapshot.brand_id == brand_id, Snapshot.status == "done")
        .order_by(Snapshot.captured_on, Snapshot.created_at)
    )
    return {row.site_key: row.tileset_sha256 for row in rows if row.tileset_sha256}
