"""Request rate limits in Redis: fixed windows counted per client address or bearer token.

The approach of the login throttle (`login_throttle.py`), for whole routes: each request
adds one to each of its buckets (INCR), the first request of a window sets the bucket's
expiry (EXPIRE NX), and a request over any bucket's limit is refused until that bucket
expires: its TTL is the `Retry-After`. Keys hold SHA-256 digests, never the address or
token itself. One pipelined round trip on a client of its own with a short timeout and no
retries; any Redis error lets the request through (logged), and counting then pauses for a
few seconds, so a Redis that is down or hung costs the API nothing but its limits.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError

from server.services.readiness import fail_fast_redis

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 0.25
PAUSE_AFTER_FAILURE = 5.0
_PREFIX = "originxr:rate:"
_EXTENSION = "originxr.rate_limits"


@dataclass(frozen=True)
class Bucket:
    """What one request is counted against: a scope (route group and kind) and a subject."""

    scope: str
    subject: str
    limit: int

    @property
    def key(self) -> str:
        """Return the Redis key: the scope and a digest of the subject."""
        return _PREFIX + self.scope + ":" + hashlib.sha256(self.subject.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Refusal:
    """The bucket a request went over, and how many seconds until its window ends."""

    bucket: Bucket
    retry_after: int


@dataclass
class RateLimiter:
    """Counts requests in Redis for one app; fails open."""

    redis: Redis
    failures: int = 0
    _paused_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, buckets: Sequence[Bucket], window: int) -> Refusal | None:
        """Count one request in every bucket with a limit; return the first one it exceeds."""
        active = [bucket for bucket in buckets if bucket.limit > 0]
        if not active or time.monotonic() < self._paused_until:
            return None
        try:
            pipe = self.redis.pipeline(transaction=False)
            for bucket in active:
                pipe.incr(bucket.key)
                pipe.expire(bucket.key, window, nx=True)
                pipe.ttl(bucket.key)
            results = pipe.execute()
        except RedisError as exc:
            # Fail open: an outage of the counters must not take the API down with it.
            with self._lock:
                self.failures += 1
                self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
            log.warning(
                "rate limits not counted (%s); letting requests through for %.0f s",
                exc,
                PAUSE_AFTER_FAILURE,
            )
            return None
        for index, bucket in enumerate(active):
            count, _, ttl = results[3 * index : 3 * index + 3]
            if int(count) > bucket.limit:
                # TTL is -1 only if the expiry was lost (a crash between the two commands):
                # the whole window is then the honest answer.
                return Refusal(bucket, int(ttl) if int(ttl) > 0 else window)
        return None


def init_app(app: Flask) -> None:
    """Give `app` a rate limiter on its Redis (call after the broker has set REDIS_URL)."""
    client = fail_fast_redis(app.config["REDIS_URL"], REDIS_TIMEOUT)
    app.extensions[_EXTENSION] = RateLimiter(client)


def limiter(app: Flask | None = None) -> RateLimiter:
    """Return the rate limiter of `app` (default: the current app)."""
    found: RateLimiter = (app or current_app).extensions[_EXTENSION]
    return found
