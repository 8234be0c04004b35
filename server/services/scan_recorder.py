"""Record scans without slowing the scan: one pipelined Redis round trip, failing open.

Each consumer page view (and each beacon event of the page) becomes a `ScanRecord`
pushed onto a capped Redis list. The push uses its own Redis client with a short socket
timeout and no retries; any Redis error is swallowed, counted and logged, and recording
then pauses for a few seconds so that a Redis that is down costs the pages nothing.

The same round trip sets a "job pending" flag (SET NX EX); whoever sets it enqueues the
aggregation job on the "default" queue. The job clears the flag as it starts, so every
record is followed by a job that starts after it was pushed, and at most one job waits
in the queue at a time (one more per SCAN_AGGREGATE_SECONDS while no worker runs).
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import Flask, current_app, request
from redis import Redis, RedisError

from server.adapters import metrics, queue
from server.core.scans.devices import device_class as _device_class
from server.core.scans.devices import is_bot as _is_bot
from server.core.scans.records import (
    BUFFER_KEY,
    CLAIMS_KEY,
    PENDING_KEY,
    SALT_SECONDS,
    ScanRecord,
    encode,
    salt_key,
    visitor_hash,
)
from server.services.readiness import fail_fast_redis

log = logging.getLogger(__name__)

# The same few User-Agents come back scan after scan: read each once (the regexes are the
# cost of a record). Bounded, and the strings stay in process memory only.
is_bot = functools.lru_cache(maxsize=4096)(_is_bot)
device_class = functools.lru_cache(maxsize=4096)(_device_class)

PAUSE_AFTER_FAILURE = 5.0
VIEW_NOTE = "originxr.view"  # environ key: the view a request's answer counts
_PREFETCH_HEADERS = ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz")
# Sent by the page's own script when it fetches itself again (the build-progress swap in
# web/static/js/progress.js): the same shopper, already counted by the first answer.
REFRESH_HEADER = "Originxr-Refresh"
_NOT_A_VIEW_HEADERS = (*_PREFETCH_HEADERS, REFRESH_HEADER)


@dataclass
class ScanRecorder:
    """The recording side of scan analytics for one app (its Redis client and counters)."""

    redis: Redis
    buffer_max: int
    pending_seconds: int
    recorded: int = 0
    failures: int = 0
    skipped: int = 0
    _salts: dict[date, bytes] = field(default_factory=dict)
    _paused_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def paused(self) -> bool:
        """Tell whether recording is paused after a Redis failure (records are dropped)."""
        return time.monotonic() < self._paused_until

    def record(self, record_for: RecordInput) -> bool:
        """Push one record; return False when it was dropped (Redis down or slow)."""
        if self.paused:
            self.skip(1)
            return False
        return self.push([record_for])

    def skip(self, count: int) -> None:
        """Count `count` records dropped while recording is paused."""
        with self._lock:
            self.skipped += count
        metrics.scan_dropped("paused", count)

    def push(self, items: list[RecordInput], via: Redis | None = None) -> bool:
        """Push `items` in one round trip; return False when they were dropped (Redis failed).

        `via`: another client of the same Redis (the batcher's, with a longer timeout).
        """
        if not items:
            return True
        redis = via or self.redis
        try:
            encoded = [encode(item.with_visitor(self._salt(item.day, redis))) for item in items]
            pipe = redis.pipeline(transaction=False)
            pipe.rpush(BUFFER_KEY, *encoded)
            pipe.ltrim(BUFFER_KEY, -self.buffer_max, -1)
            pipe.set(PENDING_KEY, b"1", nx=True, ex=self.pending_seconds)
            fresh = pipe.execute()[2]
            if fresh:
                enqueue_aggregation(redis)
        except RedisError as exc:
            # Fail open: analytics must never break or delay the page; the loss is counted.
            with self._lock:
                self.failures += 1
                self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
            log.warning(
                "%d scan record(s) not recorded (%s); pausing for %.0f s",
                len(items),
                exc,
                PAUSE_AFTER_FAILURE,
            )
            metrics.scan_dropped("redis_error", len(items))
            return False
        with self._lock:
            self.recorded += len(items)
        metrics.scan_recorded(len(items))
        return True

    def _salt(self, day: date, redis: Redis | None = None) -> bytes:
        """Return `day`'s salt: made once by whichever process asks first, kept 48 h in Redis."""
        cached = self._salts.get(day)
        if cached is not None:
            return cached
        pipe = (redis or self.redis).pipeline(transaction=False)
        pipe.set(salt_key(day), secrets.token_bytes(32), nx=True, ex=SALT_SECONDS)
        pipe.get(salt_key(day))
        salt = pipe.execute()[1]
        with self._lock:
            self._salts = {day: salt}  # only today's: an old salt is not kept in memory
        return bytes(salt)


@dataclass(frozen=True)
class RecordInput:
    """A record before its visitor hash: the IP address and UA are used once, then dropped."""

    brand_id: int
    gtin: str
    lot: str
    locale: str
    kind: str
    day: date
    ip: str
    user_agent: str

    def with_visitor(self, salt: bytes) -> ScanRecord:
        """Return the stored form: device class and hash instead of the UA and IP."""
        return ScanRecord(
            brand_id=self.brand_id,
            gtin=self.gtin,
            lot=self.lot,
            locale=self.locale,
            device=device_class(self.user_agent),
            kind=self.kind,
            day=self.day,
            visitor=visitor_hash(salt, self.ip, self.user_agent),
        )


def init_app(app: Flask) -> None:
    """Give `app` a recorder on its Redis (call after the broker has set REDIS_URL)."""
    client = fail_fast_redis(app.config["REDIS_URL"], float(app.config["SCAN_REDIS_TIMEOUT"]))
    app.extensions["originxr.scans"] = ScanRecorder(
        redis=client,
        buffer_max=int(app.config["SCAN_BUFFER_MAX"]),
        pending_seconds=int(app.config["SCAN_AGGREGATE_SECONDS"]),
    )


def recorder(app: Flask | None = None) -> ScanRecorder:
    """Return the recorder of `app` (default: the current app)."""
    target = app or current_app
    found: ScanRecorder = target.extensions["originxr.scans"]
    return found


def enqueue_aggregation(redis: Redis) -> None:
    """Enqueue one aggregation job on the "default" queue."""
    queue.enqueue(redis, "aggregate_scans", description="scan counts")


def pending_scans(redis: Redis) -> int:
    """Return the buffered records plus the unfinished claims: non-zero means work to do."""
    pipe = redis.pipeline(transaction=False)
    pipe.llen(BUFFER_KEY)
    pipe.hlen(CLAIMS_KEY)
    waiting, claims = pipe.execute()
    return int(waiting) + int(claims)


def countable(method: str, user_agent: str, headers: dict[str, str]) -> bool:
    """Tell whether a request is a shopper's: GET (page) or POST (beacon), no bot, no prefetch.

    HEAD is not a view; prefetches and prerenders (Sec-Purpose, Purpose, X-Purpose,
    X-Moz) are left out even if the page is later shown, since most never are; so is the
    page's own refresh (Originxr-Refresh) of a page already counted.
    """
    if method not in ("GET", "POST") or is_bot(user_agent) or headers.get(REFRESH_HEADER):
        return False
    values = " ".join(headers.get(h, "") for h in _PREFETCH_HEADERS).lower()
    return not any(word in values for word in ("prefetch", "preview", "prerender"))


def view_of(
    brand_id: int,
    gtin: str,
    lot: str,
    locale: str,
    kind: str,
    *,
    method: str,
    ip: str,
    header: Callable[[str], str],
) -> RecordInput | None:
    """Return the record of a request (`header` reads its headers), None if not a shopper's."""
    user_agent = header("User-Agent")
    headers = {h: header(h) for h in _NOT_A_VIEW_HEADERS}
    if not countable(method, user_agent, headers):
        return None
    return RecordInput(
        brand_id=brand_id,
        gtin=gtin,
        lot=lot,
        locale=locale,
        kind=kind,
        day=datetime.now(UTC).date(),
        ip=ip,
        user_agent=user_agent,
    )


def record_view(brand_id: int, gtin: str, lot: str, locale: str, kind: str = "scan") -> bool:
    """Record this request as a scan (or client event) if it is a shopper's; fail open.

    Leaves what it would count in the environ (`VIEW_NOTE`): the WSGI fast path in front
    counts the next requests for the same answer the same way.
    """
    request.environ[VIEW_NOTE] = (brand_id, gtin, lot, locale, kind)
    item = view_of(
        brand_id,
        gtin,
        lot,
        locale,
        kind,
        method=request.method,
        ip=request.remote_addr or "",
        header=lambda name: request.headers.get(name, ""),
    )
    return recorder().record(item) if item is not None else False
