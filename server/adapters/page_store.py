"""The page cache in Redis: entries (a hash of meta + one body per coding), generation tokens.

Every read is one pipelined round trip. Entries expire (a TTL) and their number is bounded:
each store adds the entry to a sorted set by time, and the oldest beyond `max_entries` are
dropped, so the cache's memory stays below `max_entries` × the largest entry. On a Redis of
its own, also set ``maxmemory`` with ``volatile-lru``: entries have a TTL, tokens do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from redis import Redis

from server.core.page_revision import INDEX_KEY, new_token

Value = bytes | str | None


def read_value(redis: Redis, key: str) -> Value:
    """Return the value at `key` (None when missing)."""
    value: Value = redis.get(key)
    return value


def read_entry(
    redis: Redis, tokens: Iterable[str], entry: str, coding: str
) -> tuple[list[Value], bytes | None, bytes | None]:
    """Return the tokens at `tokens`, and the entry's meta and `coding` body, in one round trip."""
    names = list(tokens)
    pipe = redis.pipeline(transaction=False)
    if names:
        pipe.mget(names)
    pipe.hmget(entry, ["meta", coding])
    answers = pipe.execute()
    meta, body = answers[-1]
    return (list(answers[0]) if names else []), meta, body


def tokens(redis: Redis, keys: Iterable[str]) -> list[Value]:
    """Return the generation tokens at `keys` (None when missing)."""
    names = list(keys)
    return list(redis.mget(names)) if names else []


def write_entry(
    redis: Redis,
    entry: str,
    meta: str,
    bodies: Mapping[str, bytes],
    ttl: int,
    max_entries: int,
    now: float,
) -> None:
    """Store an entry for `ttl` seconds, then drop the oldest beyond `max_entries`."""
    pipe = redis.pipeline(transaction=False)
    pipe.delete(entry)  # a coding the new body does not have must not survive
    fields: dict[str | bytes, str | bytes] = {"meta": meta}
    fields.update(bodies)
    pipe.hset(entry, mapping=fields)  # type: ignore[arg-type]
    pipe.expire(entry, ttl)
    pipe.zadd(INDEX_KEY, {entry: now})
    pipe.zcard(INDEX_KEY)
    count = pipe.execute()[-1]
    if int(count) > max_entries:
        oldest: list[tuple[bytes, float]] = redis.zpopmin(  # type: ignore[assignment]
            INDEX_KEY, int(count) - max_entries
        )
        if oldest:
            redis.delete(*[pair[0] for pair in oldest])


def write_value(redis: Redis, key: str, value: str, ttl: int) -> None:
    """Store a small value for `ttl` seconds."""
    redis.set(key, value, ex=ttl)


def bump(redis: Redis, keys: Iterable[str]) -> None:
    """Give each generation key a new token: entries stamped with the old one are out."""
    names = list(keys)
    if not names:
        return
    pipe = redis.pipeline(transaction=False)
    for name in names:
        pipe.set(name, new_token())
    pipe.execute()
