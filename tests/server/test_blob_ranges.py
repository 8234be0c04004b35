"""`/blobs/{sha256}` streams from either backend and answers single byte ranges."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.adapters.blobs import blob_store, store_blob
from server.adapters.db import db
from tests.conftest import make_app

DATA = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(10_000))  # 320 kB
SIZE = len(DATA)
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def blob_app(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any], blob_settings: dict[str, str]
) -> Iterator[Flask]:
    """An app on each blob backend holding one public blob, DATA."""
    app = make_app(tmp_path, redis_url, sqlite_only, **blob_settings)
    with app.app_context():
        store_blob(db.session, blob_store(), DATA, "model/gltf-binary")
        db.session.commit()
    yield app
    db.engine_for(app).dispose()


@pytest.fixture
def client(blob_app: Flask) -> FlaskClient:
    return blob_app.test_client()


def test_the_whole_blob_is_streamed_with_its_headers(client: FlaskClient) -> None:
    response = client.get(f"/blobs/{SHA}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.data == DATA
    assert response.mimetype == "model/gltf-binary"
    assert response.headers["ETag"] == f'"{SHA}"'
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Length"] == str(SIZE)
    assert response.headers["Accept-Ranges"] == "bytes"
    assert "Content-Range" not in response.headers
    assert client.get(f"/blobs/{SHA}", headers={"If-None-Match": f'"{SHA}"'}).status_code == 304


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=100000-200000", 100000, 200001),
        ("bytes=300000-", 300000, SIZE),
        ("bytes=-5", SIZE - 5, SIZE),
        ("bytes=-999999999", 0, SIZE),  # a suffix longer than the blob: all of it
        ("bytes=319990-999999999", 319990, SIZE),  # a last byte past the end: cut short
        (f"bytes={SIZE - 1}-{SIZE - 1}", SIZE - 1, SIZE),
    ],
)
def test_a_single_range_gets_206_with_its_part(
    client: FlaskClient, header: str, start: int, end: int
) -> None:
    response = client.get(f"/blobs/{SHA}", headers={"Range": header})
    assert response.status_code == 206
    assert response.data == DATA[start:end]
    assert response.headers["Content-Range"] == f"bytes {start}-{end - 1}/{SIZE}"
    assert response.headers["Content-Length"] == str(end - start)
    assert response.headers["ETag"] == f'"{SHA}"'
    assert "immutable" in response.headers["Cache-Control"]
    assert response.mimetype == "model/gltf-binary"


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}"])
def test_a_range_past_the_end_is_416(client: FlaskClient, header: str) -> None:
    response = client.get(f"/blobs/{SHA}", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{SIZE}"
    assert response.mimetype == "application/problem+json"
    assert str(SIZE) in response.get_json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Range": "bytes=0-1,5-9"},  # several ranges: no multipart answers, the whole blob
        {"Range": "items=0-3"},  # another unit
        {"Range": "bytes=9-2"},  # unparsable
        {"Range": "bytes=0-9", "If-Range": '"another-version"'},
        {"Range": "bytes=0-9", "If-Range": "Wed, 21 Oct 2015 07:28:00 GMT"},
    ],
)
def test_a_range_the_server_will_not_serve_gets_the_whole_blob(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.get(f"/blobs/{SHA}", headers=headers)
    assert response.status_code == 200
    assert response.data == DATA


def test_if_range_with_the_blob_s_etag_is_honoured(client: FlaskClient) -> None:
    response = client.get(f"/blobs/{SHA}", headers={"Range": "bytes=0-9", "If-Range": f'"{SHA}"'})
    assert response.status_code == 206 and response.data == DATA[:10]


def test_if_none_match_wins_over_range(client: FlaskClient) -> None:
    headers = {"Range": "bytes=0-9", "If-None-Match": f'"{SHA}"'}
    assert client.get(f"/blobs/{SHA}", headers=headers).status_code == 304


def test_head_tells_the_length_without_a_body(client: FlaskClient) -> None:
    response = client.head(f"/blobs/{SHA}")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(SIZE) and response.data == b""


def test_bad_and_unknown_addresses_are_still_4xx_with_a_range(client: FlaskClient) -> None:
    assert client.get("/blobs/not-a-hash", headers={"Range": "bytes=0-1"}).status_code == 400
    assert client.get("/blobs/" + "0" * 64, headers={"Range": "bytes=0-1"}).status_code == 404
