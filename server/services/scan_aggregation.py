"""Scan aggregation: drain the Redis buffer into daily counts, exactly once.

Records are claimed in batches: a Lua script moves up to `BATCH` of them from the buffer
to a processing list named by a fresh key and notes the claim's time. The batch is then
added to the counts in one transaction that also stores its key (`scan_drains`), and only
after the commit are the processing list and the claim removed. So a worker killed at any
point loses nothing (a claim older than `STALE_CLAIM_SECONDS` is taken over by the next
job) and counts nothing twice (a key already stored means "done", even if a slow worker
and its successor race). Unique visitors: each batch's hashes are added to per-day
HyperLogLogs in Redis (adding twice changes nothing) and the counts read back from them
are written, never lowering a stored one. The hashes themselves never leave Redis.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import cast

from redis import Redis

from server.adapters.db import db
from server.adapters.scan_store import add_counts, mark_applied, prune_drains, raise_visitor_counts
from server.core.scans.counts import ScopeKey, count_records, scope_key, visitor_scopes
from server.core.scans.records import (
    BUFFER_KEY,
    CLAIMS_KEY,
    PENDING_KEY,
    PROCESSING_PREFIX,
    VISITOR_SET_SECONDS,
    VISITORS_PREFIX,
    decode,
)
from server.services.scan_recorder import enqueue_aggregation

log = logging.getLogger(__name__)

BATCH = 1000
MAX_BATCHES = 50  # then hand over to a fresh job, so one job never runs for ever
STALE_CLAIM_SECONDS = 300
DRAIN_KEYS_KEPT = timedelta(days=7)

# KEYS: buffer, processing list, claims hash; ARGV: batch size, claim key, now.
_CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return items end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[2], unpack(items))
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
return items
"""
# KEYS: claims hash; ARGV: claim key, the claim time seen, now. Take over a stale claim once.
_TAKE_OVER = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
"""


def drain_scans(redis: Redis) -> dict[str, int]:
    """Drain buffered scan records into the daily counts; return how many were applied."""
    # Cleared first: a record pushed from now on enqueues a job of its own.
    redis.delete(PENDING_KEY)
    totals = {"records": 0, "batches": 0, "recovered": 0, "skipped": 0}
    for key in stale_claims(redis, time.time()):
        raw = cast("list[bytes]", redis.lrange(PROCESSING_PREFIX + key, 0, -1))
        _add(totals, apply_batch(redis, key, raw))
        totals["recovered"] += 1
    for _ in range(MAX_BATCHES):
        key, raw = claim(redis, BATCH)
        if not raw:
            break
        _add(totals, apply_batch(redis, key, raw))
    else:
        if redis.set(PENDING_KEY, b"1", nx=True, ex=60):
            enqueue_aggregation(redis)
    with db.transaction() as session:
        prune_drains(session, datetime.now(UTC) - DRAIN_KEYS_KEPT)
    return totals


def _add(totals: dict[str, int], applied: tuple[int, int]) -> None:
    records, skipped = applied
    totals["records"] += records
    totals["skipped"] += skipped
    totals["batches"] += 1


def claim(redis: Redis, size: int) -> tuple[str, list[bytes]]:
    """Move up to `size` records from the buffer to a new processing list; return both."""
    key = uuid.uuid4().hex
    keys = [BUFFER_KEY, PROCESSING_PREFIX + key, CLAIMS_KEY]
    raw = redis.eval(_CLAIM, 3, *keys, size, key, repr(time.time()))
    return key, list(raw)


def stale_claims(redis: Redis, now: float) -> list[str]:
    """Take over the claims older than STALE_CLAIM_SECONDS (workers that died); return keys."""
    taken = []
    for raw_key, raw_at in redis.hgetall(CLAIMS_KEY).items():
        try:
            claimed_at = float(raw_at)
        except ValueError:
            claimed_at = 0.0
        if now - claimed_at < STALE_CLAIM_SECONDS:
            continue
        key = raw_key.decode() if isinstance(raw_key, bytes) else raw_key
        if redis.eval(_TAKE_OVER, 1, CLAIMS_KEY, key, raw_at, repr(now)):
            taken.append(key)
    return taken


def apply_batch(redis: Redis, key: str, raw: list[bytes]) -> tuple[int, int]:
    """Add claimed batch `key` to the counts once; release it. Return (applied, skipped)."""
    records = [r for r in (decode(item) for item in raw) if r is not None]
    skipped = len(raw) - len(records)
    if skipped:
        log.warning("skipped %d unreadable scan record(s) in batch %s", skipped, key)
    scopes = visitor_scopes(records)
    visitors: dict[ScopeKey, int] = {}
    if scopes:
        pipe = redis.pipeline(transaction=False)
        for scope, hashes in scopes.items():
            name = VISITORS_PREFIX + scope_key(scope)
            pipe.pfadd(name, *sorted(hashes))
            pipe.expire(name, VISITOR_SET_SECONDS)
        pipe.execute()
        pipe = redis.pipeline(transaction=False)
        for scope in scopes:
            pipe.pfcount(VISITORS_PREFIX + scope_key(scope))
        visitors = dict(zip(scopes, pipe.execute(), strict=True))
    with db.transaction() as session:
        fresh = mark_applied(session, key)
        if fresh:
            add_counts(session, count_records(records))
            raise_visitor_counts(session, visitors)
    redis.delete(PROCESSING_PREFIX + key)
    redis.hdel(CLAIMS_KEY, key)
    return (len(records) if fresh else 0), skipped
