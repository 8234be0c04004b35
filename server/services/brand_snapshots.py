"""A brand's reality snapshots as the studio lists them, and who may watch one's tiling."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Brand, Snapshot, User
from server.core.errors import NotFound
from server.services.accounts import access_to


def brand_snapshots(session: Session, brand_id: int) -> list[Snapshot]:
    """Return the brand's snapshots, newest first."""
    query = (
        select(Snapshot).where(Snapshot.brand_id == brand_id).order_by(Snapshot.created_at.desc())
    )
    return list(session.scalars(query))


def watchable_snapshot(session: Session, user: User | None, snapshot_id: str) -> Snapshot | None:
    """Return the snapshot `snapshot_id` if `user` has a role at its brand, else None."""
    snapshot = session.get(Snapshot, snapshot_id[:32])
    if user is None or snapshot is None:
        return None
    brand = session.get(Brand, snapshot.brand_id)
    try:
        access_to(session, user, brand.slug if brand else "")
    except NotFound:
        return None
    return snapshot
