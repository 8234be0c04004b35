"""Snapshot uploads in the studio: the same validation as the API, progress over a socket."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import simple_websocket
from flask import Flask
from sqlalchemy import select

from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.models import Snapshot
from server.core.splats import rdf_to_rub, write_ply
from server.core.splats.demo import demo_capture
from tests.conftest import LiveServer, stored_counts
from tests.studio.conftest import StudioClient
from workers.worker import run_worker

PAGE = "/studio/nkabom/snapshots"


def _form(data: bytes, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "site": "farm-01",
        "file": (io.BytesIO(data), "capture.ply"),
        "captured_on": "2025-02-01",
        "lat": "6.620711",
        "lon": "-2.104393",
        "party": "coop-1 field officer",
        "consent": "Farmer agreed; no people in view.",
    }
    form.update(changes)
    return form


@pytest.fixture
def ply() -> bytes:
    return write_ply(rdf_to_rub(demo_capture("farm", 2000)))


def test_editor_uploads_and_the_worker_tiles_it(
    studio: StudioClient, studio_app: Flask, ply: bytes
) -> None:
    page = studio.get(PAGE)
    assert page.status_code == 200
    assert "47 sites have no snapshot yet" in page.get_data(as_text=True)
    response = studio.post(PAGE, _form(ply), content_type="multipart/form-data")
    assert response.status_code == 303
    listing = studio.get(PAGE).get_data(as_text=True)
    assert "2,000" in listing and "waiting" in listing and "<progress" in listing
    assert 'http-equiv="refresh"' in listing  # without JavaScript the page refreshes itself
    with studio_app.app_context():
        run_worker(studio_app, broker.redis, ["default"], burst=True)
    done = studio.get(PAGE).get_data(as_text=True)
    assert "ready" in done and "<progress" not in done


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"file": (b"ply\nformat ascii 1.0\nend_header\n", "x.ply")}, "Invalid splat"),
        ({"lat": "7.9", "lon": "-1.0"}, "from the site"),
        ({"captured_on": "yesterday"}, "captured_on"),
        ({"site": "farm-999"}, "Choose one of the brand"),
        ({"file": (b"", "")}, "Choose a .ply or .spz"),
    ],
)
def test_refused_uploads_say_why_and_store_nothing(
    studio: StudioClient, studio_app: Flask, ply: bytes, changes: dict[str, Any], message: str
) -> None:
    studio.get(PAGE)
    before = stored_counts(studio_app)
    fields = dict(changes)
    if "file" in fields:
        content, name = fields["file"]
        fields["file"] = (io.BytesIO(content), name)
    response = studio.post(PAGE, _form(ply, **fields), content_type="multipart/form-data")
    assert 400 <= response.status_code < 500
    body = response.get_data(as_text=True)
    assert message in body and "nothing was stored" in body and 'role="alert"' in body
    assert stored_counts(studio_app) == before


def test_viewers_watch_other_brands_see_nothing(studio_app: Flask, ply: bytes) -> None:
    viewer = StudioClient(studio_app.test_client())
    viewer.login("viewer@nkabom.example")
    page = viewer.get(PAGE)
    assert page.status_code == 200 and "Upload a capture" not in page.get_data(as_text=True)
    refused = viewer.post(PAGE, _form(ply), content_type="multipart/form-data")
    assert refused.status_code == 403
    rival = StudioClient(studio_app.test_client())
    rival.login("editor@rival.example")
    assert rival.get(PAGE).status_code == 404
    rival.get("/studio/rival/snapshots")  # a form of its own brand: a valid CSRF token
    assert rival.post(PAGE, _form(ply), content_type="multipart/form-data").status_code == 404
    assert stored_counts(studio_app)[0] == 0


def test_progress_socket_for_studio_users_of_the_brand_only(
    studio: StudioClient, studio_app: Flask, ply: bytes
) -> None:
    studio.get(PAGE)
    studio.post(PAGE, _form(ply), content_type="multipart/form-data")
    with studio_app.app_context():
        snapshot_id = db.session.scalars(select(Snapshot.id)).one()
    cookie = studio.client.get_cookie("originxr_session")
    assert cookie is not None
    rival = StudioClient(studio_app.test_client())
    rival.login("editor@rival.example")
    rival_cookie = rival.client.get_cookie("originxr_session")
    assert rival_cookie is not None
    with LiveServer(studio_app) as server:
        url = server.url.replace("http", "ws") + f"/ws/snapshots/{snapshot_id}"
        for headers in ({}, {"Cookie": f"originxr_session={rival_cookie.value}"}):
            with pytest.raises(
                (simple_websocket.ConnectionError, simple_websocket.ConnectionClosed)
            ):
                ws = simple_websocket.Client.connect(url, headers=headers)
                ws.receive(timeout=5)
        ws = simple_websocket.Client.connect(
            url, headers={"Cookie": f"originxr_session={cookie.value}"}
        )
        with studio_app.app_context():
            run_worker(studio_app, broker.redis, ["default"], burst=True)
        messages = []
        try:
            while not messages or messages[-1]["type"] == "state":
                raw = ws.receive(timeout=60)
                assert raw is not None, f"no message within 60 s after {messages}"
                messages.append(json.loads(raw))
        finally:
            ws.close()
    assert messages[0]["status"] in ("queued", "tiling", "done")
    assert messages[-1]["type"] == "done"


def test_capture_credentials_are_shown_in_the_studio(studio: StudioClient, ply: bytes) -> None:
    import hashlib

    from tests.server.c2pa_signing import signed_still

    studio.get(PAGE)
    still = signed_still(hashlib.sha256(ply).hexdigest())
    form = _form(ply, credentials=(io.BytesIO(still), "still.jpg"))
    assert studio.post(PAGE, form, content_type="multipart/form-data").status_code == 303
    page = studio.get(PAGE).get_data(as_text=True)
    assert "signed, signer not on a trust list" in page
    assert "by Field capture app" in page and "names this capture" in page
