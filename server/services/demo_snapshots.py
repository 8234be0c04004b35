"""Demo reality snapshots for a brand's sites, pushed through the real ingest path.

One synthetic capture per scene kind — the first farm, cooperative, fermentary, warehouse,
port and factory — built by `server.core.splats.demo`, encoded as a real upload would be (the farm
as
an RDF 3DGS PLY, the others as SPZ) and handed to `ingest_snapshot` like an API upload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.blobs import BlobStore
from server.adapters.models import Brand, Site, Snapshot
from server.core.errors import NotFound
from server.core.snapshot_meta import CaptureMeta
from server.core.splats import encode_spz, rdf_to_rub, write_ply
from server.core.splats.demo import SCENES, demo_capture
from server.services.snapshots import SnapshotLimits, ingest_snapshot

CAPTURED_ON = date(2025, 2, 1)  # fixed, so the demo is the same on every run
DEVICE = "originxr demo generator (synthetic scene)"
CONSENT = "Synthetic scene: no people, no real property recorded."


@dataclass(frozen=True)
class DemoResult:
    """What happened to one site: its key, scene kind, snapshot id and whether it is new."""

    site: str
    kind: str
    snapshot: str
    created: bool


def demo_bytes(kind: str) -> bytes:
    """Return the upload bytes of the demo capture of `kind`."""
    splats = demo_capture(kind)
    if kind == "farm":  # a PLY as a phone app would export it: RDF frame
        return write_ply(rdf_to_rub(splats))
    return encode_spz(splats)


def add_demo_snapshots(
    session: Session, store: BlobStore, redis: Redis, slug: str, limits: SnapshotLimits
) -> list[DemoResult]:
    """Ingest a demo snapshot for the first site of each scene kind of brand `slug`.

    A site that already has a snapshot of the same demo bytes (not failed) is left alone,
    so running this again changes nothing.
    """
    brand = session.scalars(select(Brand).where(Brand.slug == slug)).first()
    if brand is None:
        raise NotFound(f"No brand {slug!r}; load its pack first (`originxr load-brand`).")
    results = []
    for kind in SCENES:
        site = session.scalars(
            select(Site).where(Site.brand_id == brand.id, Site.kind == kind).order_by(Site.key)
        ).first()
        if site is None or site.lat is None or site.lon is None:
            continue
        data = demo_bytes(kind)
        meta = CaptureMeta(CAPTURED_ON, site.lat, site.lon, DEVICE, brand.name, CONSENT)
        existing = _existing(session, brand.id, site.key, hashlib.sha256(data).hexdigest())
        if existing is not None:
            results.append(DemoResult(site.key, kind, existing.id, False))
            continue
        snapshot = ingest_snapshot(session, store, redis, site, data, meta, limits)
        results.append(DemoResult(site.key, kind, snapshot.id, True))
    return results


def _existing(session: Session, brand_id: int, site_key: str, sha: str) -> Snapshot | None:
    return session.scalars(
        select(Snapshot).where(
            Snapshot.brand_id == brand_id,
            Snapshot.site_key == site_key,
            Snapshot.source_sha256 == sha,
            Snapshot.status != "failed",
        )
    ).first()
