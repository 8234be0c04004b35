"""Request rate limits counted by Flask-Limiter in the app's own Redis (embedded or not).

One `Limiter` per app, made when the app is (never at import: tests make many apps, each on
its own Redis, and a limiter keeps its storage and its outage state). Counting is a fixed
window per bucket that starts at the bucket's first request, so the `Retry-After` of a
refused request is the time left of that window. Keys hold SHA-256 digests, never the
address or token itself. Redis is asked on a client of its own with a short timeout and no
retries.

Limits fail open: when Redis fails, Flask-Limiter logs it and switches to its in-memory
fallback, and while it is on that fallback every limit is exempt (`counting`), so requests
go through uncounted; Flask-Limiter asks Redis again after 1, 2, 4 … 32 seconds and counts
there once it answers. A Redis that is down or hung costs the API nothing but its limits,
and a hung one delays one request per retry by at most the timeout.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, current_app
from flask_limiter import Limiter
from limits.storage import MemoryStorage

from server.services.readiness import fail_fast_options

REDIS_TIMEOUT = 0.25
KEY_PREFIX = "originxr:rate"
_EXTENSION = "originxr.rate_limits"


def storage_uri(redis_url: str) -> str:
    """Return `redis_url` as a storage URI of `limits` (the embedded Redis's socket is
    ``unix://…`` for redis-py, ``redis+unix://…`` for `limits`)."""
    if redis_url.startswith("unix://"):
        return "redis+" + redis_url
    return redis_url


def digest(subject: str) -> str:
    """Return what a bucket is keyed by: a digest, so Redis never holds an address or a token."""
    return hashlib.sha256(subject.encode()).hexdigest()[:32]


def init_app(app: Flask) -> Limiter:
    """Give `app` a limiter on its Redis (call after the broker has set REDIS_URL)."""
    # Passed to redis-py's client as they are (the `limits` annotation knows only str and int).
    options: dict[str, Any] = {"key_prefix": KEY_PREFIX, **fail_fast_options(REDIS_TIMEOUT)}
    limiter = Limiter(
        key_func=lambda: "",  # every limit names its own key (`server.web.rate_limiting`)
        storage_uri=storage_uri(app.config["REDIS_URL"]),
        storage_options=options,
        strategy="fixed-window",
        in_memory_fallback_enabled=True,
        # An error past the fallback (a breach callback's) is logged, never a 500.
        swallow_errors=True,
        # The 429 carries its own Retry-After; X-RateLimit-* on every answer would be one
        # more Redis read a request.
        headers_enabled=False,
    )
    limiter.init_app(app)
    app.extensions[_EXTENSION] = limiter
    return limiter


def limiter(app: Flask | None = None) -> Limiter:
    """Return the limiter of `app` (default: the current app)."""
    found: Limiter = (app or current_app).extensions[_EXTENSION]
    return found


def counting(limiter: Limiter) -> bool:
    """Return whether `limiter` counts in Redis now (not on its fallback during an outage)."""
    # The fallback's own counts would be one process's view of a shared limit: failing open
    # is the documented behaviour, so while it is in use nothing is counted at all.
    return not isinstance(limiter.limiter.storage, MemoryStorage)
