"""Login rate limiting in Redis: failed sign-ins counted per account and per client address.

Counters are fixed windows (`WINDOW` seconds). An account is locked for the rest of its
window after `PER_ACCOUNT` failures, whoever tries; a client address after `PER_CLIENT`
failures over any accounts. Keys hold SHA-256 digests, never the address or e-mail itself,
and expire with their window. Unknown e-mails are counted exactly like known ones, so
the lockout message tells nothing about which accounts exist.
"""

from __future__ import annotations

import hashlib

from redis import Redis
from redis.exceptions import RedisError

WINDOW = 15 * 60
PER_ACCOUNT = 5
PER_CLIENT = 30
_PREFIX = "originxr:login:"


def _keys(email: str, client: str) -> tuple[str, str]:
    def digest(kind: str, value: str) -> str:
        return _PREFIX + kind + ":" + hashlib.sha256(value.encode()).hexdigest()[:32]

    return digest("account", email.strip().lower()), digest("client", client)


def locked(redis: Redis, email: str, client: str) -> bool:
    """Tell whether sign-in for `email` from `client` is refused for now."""
    account, address = _keys(email, client)
    try:
        counts = redis.mget([account, address])
    except RedisError:
        return False  # fail open: a Redis outage must not lock every editor out
    return int(counts[0] or 0) >= PER_ACCOUNT or int(counts[1] or 0) >= PER_CLIENT


def record_failure(redis: Redis, email: str, client: str) -> None:
    """Count one failed sign-in for `email` from `client`."""
    try:
        pipe = redis.pipeline()
        for key in _keys(email, client):
            pipe.incr(key)
            pipe.expire(key, WINDOW, nx=True)
        pipe.execute()
    except RedisError:
        return


def clear(redis: Redis, email: str, client: str) -> None:
    """Forget the failures of `email` (after a successful sign-in); the client's stay."""
    try:
        redis.delete(_keys(email, client)[0])
    except RedisError:
        return
