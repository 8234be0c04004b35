"""Recording scans: what a page view pushes to Redis, what it leaves out, and failing open."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from flask import Flask
from redis import Redis
from rq import Queue

from server.core.scans.records import BUFFER_KEY, PENDING_KEY, SALT_SECONDS, decode, salt_key
from server.services.scan_recorder import RecordInput, recorder
from tests.conftest import make_app, unused_port, work_queue

FLAGGED = "/01/09520123100025/10/NK25-0227"
PRODUCT = "/01/09520123100025"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
IP = "203.0.113.77"


def _buffer(app: Flask) -> list[bytes]:
    return list(Redis.from_url(app.config["REDIS_URL"]).lrange(BUFFER_KEY, 0, -1))


def test_a_page_view_pushes_one_record_without_ip_or_user_agent(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    headers = {"User-Agent": PHONE, "Accept-Language": "de"}
    response = client.get(FLAGGED, headers=headers, environ_base={"REMOTE_ADDR": IP})
    assert response.status_code == 200
    raw = _buffer(sqlite_app)
    assert len(raw) == 1
    assert IP.encode() not in raw[0] and b"iPhone" not in raw[0] and b"Mozilla" not in raw[0]
    record = decode(raw[0])
    assert record is not None
    assert (record.gtin, record.lot, record.locale, record.device, record.kind) == (
        "09520123100025",
        "NK25-0227",
        "de",
        "phone",
        "scan",
    )
    assert len(record.visitor) == 64


def test_the_product_page_is_recorded_with_an_empty_lot(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    assert client.get(PRODUCT, headers={"User-Agent": PHONE}).status_code == 200
    records = [decode(raw) for raw in _buffer(sqlite_app)]
    assert [(r.gtin, r.lot, r.kind) for r in records if r] == [("09520123100025", "", "scan")]


def test_head_bots_prefetches_and_non_page_answers_are_not_recorded(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    answers = [
        client.head(FLAGGED, headers={"User-Agent": PHONE}),
        client.get(FLAGGED, headers={"User-Agent": bot}),
        client.get(FLAGGED, headers={"User-Agent": ""}),
        client.get(FLAGGED, headers={"User-Agent": PHONE, "Sec-Purpose": "prefetch"}),
        client.get(FLAGGED, headers={"User-Agent": PHONE, "Sec-Purpose": "prefetch;prerender"}),
        client.get(FLAGGED, headers={"User-Agent": PHONE, "Purpose": "prefetch"}),
        client.get(FLAGGED, headers={"User-Agent": PHONE, "X-Purpose": "preview"}),
        client.get(FLAGGED, headers={"User-Agent": PHONE, "Originxr-Refresh": "swap"}),
        client.get(FLAGGED + "?linkType=linkset", headers={"User-Agent": PHONE}),
        client.get(FLAGGED + "?linkType=gs1:epcis", headers={"User-Agent": PHONE}),
        client.get("/01/09520123100025/10/NO-SUCH", headers={"User-Agent": PHONE}),
    ]
    assert [r.status_code for r in answers[:9]] == [200] * 9
    assert answers[10].status_code == 404
    assert _buffer(sqlite_app) == []
    # the same client, as a shopper, is counted: the filter above is what kept them out
    client.get(FLAGGED, headers={"User-Agent": PHONE})
    assert len(_buffer(sqlite_app)) == 1


def test_the_first_record_enqueues_one_aggregation_job_until_it_starts(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    redis = Redis.from_url(sqlite_app.config["REDIS_URL"])
    default = Queue("default", connection=redis)
    for _ in range(3):
        client.get(FLAGGED, headers={"User-Agent": PHONE})
    assert default.count == 1
    assert 0 < redis.ttl(PENDING_KEY) <= sqlite_app.config["SCAN_AGGREGATE_SECONDS"]
    work_queue(sqlite_app, ("default",))
    assert _buffer(sqlite_app) == [] and redis.exists(PENDING_KEY) == 0
    # a scan after the job started gets a job of its own
    client.get(FLAGGED, headers={"User-Agent": PHONE})
    assert default.count == 1


def test_the_daily_salt_rotates_and_expires(sqlite_app: Flask) -> None:
    rec = recorder(sqlite_app)
    redis = Redis.from_url(sqlite_app.config["REDIS_URL"])
    day1, day2 = date(2026, 3, 1), date(2026, 3, 2)

    def seen(day: date) -> str:
        item = RecordInput(1, "09520123100025", "L1", "en", "scan", day, IP, PHONE)
        return item.with_visitor(rec._salt(day)).visitor

    first = seen(day1)
    assert seen(day1) == first  # the same visitor is the same pseudonym all day
    second = seen(day2)
    assert second != first  # and a stranger the next day
    salt1, salt2 = redis.get(salt_key(day1)), redis.get(salt_key(day2))
    assert salt1 and salt2 and salt1 != salt2 and len(salt1) == 32
    assert 0 < redis.ttl(salt_key(day1)) <= SALT_SECONDS
    # another process (a fresh recorder) uses the salt already in Redis, not one of its own
    other = make_app(
        Path(sqlite_app.config["INSTANCE_PATH"]).parent / "other",
        sqlite_app.config["REDIS_URL"],
        {"DATABASE_URL": sqlite_app.config["DATABASE_URL"]},
    )
    assert recorder(other)._salt(day2) == salt2
    # without the salt (gone after 48 h) the hash cannot be made again
    redis.delete(salt_key(day1))
    recorder(other)._salts.clear()
    assert (
        RecordInput(1, "x", "", "en", "scan", day1, IP, PHONE)
        .with_visitor(recorder(other)._salt(day1))
        .visitor
        != first
    )


def test_pages_answer_when_redis_is_down_and_the_loss_is_counted(
    sqlite_app: Flask, tmp_path: Path
) -> None:
    # builds made while Redis was up: the page itself needs no Redis now
    sqlite_app.test_client().get(FLAGGED, headers={"User-Agent": PHONE})
    sqlite_app.test_client().get(PRODUCT, headers={"User-Agent": PHONE})
    work_queue(sqlite_app)
    down = make_app(
        tmp_path / "down",
        f"redis://127.0.0.1:{unused_port()}/0",
        {"DATABASE_URL": sqlite_app.config["DATABASE_URL"]},
        BLOB_PATH=sqlite_app.config["BLOB_PATH"],
    )
    client = down.test_client()
    first = client.get(FLAGGED, headers={"User-Agent": PHONE})
    assert first.status_code == 200 and b"NK25-0227" in first.data
    assert recorder(down).failures == 1 and recorder(down).recorded == 0
    # after a failure, recording pauses: the next views do not even try
    assert client.get(PRODUCT, headers={"User-Agent": PHONE}).status_code == 200
    event = client.post(
        "/api/scan-events", data={"uri": FLAGGED, "kind": "3d"}, headers={"User-Agent": PHONE}
    )
    assert event.status_code == 204
    assert recorder(down).failures == 1 and recorder(down).skipped == 2


def test_unreadable_records_are_rejected_by_decode() -> None:
    assert decode(b"not json") is None
    assert decode(json.dumps([1, "g", "l", "en", "phone", "hack", "2026-01-01", "v"])) is None
    assert decode(json.dumps([1, "g", "l", "en", "phone", "scan", "yesterday", "v"])) is None
    assert decode(json.dumps([1, "g"])) is None
    assert decode(json.dumps([1, "g", "l", "en", "phone", "3d", "2026-01-01", "v"])) is not None
