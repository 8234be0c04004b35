"""The page cache end to end: real Redis, SQLite and RQ workers, the app's test client.

One app (the demo brand, built) is shared by the module: each test reads what it needs
from the cache's own counters and the SQL statements it sees, never the time.
"""

from __future__ import annotations

import copy
import gzip
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import brotli
import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import event

from server.adapters.db import db
from server.adapters.models import Brand
from server.core.scans.records import BUFFER_KEY, decode
from server.services.page_cache import page_cache
from tests.conftest import REDIS_URL, built_demo_app, make_app, unused_port, work_queue

PAGE = "/01/09520123100025/10/NK25-0227"
PRODUCT = "/01/09520123100025"
# The events through the on-pack link (the same cached answer as /api/v1/batches/…/events)
EVENTS = PAGE + "?linkType=gs1:epcis"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo brand with its builds done, on its own Redis database (flushed)."""
    app = built_demo_app(
        tmp_path_factory.mktemp("page_cache"), PAGE, PAGE_REVALIDATE_SECONDS=0
    )  # every hit checks the revision; the memory has its test
    yield app
    db.engine_for(app).dispose()
    Redis.from_url(REDIS_URL).flushdb()


class Statements:
    """Count the SQL statements an app runs (to show that a hit runs none)."""

    def __init__(self, app: Flask) -> None:
        self.count = 0
        self.engine = db.engine_for(app)
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _brand(app: Flask) -> Brand:
    found = db.session.query(Brand).filter_by(slug="nkabom").one()
    return found


def test_a_hit_runs_no_sql_and_serves_the_same_bytes(built: Flask) -> None:
    client = built.test_client()
    first = client.get(PAGE, headers={"Accept-Encoding": "identity"})
    cache = page_cache(built)
    hits = cache.hits
    seen = Statements(built)
    try:
        again = client.get(PAGE, headers={"Accept-Encoding": "identity"})
    finally:
        seen.close()
    assert (again.status_code, cache.hits, seen.count) == (200, hits + 1, 0)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    control = again.headers["Cache-Control"]
    assert control.startswith("public") and "s-maxage=" in control
    assert "stale-while-revalidate=" in control and "stale-if-error=" in control
    assert again.headers["Surrogate-Key"] == "brand-1 batch-2"
    # the shared body carries no nonce; its policy names its inline style by hash
    policy = again.headers["Content-Security-Policy"]
    assert "nonce" not in policy and "'sha256-" in policy and "unsafe-inline" not in policy
    assert b"nonce=" not in again.data


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0.2, gzip;q=0.9", "gzip"),
        ("identity;q=1, br;q=0.5", "identity"),
        ("br;q=0, gzip;q=0", "identity"),
        (None, "identity"),
    ],
)
def test_codings_are_negotiated_and_decode_to_the_same_page(
    built: Flask, accept: str | None, coding: str
) -> None:
    client = built.test_client()
    plain = client.get(PAGE, headers={"Accept-Encoding": "identity"}).data
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    answer = client.get(PAGE, headers=headers)
    assert answer.headers.get("Content-Encoding", "identity") == coding
    decode_body = {"br": brotli.decompress, "gzip": gzip.decompress, "identity": bytes}[coding]
    assert decode_body(answer.data) == plain
    assert answer.headers["Vary"] == "Accept, Accept-Encoding, Accept-Language"
    assert answer.headers["ETag"].endswith({"br": '-br"', "gzip": '-gz"'}.get(coding, '"'))


def test_no_acceptable_coding_is_a_406(built: Flask) -> None:
    answer = built.test_client().get(PAGE, headers={"Accept-Encoding": "identity;q=0, *;q=0"})
    assert answer.status_code == 406


def test_a_matching_etag_gets_304_for_any_coding(built: Flask) -> None:
    client = built.test_client()
    br = client.get(PAGE, headers={"Accept-Encoding": "br"})
    for tag in (br.headers["ETag"], br.headers["ETag"].replace("-br", "")):
        answer = client.get(PAGE, headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
        assert (answer.status_code, answer.data) == (304, b"")
        assert answer.headers["ETag"].endswith('-gz"') and "Cache-Control" in answer.headers
    other = client.get(PAGE, headers={"If-None-Match": '"0123"'})
    assert other.status_code == 200


def test_json_answers_are_cached_and_compressed(built: Flask) -> None:
    client = built.test_client()
    plain = client.get(EVENTS, headers={"Accept-Encoding": "identity"})
    hits = page_cache(built).hits
    packed = client.get(EVENTS, headers={"Accept-Encoding": "br"})
    assert page_cache(built).hits == hits + 1
    assert brotli.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 4
    assert "Accept-Encoding" in packed.headers["Vary"]
    linkset = client.get(PAGE + "?linkType=linkset&lang=de", headers={"Accept-Encoding": "gzip"})
    assert linkset.headers["Vary"] == "Accept-Encoding"  # the query names type and locale


def test_a_published_story_shows_when_its_build_is_done_and_not_before(built: Flask) -> None:
    from server.services.builds import published_story
    from server.services.story_versions import chapter_layout, publish, save_draft

    client = built.test_client()
    before = client.get(PAGE, headers={"Accept-Language": "en"})
    with built.app_context():
        brand = _brand(built)
        story = published_story(db.session, brand.id)
        assert story is not None
        chapters = copy.deepcopy(story.chapters)
        key = chapter_layout(brand, story)[0]["key"]
        chapters["en"][key]["title"] = "Grown by the Asante cooperative, checked twice"
        save_draft(db.session, brand, chapters, chapter_layout(brand, story), None)
        publish(db.session, brand, None, "test: a new title")
    hits = page_cache(built).hits
    waiting = client.get(PAGE, headers={"Accept-Language": "en"})
    assert page_cache(built).hits == hits + 1  # the build is not done: the old page
    assert waiting.data == before.data
    work_queue(built)
    after = client.get(PAGE, headers={"Accept-Language": "en"})
    assert b"Grown by the Asante cooperative, checked twice" in after.data
    assert after.headers["ETag"] != before.headers["ETag"]


class _Purges(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.headers["Surrogate-Key"], self.headers["Fastly-Key"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass  # quiet test output


def test_a_theme_change_shows_at_once_and_purges_the_brand_at_the_cdn(built: Flask) -> None:
    from server.services.brand_settings import save_theme

    server = http.server.HTTPServer(("127.0.0.1", 0), _Purges)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    built.config["CDN_PURGE_URL"] = f"http://127.0.0.1:{server.server_port}/purge"
    built.config["CDN_PURGE_TOKEN"] = "cdn-secret"
    client = built.test_client()
    try:
        assert b"#1f6e4a" not in client.get(PRODUCT).data
        with built.app_context():
            save_theme(
                db.session, _brand(built), {"primary": "#1f6e4a"},
                logo=None, font=None, remove_logo=False, remove_font=False,
            )  # fmt: skip
        assert b"--primary:#1f6e4a" in client.get(PAGE).data
        assert b"--primary:#1f6e4a" in client.get(PRODUCT).data
        work_queue(built, ("default",))
    finally:
        built.config["CDN_PURGE_URL"] = built.config["CDN_PURGE_TOKEN"] = None
        server.shutdown()
        server.server_close()
    assert ("brand-1", "cdn-secret") in _Purges.seen


def _scans(app: Flask) -> list[tuple[str, str]]:
    raw = Redis.from_url(REDIS_URL).lrange(BUFFER_KEY, 0, -1)
    return [(r.lot, r.kind) for r in map(decode, raw) if r is not None]


@pytest.mark.parametrize("counting", ["page", "beacon"])
def test_scans_are_counted_once_whether_the_page_is_cached_or_not(
    built: Flask, counting: str
) -> None:
    built.config["SCAN_COUNTING"] = counting
    Redis.from_url(REDIS_URL).delete(BUFFER_KEY)
    client = built.test_client()
    try:
        for _ in range(2):  # the first may render, the second is a hit
            page = client.get(PAGE, headers={"User-Agent": PHONE})
            assert b'name="originxr-scan"' in page.data and b"scan-beacon.js" in page.data
            # ...and the page's own beacon (JavaScript) after first paint
            beacon = client.post(
                "/api/scan-events",
                data={"uri": "/01/09520123100025/10/NK25-0227", "kind": "scan"},
                headers={"User-Agent": PHONE},
            )
            assert beacon.status_code == 204
        pixel = client.get(  # a page shown without JavaScript: only its image
            "/api/scan-pixel?uri=/01/09520123100025&locale=en", headers={"User-Agent": PHONE}
        )
        assert pixel.status_code == 200 and pixel.headers["Cache-Control"] == "no-store"
        assert pixel.mimetype == "image/gif"
    finally:
        built.config["SCAN_COUNTING"] = "page"
    expected = {
        # the server counts what it serves, cached or not, and ignores the page's beacon
        "page": [("NK25-0227", "scan")] * 2,
        # a CDN would serve the pages unseen: the beacons count, the requests do not
        "beacon": [("NK25-0227", "scan")] * 2 + [("", "scan")],
    }
    assert _scans(built) == expected[counting]


def test_a_bad_pixel_is_a_422_that_records_nothing(built: Flask) -> None:
    Redis.from_url(REDIS_URL).delete(BUFFER_KEY)
    built.config["SCAN_COUNTING"] = "beacon"
    try:
        answer = built.test_client().get("/api/scan-pixel?uri=/02/1", headers={"User-Agent": PHONE})
    finally:
        built.config["SCAN_COUNTING"] = "page"
    assert answer.status_code == 422 and _scans(built) == []


def test_with_redis_down_the_page_is_still_served(built: Flask, tmp_path: Path) -> None:
    down = make_app(
        tmp_path,
        f"redis://127.0.0.1:{unused_port()}/0",
        {"DATABASE_URL": built.config["DATABASE_URL"]},
        BLOB_PATH=built.config["BLOB_PATH"],
    )
    client = down.test_client()
    answer = client.get(PAGE, headers={"Accept-Encoding": "br"})
    assert answer.status_code == 200 and b"NK25-0227" in brotli.decompress(answer.data)
    assert page_cache(down).failures == 1  # then the cache pauses instead of waiting again
    assert client.get(PAGE).status_code == 200 and page_cache(down).failures == 1
    db.engine_for(down).dispose()


def test_blobs_are_sent_compressed_and_ranges_are_of_the_uncompressed_blob(built: Flask) -> None:
    import re

    client = built.test_client()
    page = client.get(PAGE, headers={"Accept-Encoding": "identity"}).data.decode()
    found = re.search(r'data-glb-url="(/blobs/[0-9a-f]{64})"', page)
    assert found is not None
    glb = found.group(1)
    plain = client.get(glb)
    packed = client.get(glb, headers={"Accept-Encoding": "br, gzip"})
    assert (
        packed.headers["Content-Encoding"] == "br" and packed.headers["Vary"] == "Accept-Encoding"
    )
    assert brotli.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data)
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + '-br"'
    again = client.get(
        glb, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304
    part = client.get(glb, headers={"Accept-Encoding": "br", "Range": "bytes=4-11"})
    assert (part.status_code, part.data) == (206, plain.data[4:12])
    assert "Content-Encoding" not in part.headers


def test_other_pages_are_compressed_but_never_those_with_a_session(built: Flask) -> None:
    client = built.test_client()
    check = client.get(
        "/batches/09520123100025/NK25-0227/checks/known_origin_share",
        headers={"Accept-Encoding": "gzip"},
    )
    assert check.headers["Content-Encoding"] == "gzip" and b"<html" in gzip.decompress(check.data)
    assert "Accept-Encoding" in check.headers["Vary"]
    login = client.get("/studio/login", headers={"Accept-Encoding": "br"})
    assert login.status_code == 200 and "Content-Encoding" not in login.headers  # BREACH
    assert login.headers["Cache-Control"] == "no-store"


def test_a_process_serves_from_memory_until_it_revalidates(built: Flask) -> None:
    from server.services.brand_settings import save_theme

    cache = page_cache(built)
    now = [1000.0]
    cache.clock, cache.revalidate_seconds = (lambda: now[0]), 1.0
    client = built.test_client()
    try:
        client.get(PAGE)  # rendered (or found) and kept in Redis
        first = client.get(PAGE)  # found in Redis, its revision checked: kept in memory
        memory = cache.memory_hits
        with built.app_context():
            save_theme(
                db.session, _brand(built), {"accent": "#2a4d8f"},
                logo=None, font=None, remove_logo=False, remove_font=False,
            )  # fmt: skip
        now[0] += 0.5
        assert client.get(PAGE).data == first.data and cache.memory_hits == memory + 1
        now[0] += 0.6  # past PAGE_REVALIDATE_SECONDS: the revision is checked again
        assert b"--accent:#2a4d8f" in client.get(PAGE).data
    finally:
        cache.clock, cache.revalidate_seconds = time.monotonic, 0.0
