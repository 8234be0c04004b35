"""Scan aggregation: exact daily counts from a real RQ worker, once and only once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue
from sqlalchemy import select, text

from server.adapters.db import db
from server.adapters.models import Base, ScanCount, VisitorCount
from server.core.scans.records import BUFFER_KEY, CLAIMS_KEY, ScanRecord, encode
from server.services.scan_aggregation import apply_batch, claim
from server.services.scan_recorder import enqueue_aggregation
from tests.conftest import work_queue, worker_process

GTIN = "09520123100025"
FLAGGED = f"/01/{GTIN}/10/NK25-0227"
CLEAN = "/01/09520123100018/10/NK25-0120"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 Safari/604.1"
TABLET = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) Mobile/15E148 Safari/604.1"
QUEST = "Mozilla/5.0 (X11; Linux x86_64; Quest 3) OculusBrowser/33.0 Chrome/126.0 VR Safari/537.36"


def _counts(app: Flask) -> dict[tuple[Any, ...], int]:
    with app.app_context():
        rows = db.session.scalars(select(ScanCount)).all()
        return {(r.gtin, r.lot, r.locale, r.device_class, r.kind): r.count for r in rows}


def _visitors(app: Flask) -> dict[tuple[str, str], int]:
    with app.app_context():
        rows = db.session.scalars(select(VisitorCount)).all()
        return {(r.gtin, r.lot): r.visitors for r in rows}


def _view(app: Flask, path: str, ua: str, ip: str, lang: str = "en") -> None:
    client = app.test_client()
    headers = {"User-Agent": ua, "Accept-Language": lang}
    assert client.get(path, headers=headers, environ_base={"REMOTE_ADDR": ip}).status_code == 200


def _event(app: Flask, kind: str, ua: str, ip: str, locale: str = "en") -> None:
    client = app.test_client()
    data = {"uri": FLAGGED, "kind": kind, "locale": locale}
    response = client.post(
        "/api/scan-events", data=data, headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": ip}
    )
    assert response.status_code == 204


def test_a_worker_counts_views_and_events_exactly(app: Flask) -> None:
    _view(app, FLAGGED, PHONE, "198.51.100.1")
    _view(app, FLAGGED, PHONE, "198.51.100.1")  # the same visitor again
    _view(app, FLAGGED, PHONE, "198.51.100.2")
    _view(app, FLAGGED, TABLET, "198.51.100.3", "de")
    _view(app, CLEAN, QUEST, "198.51.100.4", "nl")
    _view(app, f"/01/{GTIN}", PHONE, "198.51.100.1")
    _event(app, "3d", PHONE, "198.51.100.1")
    _event(app, "3d", TABLET, "198.51.100.3", "de")
    _event(app, "xr", QUEST, "198.51.100.4")
    _event(app, "tour_complete", PHONE, "198.51.100.1")
    assert Queue("default", connection=Redis.from_url(app.config["REDIS_URL"])).count == 1
    work_queue(app, ("default",))
    assert _counts(app) == {
        (GTIN, "NK25-0227", "en", "phone", "scan"): 3,
        (GTIN, "NK25-0227", "de", "tablet", "scan"): 1,
        ("09520123100018", "NK25-0120", "nl", "headset", "scan"): 1,
        (GTIN, "", "en", "phone", "scan"): 1,
        (GTIN, "NK25-0227", "en", "phone", "3d"): 1,
        (GTIN, "NK25-0227", "de", "tablet", "3d"): 1,
        (GTIN, "NK25-0227", "en", "headset", "xr"): 1,
        (GTIN, "NK25-0227", "en", "phone", "tour_complete"): 1,
    }
    assert _visitors(app) == {
        (GTIN, "NK25-0227"): 4,  # .1, .2, .3 and the Quest's xr event from .4
        ("09520123100018", "NK25-0120"): 1,
        (GTIN, ""): 1,
        ("", ""): 4,
    }
    # more scans later the same day add up; the unique count grows only with new visitors
    _view(app, FLAGGED, PHONE, "198.51.100.1")
    _view(app, FLAGGED, PHONE, "198.51.100.9")
    work_queue(app, ("default",))
    assert _counts(app)[(GTIN, "NK25-0227", "en", "phone", "scan")] == 5
    assert _visitors(app)[("", "")] == 5


def test_no_ip_address_or_user_agent_reaches_the_database(app: Flask) -> None:
    ip, ua = "192.0.2.231", "Mozilla/5.0 (iPhone) Mobile/15E148 MarkerBrowser/7.7.7"
    _view(app, FLAGGED, ua, ip)
    _event(app, "3d", ua, ip)
    work_queue(app, ("default",))
    assert _counts(app)  # something was written ...
    with app.app_context():
        dump = []
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                dump.append(repr(tuple(row)))
        salt_keys = Redis.from_url(app.config["REDIS_URL"]).keys("originxr:scans:salt:*")
        salt = Redis.from_url(app.config["REDIS_URL"]).get(salt_keys[0])
    text_dump = "\n".join(dump)
    # ... and none of it is the address, the agent, or the salt that could re-link them
    for secret in (ip, "MarkerBrowser", "iPhone", salt.hex() if salt else "x"):
        assert secret not in text_dump


def _records(n: int, day: date) -> list[bytes]:
    kinds = ("scan", "scan", "3d", "xr", "tour_complete")
    return [
        encode(ScanRecord(1, GTIN, f"L{i % 7}", "en", "phone", kinds[i % 5], day, f"v{i % 50}"))
        for i in range(n)
    ]


def _expected(raw: list[bytes]) -> Counter[tuple[str, str]]:
    from server.core.scans.records import decode

    found: Counter[tuple[str, str]] = Counter()
    for item in raw:
        record = decode(item)
        assert record is not None
        found[(record.lot, record.kind)] += 1
    return found


def _stored(app: Flask) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for (_gtin, lot, _loc, _dev, kind), n in _counts(app).items():
        found[(lot, kind)] += n
    return found


def test_two_worker_processes_drain_a_large_buffer_exactly_once(app: Flask) -> None:
    redis = Redis.from_url(app.config["REDIS_URL"])
    raw = _records(5500, datetime.now(UTC).date())
    for start in range(0, len(raw), 1000):
        redis.rpush(BUFFER_KEY, *raw[start : start + 1000])
    for _ in range(4):
        enqueue_aggregation(redis)
    workers = [worker_process(app, "--burst", QUEUE_NAMES="default") for _ in range(2)]
    for process in workers:
        assert process.wait(timeout=120) == 0
    assert _stored(app) == _expected(raw)
    assert redis.llen(BUFFER_KEY) == 0 and redis.hlen(CLAIMS_KEY) == 0
    assert _visitors(app)[("", "")] == 50


def test_a_batch_claimed_by_a_dead_worker_is_counted_once_by_the_next(app: Flask) -> None:
    redis = Redis.from_url(app.config["REDIS_URL"])
    raw = _records(30, datetime.now(UTC).date())
    redis.rpush(BUFFER_KEY, *raw)
    with app.app_context():
        key, claimed = claim(redis, 20)  # ... and the worker dies here
    assert len(claimed) == 20 and redis.llen(BUFFER_KEY) == 10
    enqueue_aggregation(redis)
    work_queue(app, ("default",))
    assert sum(_stored(app).values()) == 10  # the claim is young: left to its owner
    redis.hset(CLAIMS_KEY, key, "0")  # now it is old (a dead owner)
    enqueue_aggregation(redis)
    work_queue(app, ("default",))
    assert _stored(app) == _expected(raw)
    assert redis.hlen(CLAIMS_KEY) == 0


def test_a_batch_applied_twice_is_counted_once(app: Flask) -> None:
    redis = Redis.from_url(app.config["REDIS_URL"])
    raw = _records(12, datetime.now(UTC).date())
    redis.rpush(BUFFER_KEY, *raw, b"garbage")
    with app.app_context():
        key, claimed = claim(redis, 100)
        assert apply_batch(redis, key, claimed) == (12, 1)
        # a worker that committed but died before releasing the claim: the redo is a no-op
        assert apply_batch(redis, key, claimed) == (0, 1)
        drains = db.session.execute(text("SELECT count(*) FROM scan_drains")).scalar()
    assert _stored(app) == _expected(raw)
    assert drains == 1


def test_a_starting_worker_drains_records_left_without_a_job(sqlite_app: Flask) -> None:
    redis = Redis.from_url(sqlite_app.config["REDIS_URL"])
    raw = _records(40, datetime.now(UTC).date())
    redis.rpush(BUFFER_KEY, *raw)  # e.g. Redis came back after the job itself was lost
    assert Queue("default", connection=redis).count == 0
    worker = worker_process(sqlite_app, "--burst", QUEUE_NAMES="default")
    assert worker.wait(timeout=60) == 0
    assert _stored(sqlite_app) == _expected(raw)
