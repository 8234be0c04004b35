"""The page cache on the request side: find a published answer in Redis, keep a new one.

Reads go through their own Redis client with a short timeout and no retries; a Redis error
turns the cache off for a few seconds (the page is then rendered as if uncached: fail
open) and is counted. Two round trips on a hit: the GTIN's brand (and the batch's token),
then the other tokens with the entry's meta and the one body the client takes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app
from redis import Redis, RedisError

from server.adapters import page_store
from server.core.cached_page import CachedPage
from server.core.page_revision import (
    BrandInfo,
    Stamp,
    batch_gen_key,
    brand_gen_key,
    catalog_gen_key,
    gtin_key,
    token_text,
)
from server.services.readiness import fail_fast_redis

log = logging.getLogger(__name__)
PAUSE_AFTER_FAILURE = 5.0


def scope_key(brand_id: int, gtin: str, lot: str) -> str:
    """Return the generation key besides the brand's: the batch's, or (no lot) the catalog's."""
    return batch_gen_key(gtin, lot) if lot else catalog_gen_key(brand_id)


@dataclass
class PageCache:
    """The page cache of one app: its Redis client, limits and failure counters."""

    redis: Redis
    ttl: int
    max_entries: int
    hits: int = 0
    misses: int = 0
    failures: int = 0
    _paused_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def available(self) -> bool:
        """Tell whether the cache is on (not paused after a Redis failure)."""
        return time.monotonic() >= self._paused_until

    def _failed(self, exc: Exception) -> None:
        # Fail open: a Redis that is down or slow costs the page its cache, never an error.
        with self._lock:
            self.failures += 1
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        log.warning("page cache off for %.0f s (%s)", PAUSE_AFTER_FAILURE, exc)

    def brand_of(self, gtin: str, lot: str) -> tuple[BrandInfo | None, str]:
        """Return the GTIN's brand as last stored (None if unknown) and the batch's token."""
        if not self.available:
            return None, ""
        try:
            info, token = page_store.read_two(
                self.redis, gtin_key(gtin), batch_gen_key(gtin, lot) if lot else None
            )
        except RedisError as exc:
            self._failed(exc)
            return None, ""
        try:
            return (BrandInfo.from_json(info) if info else None), token_text(token)
        except (ValueError, KeyError, TypeError):
            return None, ""  # a damaged value is a miss; the render stores a good one

    def find(
        self, info: BrandInfo, batch_token: str, gtin: str, lot: str, entry: str, coding: str
    ) -> CachedPage | None:
        """Return the entry `entry` in `coding` (or identity) if its stamp is current."""
        if not self.available:
            return None
        keys = [brand_gen_key(info.brand_id)] + ([] if lot else [catalog_gen_key(info.brand_id)])
        try:
            found, meta, body = page_store.read_entry(self.redis, keys, entry, coding)
            brand_token = token_text(found[0])
            scope = batch_token if lot else token_text(found[1])
            if meta is None or brand_token != info.stamp:
                self._miss()
                return None
            page = CachedPage.from_stored(meta, coding, body)
            if page.stamp != Stamp(brand_token, scope).text():
                self._miss()
                return None
            if body is None and coding != "identity":
                _, _, body = page_store.read_entry(self.redis, [], entry, "identity")
                if body is None:
                    self._miss()
                return None
                page = CachedPage.from_stored(meta, "identity", body)
        except RedisError as exc:
            self._failed(exc)
            return None
        except (ValueError, KeyError, TypeError):
            self._miss()
            return None
        with self._lock:
            self.hits += 1
        return page

    def _miss(self) -> None:
        with self._lock:
            self.misses += 1

    def stamp(self, brand_id: int, gtin: str, lot: str) -> Stamp | None:
        """Return the tokens a render starting now is made under (None: do not keep it)."""
        if not self.available:
            return None
        try:
            brand, scope = page_store.tokens(
                self.redis, [brand_gen_key(brand_id), scope_key(brand_id, gtin, lot)]
            )
        except RedisError as exc:
            self._failed(exc)
            return None
        return Stamp(token_text(brand), token_text(scope))

    def keep(self, entry: str, page: CachedPage, gtin: str, info: BrandInfo) -> bool:
        """Store `page` at `entry` (and the GTIN's brand); return whether it was stored."""
        if not self.available:
            return False
        try:
            now = time.time()
            page_store.write_value(self.redis, gtin_key(gtin), info.to_json(), self.ttl)
            page_store.write_entry(
                self.redis, entry, page.meta_json(), page.bodies, self.ttl, self.max_entries, now
            )
        except RedisError as exc:
            self._failed(exc)
            return False
        return True


def init_app(app: Flask) -> None:
    """Give `app` its page cache (call after the broker has set REDIS_URL)."""
    client = fail_fast_redis(app.config["REDIS_URL"], float(app.config["SCAN_REDIS_TIMEOUT"]))
    app.extensions["originxr.page_cache"] = PageCache(
        redis=client,
        ttl=int(app.config["PAGE_STORE_SECONDS"]),
        max_entries=int(app.config["PAGE_STORE_MAX_ENTRIES"]),
    )


def page_cache(app: Flask | None = None) -> PageCache:
    """Return the page cache of `app` (default: the current app)."""
    target = app or current_app
    found: PageCache = target.extensions["originxr.page_cache"]
    return found
