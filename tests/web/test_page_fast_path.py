"""The WSGI fast path in front of Flask: the same answers as the Flask path, from memory.

Real Redis, SQLite and RQ workers; the app's test client goes through the fast path, a
werkzeug client on the Flask app behind it (`fast.inner`) is the Flask path. The page
cache's clock is turned by hand (no sleeps): an entry is fresh until it is moved past
PAGE_REVALIDATE_SECONDS.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from redis import Redis
from sqlalchemy import func, select
from werkzeug.test import Client, TestResponse

from server.adapters.db import db
from server.adapters.models import Brand, ScanCount
from server.services.page_cache import page_cache
from server.services.scan_recorder import recorder
from server.web.page_fast_path import PageFastPath, fast_path
from tests.conftest import REDIS_URL, built_demo_app, make_app, unused_port, work_queue

PAGE = "/01/09520123100025/10/NK25-0227"
PRODUCT = "/01/09520123100025"
SUMMARY = "/api/v1/batches/09520123100025/NK25-0227/summary"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36"
CHROME_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PER_REQUEST = ("Date", "X-Request-ID")


class Clock:
    """The page cache's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo brand with its builds done; the page cache keeps answers in memory for 1 s."""
    app = built_demo_app(tmp_path_factory.mktemp("fast_path"), PAGE, PAGE_REVALIDATE_SECONDS=1)
    page_cache(app).clock = Clock()
    yield app
    fast_path(app).batcher.close()
    db.engine_for(app).dispose()
    Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def fast(built: Flask) -> PageFastPath:
    """The fast path, its clock moved past every earlier test's memory."""
    clock = page_cache(built).clock
    assert isinstance(clock, Clock)
    clock.now += 10
    return fast_path(built)


def _flask(app: Flask) -> Client:
    """A client of the Flask app behind the fast path: the Flask path itself."""
    return Client(fast_path(app).inner, TestResponse)


def _warm(app: Flask, path: str, headers: dict[str, str]) -> None:
    """Render or find the answer, then find it in Redis once more: kept in memory, learned."""
    client = app.test_client()
    for _ in range(2):
        assert client.get(path, headers=headers).status_code == 200


def _same(fast_answer: TestResponse, flask_answer: TestResponse) -> None:
    assert fast_answer.status == flask_answer.status
    assert fast_answer.data == flask_answer.data
    mine = [(k, v) for k, v in fast_answer.headers.items() if k not in PER_REQUEST]
    theirs = [(k, v) for k, v in flask_answer.headers.items() if k not in PER_REQUEST]
    assert mine == theirs  # the same headers, in the same order
    assert fast_answer.headers["X-Request-ID"] != flask_answer.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("path", "learned", "asked"),
    [
        # learned from one phone, asked by another whose headers choose the same variant
        (PAGE, {"Accept-Encoding": "gzip, deflate, br", "Accept-Language": "de"},
         {"Accept-Encoding": "br, gzip", "Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}),
        (PAGE, {"Accept-Encoding": "gzip", "Accept-Language": "fr", "Accept": CHROME_ACCEPT},
         {"Accept-Encoding": "gzip;q=1, br;q=0.1", "Accept-Language": "fr-BE",
          "Accept": CHROME_ACCEPT}),
        (PAGE, {"Accept-Language": "en"}, {"Accept-Language": "en-GB"}),
        (PAGE, {"Accept": "application/linkset+json", "Accept-Encoding": "br",
                "Accept-Language": "nl"},
         {"Accept": "application/linkset+json", "Accept-Encoding": "gzip, br",
          "Accept-Language": "nl-NL"}),
        (PAGE + "?lang=nl", {"Accept-Encoding": "br"}, {"Accept-Encoding": "br, gzip"}),
        (PAGE + "?linkType=gs1:epcis", {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "gzip"}),
        (PRODUCT, {"Accept-Language": "de", "Accept-Encoding": "br"},
         {"Accept-Language": "de-AT", "Accept-Encoding": "br"}),
        (SUMMARY, {"Accept-Encoding": "identity"}, {}),
    ],
)  # fmt: skip
def test_the_fast_path_sends_what_the_flask_path_sends(
    built: Flask, fast: PageFastPath, path: str, learned: dict[str, str], asked: dict[str, str]
) -> None:
    _warm(built, path, learned)
    served = fast.served
    answer = built.test_client().get(path, headers=asked)
    assert fast.served == served + 1  # from memory, below Flask
    _same(answer, _flask(built).get(path, headers=asked))


def test_a_matching_etag_gets_the_same_304(built: Flask, fast: PageFastPath) -> None:
    headers = {"Accept-Encoding": "br", "Accept-Language": "de"}
    _warm(built, PAGE, headers)
    tag = built.test_client().get(PAGE, headers=headers).headers["ETag"]
    asked = {**headers, "If-None-Match": tag.replace("-br", "")}  # any coding of the body
    built.test_client().get(PAGE, headers=asked)  # the Flask path's first 304, learned
    served = fast.served
    answer = built.test_client().get(PAGE, headers=asked)
    assert (answer.status_code, answer.data, fast.served) == (304, b"", served + 1)
    _same(answer, _flask(built).get(PAGE, headers=asked))
    other = built.test_client().get(PAGE, headers={**headers, "If-None-Match": '"0123"'})
    assert other.status_code == 200 and other.data


def test_what_it_has_not_seen_or_may_not_serve_goes_to_flask(
    built: Flask, fast: PageFastPath
) -> None:
    headers = {"Accept-Encoding": "br", "Accept-Language": "de"}
    _warm(built, PAGE, headers)
    client, cookie = built.test_client(), built.test_client()
    cookie.set_cookie("session", "x")
    asks = [
        lambda: client.get(PAGE + "?lang=de&linkType=linkset", headers=headers),  # never seen
        lambda: client.head(PAGE, headers=headers),  # not a GET
        lambda: cookie.get(PAGE, headers=headers),  # a reader with a cookie: their own
        lambda: client.get(PAGE, headers={**headers, "Accept-Language": "nl"}),  # not learned
        lambda: client.get(PAGE, headers={"Accept-Encoding": "identity;q=0, *;q=0"}),  # a 406
        lambda: client.get("/01/09520123100025/10/NO-SUCH-LOT", headers=headers),  # a 404
    ]
    served = fast.served
    answers = []
    for ask in asks:
        answers.append((ask().status_code, fast.served - served))
    assert answers == [(200, 0), (200, 0), (200, 0), (200, 0), (406, 0), (404, 0)]
    page_cache(built).clock.now += 1.0  # type: ignore[attr-defined]
    stale = client.get(PAGE, headers=headers)  # past PAGE_REVALIDATE_SECONDS: Flask checks
    assert stale.status_code == 200 and fast.served == served


def _brand(app: Flask) -> Brand:
    found = db.session.query(Brand).filter_by(slug="nkabom").one()
    return found


def test_a_publish_shows_once_its_build_is_done_and_not_before(
    built: Flask, fast: PageFastPath
) -> None:
    from server.services.builds import published_story
    from server.services.story_versions import chapter_layout, publish, save_draft

    headers = {"Accept-Language": "en"}
    clock = page_cache(built).clock
    assert isinstance(clock, Clock)
    client = built.test_client()
    _warm(built, PAGE, headers)
    before = client.get(PAGE, headers=headers)
    title = "Fermented for six days at the Asante cooperative"
    with built.app_context():
        brand = _brand(built)
        story = published_story(db.session, brand.id)
        assert story is not None
        chapters = copy.deepcopy(story.chapters)
        key = chapter_layout(brand, story)[0]["key"]
        chapters["en"][key]["title"] = title
        save_draft(db.session, brand, chapters, chapter_layout(brand, story), None)
        publish(db.session, brand, None, "test: a new title")
    served = fast.served
    assert client.get(PAGE, headers=headers).data == before.data
    clock.now += 1.5  # the revision is checked again: the build is not done, the same page
    assert client.get(PAGE, headers=headers).data == before.data
    assert client.get(PAGE, headers=headers).data == before.data
    assert fast.served == served + 2  # the first and the third; the second went to Flask
    work_queue(built)
    assert client.get(PAGE, headers=headers).data == before.data  # memory: at most 1 s old
    clock.now += 1.5
    after = client.get(PAGE, headers=headers)
    assert title.encode() in after.data and after.headers["ETag"] != before.headers["ETag"]
    served = fast.served
    client.get(PAGE, headers=headers)  # found in Redis, kept in memory and learned
    assert client.get(PAGE, headers=headers).data == after.data and fast.served == served + 1


def _counted(app: Flask, lot: str) -> int:
    with app.app_context():
        total = db.session.scalar(
            select(func.coalesce(func.sum(ScanCount.count), 0)).where(
                ScanCount.lot == lot, ScanCount.kind == "scan"
            )
        )
    return int(total or 0)


def test_every_fast_path_view_is_counted_once(built: Flask, fast: PageFastPath) -> None:
    headers = {"Accept-Language": "de", "User-Agent": PHONE}
    _warm(built, PAGE, headers)
    fast.batcher.flush()
    work_queue(built, ("default",))
    before = _counted(built, "NK25-0227")
    client = built.test_client()
    served = fast.served
    views = 7
    for _ in range(views):
        assert client.get(PAGE, headers=headers).status_code == 200
    bot = {**headers, "User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"}
    assert client.get(PAGE, headers=bot).status_code == 200  # served, but not a view
    assert client.get(PAGE, headers={**headers, "Sec-Purpose": "prefetch"}).status_code == 200
    refresh = {**headers, "Originxr-Refresh": "swap"}  # the progress swap's own fetch
    assert client.get(PAGE, headers=refresh).status_code == 200
    assert fast.served == served + views + 3
    fast.batcher.close()  # what exit does: the thread stops, the rest is pushed
    assert fast.batcher.pending() == 0
    work_queue(built, ("default",))  # the aggregation job its push enqueued
    assert _counted(built, "NK25-0227") == before + views


def test_beacon_mode_counts_nothing_on_the_fast_path(built: Flask, fast: PageFastPath) -> None:
    built.config["SCAN_COUNTING"] = "beacon"
    try:
        _warm(built, PAGE, {"User-Agent": PHONE})
        served, pending = fast.served, fast.batcher.pending()
        assert built.test_client().get(PAGE, headers={"User-Agent": PHONE}).status_code == 200
    finally:
        built.config["SCAN_COUNTING"] = "page"
    assert (fast.served, fast.batcher.pending()) == (served + 1, pending)


def test_each_answer_has_its_request_id_log_line_and_timing(
    built: Flask, fast: PageFastPath, caplog: pytest.LogCaptureFixture
) -> None:
    _warm(built, PRODUCT, {})
    labels = {"route": "/01/<linkpath:rest>", "method": "GET", "status": "2xx"}
    timed = REGISTRY.get_sample_value("originxr_http_request_duration_seconds_count", labels)
    served = fast.served
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="server.web.requests"):
        answer = built.test_client().get(PRODUCT, headers={"X-Request-ID": "trace-42"})
    assert fast.served == served + 1 and answer.headers["X-Request-ID"] == "trace-42"
    lines = [r for r in caplog.records if r.name == "server.web.requests"]
    assert [(r.getMessage(), getattr(r, "request_id", None)) for r in lines] == [
        ("GET /01/<linkpath:rest> 200", "trace-42")
    ]
    after = REGISTRY.get_sample_value("originxr_http_request_duration_seconds_count", labels)
    assert after == (timed or 0) + 1
    fresh = built.test_client().get(PRODUCT, headers={"X-Request-ID": "bad id!"})
    assert len(fresh.headers["X-Request-ID"]) == 32  # not a sane token: a new one


def test_with_redis_down_the_fast_path_still_serves_and_counts_the_loss(
    built: Flask, fast: PageFastPath
) -> None:
    headers = {"User-Agent": PHONE}
    _warm(built, PAGE, headers)
    scans = recorder(built)
    fast.batcher.flush()
    working, failures = fast.batcher.redis, scans.failures
    fast.batcher.redis = Redis(port=unused_port(), socket_timeout=0.1)  # nothing listens there
    try:
        served = fast.served
        assert built.test_client().get(PAGE, headers=headers).status_code == 200
        assert fast.served == served + 1
        assert fast.batcher.flush() == 0 and scans.failures == failures + 1
        assert scans.paused  # recording pauses; the pages do not wait for it
        assert built.test_client().get(PAGE, headers=headers).status_code == 200
        assert fast.batcher.pending() == 1  # kept until the pause is over, not dropped
    finally:
        fast.batcher.redis, scans._paused_until = working, 0.0
    assert fast.batcher.flush() == 1


def test_with_redis_down_from_the_start_pages_are_rendered(built: Flask, tmp_path: Path) -> None:
    down = make_app(
        tmp_path,
        f"redis://127.0.0.1:{unused_port()}/0",
        {"DATABASE_URL": built.config["DATABASE_URL"]},
        BLOB_PATH=built.config["BLOB_PATH"],
        PAGE_REVALIDATE_SECONDS=1,
    )
    client = down.test_client()
    for _ in range(3):
        assert client.get(PAGE).status_code == 200
    assert fast_path(down).served == 0
    db.engine_for(down).dispose()
