"""The page cache on the request side: find a published answer in Redis, keep a new one.

Reads go through their own Redis client with a short timeout and no retries; a Redis error
turns the cache off for a few seconds (the page is then rendered as if uncached: fail
open) and is counted. One round trip on a hit: the generation tokens with the entry's meta
and the one body the client takes. What the lookup needs of the GTIN's brand (its id and
locales) is read from Redis the first time a process sees the GTIN, then kept in memory:
it is checked against the brand's token in that same round trip, so it is never trusted
stale.

A process also keeps the answers it served last in memory (PAGE_MEMORY_ENTRIES) and serves
one again without asking Redis for PAGE_REVALIDATE_SECONDS after its revision was checked:
a publish then shows in every process at most that long after its build is done (0 checks
on every request).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
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
BRANDS_IN_MEMORY = 10_000  # GTINs whose brand a process remembers (then it starts over)


def scope_key(brand_id: int, gtin: str, lot: str) -> str:
    """Return the generation key besides the brand's: the batch's, or (no lot) the catalog's."""
    return batch_gen_key(gtin, lot) if lot else catalog_gen_key(brand_id)


@dataclass
class PageCache:
    """The page cache of one app: its Redis client, limits and failure counters."""

    redis: Redis
    ttl: int
    max_entries: int
    revalidate_seconds: float = 0.0
    memory_entries: int = 256
    clock: Callable[[], float] = time.monotonic  # a test may turn it
    hits: int = 0
    memory_hits: int = 0
    misses: int = 0
    failures: int = 0
    _paused_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _brands: dict[str, BrandInfo] = field(default_factory=dict)
    _memory: OrderedDict[tuple[str, str], tuple[CachedPage, float]] = field(
        default_factory=OrderedDict
    )

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

    def brand_of(self, gtin: str) -> BrandInfo | None:
        """Return the GTIN's brand as last stored (None if unknown or the cache is off)."""
        if not self.available:
            return None
        known = self._brands.get(gtin)
        if known is not None:
            return known
        try:
            raw = page_store.read_value(self.redis, gtin_key(gtin))
        except RedisError as exc:
            self._failed(exc)
            return None
        try:
            info = BrandInfo.from_json(raw) if raw else None
        except (ValueError, KeyError, TypeError):
            return None  # a damaged value is a miss; the render stores a good one
        if info is not None:
            self._remember(gtin, info)
        return info

    def _remember(self, gtin: str, info: BrandInfo) -> None:
        with self._lock:
            if len(self._brands) >= BRANDS_IN_MEMORY:
                self._brands = {}
            self._brands[gtin] = info

    def find(
        self, info: BrandInfo, gtin: str, lot: str, entry: str, coding: str
    ) -> CachedPage | None:
        """Return the entry `entry` in `coding` (or identity) if its stamp is current."""
        if not self.available:
            return None
        remembered = self.remembered(entry, coding)
        if remembered is not None:
            return remembered
        now = self.clock()
        keys = [brand_gen_key(info.brand_id), scope_key(info.brand_id, gtin, lot)]
        try:
            found, meta, body = page_store.read_entry(self.redis, keys, entry, coding)
            brand_token, scope = token_text(found[0]), token_text(found[1])
            if brand_token != info.stamp:
                self._brands.pop(gtin, None)  # the brand changed: read it again next time
                self._miss()
                return None
            if meta is None:
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
            if self.revalidate_seconds > 0:
                self._memory[(entry, coding)] = (page, now)
                self._memory.move_to_end((entry, coding))
                while len(self._memory) > self.memory_entries:
                    self._memory.popitem(last=False)
        return page

    def remembered(self, entry: str, coding: str) -> CachedPage | None:
        """Return the entry kept in this process's memory if its revision was checked lately.

        No Redis: what `find` answers without a round trip (the WSGI fast path asks this).
        """
        kept = self._memory.get((entry, coding)) if self.available else None
        if kept is None or self.clock() - kept[1] >= self.revalidate_seconds:
            return None
        with self._lock:
            self.memory_hits += 1
        return kept[0]

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
            self._remember(gtin, info)
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
        revalidate_seconds=float(app.config["PAGE_REVALIDATE_SECONDS"]),
        memory_entries=int(app.config["PAGE_MEMORY_ENTRIES"]),
    )


def page_cache(app: Flask | None = None) -> PageCache:
    """Return the page cache of `app` (default: the current app)."""
    target = app or current_app
    found: PageCache = target.extensions["originxr.page_cache"]
    return found
