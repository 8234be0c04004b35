"""Reality snapshots: upload, validation before storage, tiling by a real worker, the demo."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.adapters.blobs import LocalBlobStore, blob_store
from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.models import Brand, Snapshot
from server.core.splats import encode_spz, rdf_to_rub, write_ply
from server.core.splats.demo import MAX_SPLATS, demo_capture
from server.web.cli import main
from tests.conftest import api_token, load_demo, make_app, stored_counts
from workers.worker import run_worker

FARM = {"key": "farm-01", "lat": "6.620711", "lon": "-2.104393"}
FERMENTARY = {"key": "fermentary-1", "lat": "6.458732", "lon": "-2.312417"}


def _token(app: Flask, slug: str = "nkabom") -> str:
    return api_token(app, slug)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _form(site: dict[str, str], data: bytes, name: str = "capture.ply", **changes: str) -> Any:
    form: dict[str, Any] = {
        "file": (io.BytesIO(data), name),
        "captured_on": "2025-02-01",
        "lat": site["lat"],
        "lon": site["lon"],
        "device": "Pixel 8, Scaniverse",
        "party": "coop-1 field officer",
        "consent": "Farmer agreed to the recording of the plot; no people in view.",
    }
    form.update(changes)
    return form


def _upload(client: FlaskClient, token: str, site: dict[str, str], data: bytes, **kw: str) -> Any:
    return client.post(
        f"/api/sites/{site['key']}/snapshots",
        data=_form(site, data, **kw),
        headers=_auth(token),
        content_type="multipart/form-data",
    )


def _work(app: Flask) -> None:
    with app.app_context():
        run_worker(app, broker.redis, ["default"], burst=True)


def _ply(n: int = 3000, kind: str = "farm") -> bytes:
    return write_ply(rdf_to_rub(demo_capture(kind, n)))


def _tiles(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node["children"]:
        yield from _tiles(child)


@pytest.fixture
def token(sqlite_app: Flask) -> str:
    return _token(sqlite_app)


def test_sites_are_listed_for_the_tokens_brand(sqlite_app: Flask, token: str) -> None:
    client = sqlite_app.test_client()
    sites = client.get("/api/sites", headers=_auth(token)).get_json()["sites"]
    farm = next(s for s in sites if s["id"] == "farm-01")
    assert farm["kind"] == "farm" and farm["gln"] and farm["country"] == "GH"
    assert (farm["lat"], farm["lon"]) == (6.620711, -2.104393)
    assert {s["kind"] for s in sites} >= {"farm", "fermentary", "factory"}
    refused = client.get("/api/sites")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_ply_and_spz_uploads_are_tiled_and_published(app: Flask) -> None:
    token, client = _token(app), app.test_client()
    farm = demo_capture("farm", 6000)
    ply = _upload(client, token, FARM, write_ply(rdf_to_rub(farm)))
    spz = _upload(client, token, FERMENTARY, encode_spz(demo_capture("fermentary", 4000)))
    assert (ply.status_code, spz.status_code) == (202, 202), (ply.get_json(), spz.get_json())
    assert ply.get_json()["status"] == "queued" and ply.get_json()["tileset"] is None
    assert (ply.get_json()["format"], spz.get_json()["format"]) == ("ply", "spz")
    assert ply.get_json()["splats"] == 6000

    _work(app)
    for response in (ply, spz):
        state = client.get(response.headers["Location"], headers=_auth(token)).get_json()
        assert state["status"] == "done", state
        tileset = client.get(state["tileset"])
        assert tileset.status_code == 200
        document = tileset.get_json()
        tiles = list(_tiles(document["root"]))
        assert len(tiles) > 1
        assert document["snapshot"]["id"] == state["id"]
        for tile in tiles:
            body = client.get(tile["content"]["url"])
            assert body.status_code == 200
            assert hashlib.sha256(body.data).hexdigest() == tile["content"]["sha256"]
            assert len(body.data) == tile["content"]["size"]
    # The PLY came in RDF (y down): the tiles are RUB again, the farm's trees pointing up.
    document = client.get(
        client.get(ply.headers["Location"], headers=_auth(token)).get_json()["tileset"]
    ).get_json()
    # Bounds are those of the positions as stored: each rounded to 1 mm, or to a step of at
    # most 1/8 of its splat's largest scale (build_tiles' `position_tolerance`).
    low, high = document["bounds"]["min"][1], document["bounds"]["max"][1]
    moved = max(2.0**-11, float(farm.scales.max()) / 8) + 1e-5
    assert low <= float(farm.positions[:, 1].min()) + moved
    assert high >= float(farm.positions[:, 1].max()) - moved
    assert low == pytest.approx(float(farm.positions[:, 1].min()), abs=5e-2)
    assert high == pytest.approx(float(farm.positions[:, 1].max()), abs=5e-2)


def _lying_header() -> bytes:
    body = _ply(200)
    return body.replace(b"element vertex 200\n", b"element vertex 4000000000\n", 1)


def _nan() -> bytes:
    data = bytearray(_ply(200))
    start = data.index(b"end_header\n") + len(b"end_header\n")
    data[start : start + 4] = struct.pack("<f", float("nan"))
    return bytes(data)


def _bomb() -> bytes:
    return gzip.compress(b"\0" * (64 << 20), compresslevel=9)


HOSTILE = {
    "truncated PLY": (lambda: _ply(200)[:-7], "truncated"),
    "lying header": (_lying_header, "limit"),
    "NaN": (_nan, "NaN"),
    "wrong magic": (lambda: b"PK\x03\x04" + bytes(100), "not a splat capture"),
    "wrong SPZ magic": (lambda: gzip.compress(b"XXXX" + bytes(200)), "magic"),
    "truncated SPZ": (lambda: encode_spz(demo_capture("factory", 500))[:-50], "truncated"),
    "gzip bomb": (_bomb, "inflates to more than"),
    "empty": (lambda: b"", "not a splat capture"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_and_nothing_is_stored(
    sqlite_app: Flask, token: str, name: str
) -> None:
    make, words = HOSTILE[name]
    before = stored_counts(sqlite_app)
    response = _upload(sqlite_app.test_client(), token, FARM, make())
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert words in response.get_json()["detail"]
    assert stored_counts(sqlite_app) == before


def test_a_capture_far_from_its_site_is_refused(sqlite_app: Flask, token: str) -> None:
    before = stored_counts(sqlite_app)
    away = dict(FARM, lat="6.650711")  # ~3.3 km north
    response = _upload(sqlite_app.test_client(), token, away, _ply())
    assert response.status_code == 422
    assert "3,3" in response.get_json()["detail"] and "farm-01" in response.get_json()["detail"]
    assert stored_counts(sqlite_app) == before


def test_bad_metadata_is_refused_naming_each_field(sqlite_app: Flask, token: str) -> None:
    before = stored_counts(sqlite_app)
    response = _upload(
        sqlite_app.test_client(), token, FARM, _ply(), captured_on="01/02/2025", lat="north"
    )
    assert response.status_code == 422
    assert {e["path"] for e in response.get_json()["errors"]} == {"captured_on", "lat"}
    future = _upload(sqlite_app.test_client(), token, FARM, _ply(), captured_on="2999-01-01")
    assert "future" in future.get_json()["errors"][0]["message"]
    assert stored_counts(sqlite_app) == before


def test_size_and_splat_caps_come_from_the_settings(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any]
) -> None:
    app = make_app(
        tmp_path, redis_url, sqlite_only, SNAPSHOT_MAX_BYTES=100_000, SNAPSHOT_MAX_SPLATS=500
    )
    load_demo(app)
    token, client = _token(app), app.test_client()
    before = stored_counts(app)
    too_big = _upload(client, token, FARM, _ply(3000))  # ~200 KB
    assert too_big.status_code == 413
    too_many = _upload(client, token, FARM, _ply(600))  # ~41 KB, 600 splats
    assert too_many.status_code == 422
    assert "limit is 500" in too_many.get_json()["detail"]
    assert stored_counts(app) == before
    assert _upload(client, token, FARM, _ply(400)).status_code == 202
    db.engine_for(app).dispose()


def test_unknown_sites_and_other_brands_snapshots_are_not_found(
    sqlite_app: Flask, token: str
) -> None:
    client = sqlite_app.test_client()
    assert _upload(client, token, dict(FARM, key="farm-99"), _ply()).status_code == 404
    location = _upload(client, token, FARM, _ply()).headers["Location"]
    with sqlite_app.app_context(), db.transaction() as session:
        session.add(Brand(slug="other", name="Other brand"))
    other = _token(sqlite_app, "other")
    assert client.get(location, headers=_auth(other)).status_code == 404
    assert _upload(client, other, FARM, _ply()).status_code == 404
    assert client.get(location).status_code == 401
    assert client.get(location, headers=_auth(token)).status_code == 200


def test_tiling_is_idempotent_and_a_broken_source_fails_the_snapshot(
    sqlite_app: Flask, token: str
) -> None:
    from workers.snapshot_jobs import tile_snapshot

    client = sqlite_app.test_client()
    first = _upload(client, token, FARM, _ply()).get_json()["id"]
    second = _upload(client, token, FERMENTARY, _ply(2000, "fermentary")).get_json()["id"]
    _work(sqlite_app)
    before = stored_counts(sqlite_app)
    with sqlite_app.app_context():
        done = db.session.get(Snapshot, first)
        assert done is not None and done.status == "done"
        assert tile_snapshot(first) == done.tileset_sha256
        # Retiling a snapshot from scratch yields the very same bytes.
        done.status = "queued"
        db.session.commit()
        assert tile_snapshot(first) == done.tileset_sha256
    assert stored_counts(sqlite_app) == before

    with sqlite_app.app_context():
        row = db.session.get(Snapshot, second)
        assert row is not None
        row.status, row.tileset_sha256 = "queued", None
        db.session.commit()
        path = LocalBlobStore(sqlite_app.config["BLOB_PATH"]).path(row.source_sha256)
        path.write_bytes(b"ply\nformat ascii 1.0\nend_header\n")
        with pytest.raises(ValueError, match="format"):
            tile_snapshot(second)
    state = client.get(f"/api/snapshots/{second}", headers=_auth(token)).get_json()
    assert state["status"] == "failed" and "ascii" in state["error"]
    assert state["tileset"] is None


def test_demo_snapshots_go_through_ingest_and_tiling(sqlite_app: Flask) -> None:
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(main, ["demo-snapshots", "--brand", "nkabom"])
    assert result.exit_code == 0, result.output
    assert "farm-01 (farm)" in result.output and "factory-1 (factory)" in result.output
    assert result.output.count("enqueued") == 6  # one per kind of site on the journey
    _work(sqlite_app)
    with sqlite_app.app_context():
        rows = db.session.scalars(select(Snapshot)).all()
        assert sorted(r.site_key for r in rows) == [
            "coop-1",
            "factory-1",
            "farm-01",
            "fermentary-1",
            "port-1",
            "warehouse-1",
        ]
        assert {r.status for r in rows} == {"done"}
        assert {r.format for r in rows} == {"ply", "spz"}
        assert all(r.splat_count <= MAX_SPLATS for r in rows)
        for row in rows:
            assert row.tileset_sha256 is not None
            doc = json.loads(blob_store(sqlite_app).get(row.tileset_sha256))
            assert doc["root"]["splats"] <= doc["splats"] // 4 + 1
    again = runner.invoke(main, ["demo-snapshots"])
    assert again.output.count("already there") == 6
    missing = runner.invoke(main, ["demo-snapshots", "--brand", "nope"])
    assert missing.exit_code != 0 and "nope" in missing.output


def test_tiling_reports_progress_in_job_meta_and_on_its_channel(
    sqlite_app: Flask, token: str
) -> None:
    from rq.job import Job

    from server.services.snapshots import snapshot_channel

    response = _upload(sqlite_app.test_client(), token, FARM, _ply())
    snapshot_id = response.get_json()["id"]
    with sqlite_app.app_context():
        pubsub = broker.redis.pubsub()
        pubsub.subscribe(snapshot_channel(snapshot_id))
        pubsub.get_message(timeout=1)  # the subscription confirmation
        run_worker(sqlite_app, broker.redis, ["default"], burst=True)
        messages = []
        while (message := pubsub.get_message(timeout=0.5)) is not None:
            messages.append(json.loads(message["data"]))
        pubsub.close()
        meta = Job.fetch(f"snapshot-{snapshot_id}", connection=broker.redis).meta
    assert [m["step"] for m in messages] == ["load", "tiling", "publish", "done"]
    assert messages[-1]["status"] == "done" and messages[-1]["tileset"].startswith("/blobs/")
    assert meta == {"step": "publish", "progress": 0.8}
