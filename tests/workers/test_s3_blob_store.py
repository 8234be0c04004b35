"""With BLOB_STORE_URL set, a whole build writes to the bucket and `/blobs/` serves from it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.adapters.blobs import blob_store, open_blob_store
from server.adapters.db import db
from server.web.cli import main
from tests.conftest import load_demo, make_app, work_queue

GTIN, LOT = "09520123100025", "NK25-0227"
PAGE = f"/01/{GTIN}/10/{LOT}"


@pytest.fixture
def s3_app(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any], s3_url: str
) -> Iterator[Flask]:
    """A migrated app whose blob store is a fresh bucket on the moto server."""
    app = make_app(tmp_path, redis_url, sqlite_only, BLOB_STORE_URL=s3_url)
    yield app
    db.engine_for(app).dispose()


def _files_under(folder: str) -> list[Path]:
    return [p for p in Path(folder).rglob("*") if p.is_file()]


def test_a_build_in_a_real_worker_is_served_from_the_bucket(s3_app: Flask) -> None:
    load_demo(s3_app)
    client = s3_app.test_client()
    assert client.get(PAGE).status_code == 200  # enqueues the batch's builds
    work_queue(s3_app)
    signatures = client.get(f"/api/v1/batches/{GTIN}/{LOT}/signatures").get_json()
    manifest_url = signatures["signatures"]["manifest"]["blob_url"]
    manifest_response = client.get(manifest_url)
    assert manifest_response.status_code == 200
    manifest = json.loads(manifest_response.data)
    glb = client.get(f"/blobs/{manifest['glb']}")
    assert glb.status_code == 200 and glb.is_streamed
    assert glb.data[:4] == b"glTF"
    assert hashlib.sha256(glb.data).hexdigest() == manifest["glb"]
    part = client.get(f"/blobs/{manifest['glb']}", headers={"Range": "bytes=0-11"})
    assert part.status_code == 206 and part.data == glb.data[:12]
    with s3_app.app_context():
        store = blob_store()
        assert store.get(manifest["glb"]) == glb.data
        assert store.get(manifest_url.rsplit("/", 1)[1]) == manifest_response.data
    assert _files_under(s3_app.config["BLOB_PATH"]) == []


def test_copy_blobs_uploads_a_local_store_once_checking_each_hash(
    s3_app: Flask, tmp_path: Path
) -> None:
    local = open_blob_store({"BLOB_PATH": str(tmp_path / "old"), "BLOB_STORE_URL": ""})
    shas = sorted(local.put(data) for data in (b"glb", b"manifest", b"x" * 300_000))
    runner = s3_app.test_cli_runner()

    first = runner.invoke(main, ["copy-blobs", "--from", str(tmp_path / "old")])
    assert first.exit_code == 0, first.output
    assert "3 copied, 0 already in" in first.output
    again = runner.invoke(main, ["copy-blobs", "--from", str(tmp_path / "old")])
    assert again.exit_code == 0, again.output
    assert "0 copied, 3 already in" in again.output
    with s3_app.app_context():
        bucket = blob_store()
        assert sorted(bucket.shas()) == shas
        assert all(bucket.get(sha) == local.get(sha) for sha in shas)


def test_copy_blobs_refuses_a_local_blob_that_does_not_match_its_name(
    s3_app: Flask, tmp_path: Path
) -> None:
    local = open_blob_store({"BLOB_PATH": s3_app.config["BLOB_PATH"], "BLOB_STORE_URL": ""})
    good, bad = local.put(b"good"), local.put(b"bad")
    (Path(s3_app.config["BLOB_PATH"]) / bad[:2] / bad[2:]).write_bytes(b"tampered")

    result = s3_app.test_cli_runner().invoke(main, ["copy-blobs"])  # from BLOB_PATH
    assert result.exit_code == 1
    assert "1 copied, 0 already in" in result.output and "1 refused" in result.output
    assert f"{bad}: its bytes do not hash to its name" in result.output
    with s3_app.app_context():
        assert blob_store().exists(good) and not blob_store().exists(bad)


def test_copy_blobs_needs_a_bucket(sqlite_app: Flask) -> None:
    result = sqlite_app.test_cli_runner().invoke(main, ["copy-blobs"])
    assert result.exit_code == 2
    assert "BLOB_STORE_URL is not set" in result.output
