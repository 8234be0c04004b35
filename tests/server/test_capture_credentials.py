"""C2PA capture credentials sent with a snapshot: verified with c2pa-python, shown, refused
when they fail verification (and then nothing is stored)."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.adapters.blobs import blob_store
from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.models import Snapshot
from server.core.splats import rdf_to_rub, write_ply
from server.core.splats.demo import demo_capture
from server.services.capture_credentials import CredentialError, summarise
from tests.conftest import api_token, stored_counts
from tests.server.c2pa_signing import signed_still
from workers.worker import run_worker

FARM = {"key": "farm-01", "lat": "6.620711", "lon": "-2.104393"}


@pytest.fixture(scope="module")
def ply() -> bytes:
    return write_ply(rdf_to_rub(demo_capture("farm", 1500)))


def _post(app: Flask, ply: bytes, credentials: bytes | None) -> Any:
    form: dict[str, Any] = {
        "file": (io.BytesIO(ply), "capture.ply"),
        "captured_on": "2025-02-01",
        "lat": FARM["lat"],
        "lon": FARM["lon"],
    }
    if credentials is not None:
        form["credentials"] = (io.BytesIO(credentials), "still.jpg")
    return app.test_client().post(
        f"/api/sites/{FARM['key']}/snapshots",
        data=form,
        headers={"Authorization": f"Bearer {api_token(app)}"},
        content_type="multipart/form-data",
    )


def test_credentials_naming_the_capture_are_kept_and_reach_the_tileset(
    sqlite_app: Flask, ply: bytes
) -> None:
    response = _post(sqlite_app, ply, signed_still(hashlib.sha256(ply).hexdigest()))
    assert response.status_code == 202, response.get_json()
    credentials = response.get_json()["credentials"]
    assert credentials["state"] == "untrusted"  # a valid signature by a CA we do not trust
    assert credentials["signer"] == "Field capture app"
    assert credentials["generator"] == "FieldCapture 2.1"
    assert credentials["actions"] == ["c2pa.created"]
    assert credentials["source_type"].endswith("/digitalCapture")
    assert credentials["binds_capture"] is True
    store = blob_store(sqlite_app)
    assert store.get(credentials["image_sha256"]).startswith(b"\xff\xd8")
    with sqlite_app.app_context():
        run_worker(sqlite_app, broker.redis, ["default"], burst=True)
        snapshot = db.session.scalars(select(Snapshot)).one()
        tileset = json.loads(store.get(snapshot.tileset_sha256 or ""))
    assert tileset["snapshot"]["credentials"]["signer"] == "Field capture app"


def test_credentials_about_another_capture_are_shown_as_such(sqlite_app: Flask, ply: bytes) -> None:
    response = _post(sqlite_app, ply, signed_still("0" * 64))
    assert response.status_code == 202
    assert response.get_json()["credentials"]["binds_capture"] is False
    silent = _post(sqlite_app, ply, signed_still(None))
    assert silent.get_json()["credentials"]["binds_capture"] is None


def _tampered(data: bytes) -> bytes:
    # Change one byte of the JPEG's entropy-coded image data, after the manifest segment.
    mutable = bytearray(data)
    mutable[-20] ^= 0xFF
    return bytes(mutable)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: _tampered(signed_still(None)), "failed verification"),
        (lambda: b"%PDF-1.7 not an image", "JPEG or PNG"),
        (lambda: _plain_jpeg(), "no readable C2PA manifest"),
    ],
)
def test_credentials_that_fail_are_refused_and_nothing_is_stored(
    sqlite_app: Flask, ply: bytes, make: Any, message: str
) -> None:
    before = stored_counts(sqlite_app)
    response = _post(sqlite_app, ply, make())
    assert response.status_code == 422
    assert message in response.get_json()["detail"]
    assert "nothing was stored" in response.get_json()["detail"]
    assert stored_counts(sqlite_app) == before


def _plain_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG")
    return out.getvalue()


def test_summary_refuses_stores_without_an_active_manifest() -> None:
    with pytest.raises(CredentialError):
        summarise({"manifests": {}}, "0" * 64)
    store = {
        "active_manifest": "m",
        "manifests": {"m": {"signature_info": {"common_name": "x"}}},
        "validation_status": [],
    }
    assert summarise(store, "0" * 64).state == "verified"
