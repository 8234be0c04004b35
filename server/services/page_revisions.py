"""Where a page's inputs change: give the affected pages a new revision, then purge the CDN.

Called after the change is committed: a build's publish (`build_runner`), a theme or code
option change (`brand_settings`), a brand pack import, and every data change that asks for
a rebuild (`brand_changes.request_rebuild`, for the product pages). Redis down costs only
the cache: the entries keep their old stamp until their TTL (PAGE_STORE_SECONDS), and the
error is logged. The CDN purge is a job, so a slow CDN API never blocks the change.
"""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError

from server.adapters import page_store, queue
from server.adapters.config import settings
from server.core.page_revision import batch_gen_key, brand_gen_key, catalog_gen_key

log = logging.getLogger(__name__)


def _bump(redis: Redis, keys: list[str], surrogate_keys: list[str]) -> bool:
    try:
        page_store.bump(redis, keys)
        if settings().cdn_purge_url:
            queue.enqueue(redis, "purge_cdn", surrogate_keys, description="CDN purge")
    except RedisError as exc:
        # The change is committed; only the cache and the purge are lost (see above).
        log.warning("page revision not bumped for %s (%s)", surrogate_keys, exc)
        return False
    return True


def batch_published(redis: Redis, brand_id: int, batch_id: int, gtin: str, lot: str) -> bool:
    """Tell the page cache (and CDN) that a build of the batch was published."""
    return _bump(redis, [batch_gen_key(gtin, lot)], [f"batch-{batch_id}"])


def brand_changed(redis: Redis, brand_id: int) -> bool:
    """Tell the page cache (and CDN) that every page of the brand changed (theme, base URL)."""
    return _bump(redis, [brand_gen_key(brand_id), catalog_gen_key(brand_id)], [f"brand-{brand_id}"])


def catalog_changed(redis: Redis, brand_id: int) -> bool:
    """Tell the page cache (and CDN) that the brand's products or batches may have changed."""
    return _bump(redis, [catalog_gen_key(brand_id)], [f"catalog-{brand_id}"])
