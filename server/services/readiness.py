"""Readiness: whether the database, Redis and the blob store answer, each within a short time.

A load balancer asks often and must get an answer even when a dependency hangs, so every
check runs in its own daemon thread and whatever has not answered by the deadline counts
as down. What went wrong is logged, not sent: the probe is reachable from outside.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, text

from server.adapters.blobs import BlobStore

log = logging.getLogger(__name__)

TIMEOUT = 2.0
# A name no blob has (not a sha256 of anything stored): asking for it costs one lookup.
PROBE_BLOB = "0" * 64

Check = Callable[[], object]


def fail_fast_options(timeout: float) -> dict[str, Any]:
    """Return redis-py client options that give up after `timeout` seconds, never retrying."""
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }


def fail_fast_redis(url: str, timeout: float) -> Redis:
    """Return a Redis client that gives up after `timeout` seconds and never retries."""
    return Redis.from_url(url, **fail_fast_options(timeout))


def database_check(engine: Engine) -> Check:
    """Return a check that runs ``SELECT 1`` on `engine`."""

    def check() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return check


def redis_check(url: str, timeout: float = TIMEOUT) -> Check:
    """Return a check that PINGs the Redis at `url` on a connection of its own."""

    def check() -> None:
        # A fresh connection each time: a pooled one may be left from before a restart.
        with fail_fast_redis(url, timeout) as client:
            client.ping()

    return check


def blob_check(store: BlobStore) -> Check:
    """Return a check that asks `store` whether it holds the probe name."""
    return lambda: store.exists(PROBE_BLOB)


def run_checks(checks: Mapping[str, Check], timeout: float = TIMEOUT) -> dict[str, str]:
    """Run `checks` side by side; return each one's status, ``ok`` or ``down``."""
    results: dict[str, str] = {}

    def run(name: str, check: Check) -> None:
        try:
            check()
        except Exception as exc:
            log.warning("readiness: %s is down (%s: %s)", name, type(exc).__name__, exc)
            results[name] = "down"
        else:
            results[name] = "ok"

    threads = [
        threading.Thread(target=run, args=item, name=f"readiness-{item[0]}", daemon=True)
        for item in checks.items()
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    for name in checks:
        if name not in results:
            log.warning("readiness: %s did not answer within %.1f s", name, timeout)
    return {name: results.get(name, "down") for name in checks}
