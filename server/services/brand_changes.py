"""What follows a change of a brand's supply-chain data: a new revision, then rebuilds."""

from __future__ import annotations

from redis.exceptions import RedisError
from sqlalchemy import update
from sqlalchemy.orm import Session

from server.adapters.broker import broker
from server.adapters.config import settings
from server.adapters.models import Brand
from server.services import page_revisions
from server.services.builds import request_brand_rebuild


def bump_revision(session: Session, brand_id: int) -> None:
    """Make every build of the brand stale (call inside the transaction storing the change)."""
    session.execute(
        update(Brand).where(Brand.id == brand_id).values(data_revision=Brand.data_revision + 1)
    )


def request_rebuild(brand_id: int, batch_ids: set[int] | None = None) -> bool:
    """Ask for the brand's rebuilds with one coalesced job; return whether one was enqueued.

    `batch_ids` names the batches the change reached (`server.services.rebuild_scope`);
    None asks for every batch. Captures, uploads and studio changes come in bursts: one
    worker job enqueues the builds of the batches asked for meanwhile. With Redis down
    nothing is lost: the change is committed, the builds' fingerprints have changed, and
    the next page request enqueues them."""
    lease = settings().build_lease_seconds
    page_revisions.catalog_changed(broker.redis, brand_id)  # product pages list the batches
    try:
        return request_brand_rebuild(broker.redis, brand_id, lease, batch_ids)
    except RedisError:
        return False
