"""C2PA capture credentials sent with a snapshot: verified with c2pa-python, shown, refused
when they fail verification (and then nothing is stored)."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
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
from tests.conftest import api_token, load_demo, make_app, stored_counts, work_queue
from tests.server.c2pa_signing import ca_pem, signed_still
from workers.worker import run_worker

FARM = {"key": "farm-01", "lat": "6.620711", "lon": "-2.104393"}
# A farm of the batch below, whose scene shows its snapshot.
FARM_IN_BATCH = {"key": "farm-14", "lat": "6.479835", "lon": "-1.885016"}
BATCH = "/01/09520123100025/10/NK25-0227"
BATCH_KEYS = "09520123100025/NK25-0227"


@pytest.fixture(scope="module")
def ply() -> bytes:
    return write_ply(rdf_to_rub(demo_capture("farm", 1500)))


def _post(app: Flask, ply: bytes, credentials: bytes | None, site: dict[str, str] = FARM) -> Any:
    form: dict[str, Any] = {
        "file": (io.BytesIO(ply), "capture.ply"),
        "captured_on": "2025-02-01",
        "lat": site["lat"],
        "lon": site["lon"],
    }
    if credentials is not None:
        form["credentials"] = (io.BytesIO(credentials), "still.jpg")
    return app.test_client().post(
        f"/api/sites/{site['key']}/snapshots",
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


def test_a_signer_under_a_trusted_ca_is_verified_and_credited_in_the_signed_manifest(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any], ply: bytes
) -> None:
    anchors = tmp_path / "capture-cas.pem"
    anchors.write_text(ca_pem())
    app = make_app(tmp_path, redis_url, sqlite_only, C2PA_TRUST_ANCHORS_PATH=str(anchors))
    load_demo(app)
    still = signed_still(hashlib.sha256(ply).hexdigest())
    response = _post(app, ply, still, FARM_IN_BATCH)
    assert response.status_code == 202, response.get_json()
    credentials = response.get_json()["credentials"]
    assert credentials["state"] == "verified"
    # No timestamp authority countersigned the test still: the signature names no time.
    assert "signed_at" in credentials and credentials["signed_at"] is None
    client = app.test_client()
    client.get(BATCH)
    with app.app_context():
        run_worker(app, broker.redis, ["default", "builds"], burst=True)
    client.get(BATCH)  # the finished snapshot makes the scene stale: build it again
    work_queue(app)
    scene = client.get(f"/api/v1/batches/{BATCH_KEYS}/signatures").get_json()
    manifest = json.loads(client.get(scene["signatures"]["manifest"]["blob_url"]).data)
    (shot,) = [s for s in manifest["snapshots"] if s["site"] == FARM_IN_BATCH["key"]]
    assert shot["capture"]["state"] == "verified"
    assert shot["capture"]["signer"] == "Field capture app"
    assert shot["capture"]["credentials_sha256"] == credentials["image_sha256"]
    page = client.get(BATCH, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Verified: signed by Field capture app, certified by" in page
    assert "Captured on February 1, 2025, as the uploader states." in page
    # What verify checks: the still the manifest names is the one that was sent.
    assert (
        hashlib.sha256(client.get(f"/blobs/{credentials['image_sha256']}").data).hexdigest()
        == (shot["capture"]["credentials_sha256"])
    )


def test_a_trust_list_that_is_not_pem_is_refused_at_start(
    tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any]
) -> None:
    anchors = tmp_path / "capture-cas.pem"
    anchors.write_text("not a certificate")
    with pytest.raises(ValueError, match=r"C2PA_TRUST_ANCHORS_PATH .* holds no PEM certificate"):
        make_app(tmp_path, redis_url, sqlite_only, C2PA_TRUST_ANCHORS_PATH=str(anchors))


def test_captures_without_trusted_credentials_say_they_are_not_verified(
    sqlite_app: Flask,
) -> None:
    from server.web.capture_view import capture_views

    manifest = {
        "sites": [{"id": "farm-14", "name": "farm-14"}, {"id": "coop-1", "name": "Coop"}],
        "snapshots": [
            {"site": "farm-14", "capture": {"state": "none", "captured_on": "2025-02-01"}},
            {
                "site": "coop-1",
                "capture": {"state": "untrusted", "signer": "App", "binds_capture": False},
            },
        ],
    }
    with sqlite_app.test_request_context(headers={"Accept-Language": "de"}):
        none, untrusted = capture_views(manifest)
    assert none["lines"][0] == (
        "Nicht geprüft: Zu dieser Aufnahme wurden keine Aufnahmenachweise mitgeschickt."
    )
    assert untrusted["place"] == "Coop" and not untrusted["verified"]
    assert untrusted["lines"][0].startswith("Nicht geprüft: signiert von App")
    assert "andere Aufnahme" in untrusted["lines"][-1]
