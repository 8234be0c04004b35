"""A change of the C2PA trust list reaches the signed manifest and the consumer page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask import Flask

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.services.capture_trust import refresh_capture_trust
from server.web.cli import main
from tests.conftest import load_demo, make_app, work_queue
from tests.server.c2pa_signing import ca_pem, signed_still
from tests.server.test_capture_credentials import (  # noqa: F401  (ply: a fixture)
    BATCH,
    BATCH_KEYS,
    FARM_IN_BATCH,
    _post,
    ply,
)

SIGNER = "Field capture app"


def _credit(app: Flask) -> dict[str, Any]:
    client = app.test_client()
    scene = client.get(f"/api/v1/batches/{BATCH_KEYS}/signatures").get_json()
    manifest = json.loads(client.get(scene["signatures"]["manifest"]["blob_url"]).data)
    (shot,) = [s for s in manifest["snapshots"] if s["site"] == FARM_IN_BATCH["key"]]
    return dict(shot["capture"])


def _report_url(app: Flask) -> str:
    scene = app.test_client().get(f"/api/v1/batches/{BATCH_KEYS}/signatures").get_json()
    return str(scene["signatures"]["report"]["blob_url"])


def _page(app: Flask) -> str:
    return app.test_client().get(BATCH, headers={"Accept-Language": "en"}).get_data(as_text=True)


def _refresh(app: Flask, anchors: str | None) -> Any:
    with app.app_context():
        done = refresh_capture_trust(db.session, blob_store(app), anchors)
    work_queue(app, ("default", "builds"))
    app.test_client().get(BATCH)  # a stale page asks for its build
    work_queue(app, ("default", "builds"))
    return done


def test_a_trust_list_change_reaches_the_manifest_and_the_page(
    tmp_path: Path,
    redis_url: str,
    sqlite_only: dict[str, Any],
    ply: bytes,  # noqa: F811
) -> None:
    # Each process may serve a page it checked less than PAGE_REVALIDATE_SECONDS ago: check
    # on every request, so the page read right after a rebuild is the rebuilt one.
    app = make_app(tmp_path, redis_url, {**sqlite_only, "PAGE_REVALIDATE_SECONDS": 0})
    load_demo(app)
    response = _post(app, ply, signed_still(hashlib.sha256(ply).hexdigest()), FARM_IN_BATCH)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["credentials"]["state"] == "untrusted"
    app.test_client().get(BATCH)
    work_queue(app, ("default", "builds"))
    app.test_client().get(BATCH)  # the finished snapshot makes the scene stale
    work_queue(app, ("default", "builds"))
    assert _credit(app)["state"] == "untrusted"
    assert f"Not verified: signed by {SIGNER}" in _page(app)

    # The capture app's CA is added to the list: the same still is now verified. Only the
    # scene is rebuilt: the evidence report (and its log leaf) stays the one published.
    report = _report_url(app)
    done = _refresh(app, ca_pem())
    assert done.read == 1 and list(done.changed.values()) == [("untrusted", "verified")]
    assert _credit(app)["state"] == "verified"
    assert _report_url(app) == report
    assert f"Verified: signed by {SIGNER}, certified by" in _page(app)

    # The same list again reads nothing; removed, the capture is not verified any more.
    with app.app_context():
        assert refresh_capture_trust(db.session, blob_store(app), ca_pem()).read == 0
    done = _refresh(app, None)
    assert list(done.changed.values()) == [("verified", "untrusted")]
    assert _credit(app)["state"] == "untrusted"
    assert f"Not verified: signed by {SIGNER}" in _page(app)


def test_a_worker_starting_under_a_new_list_judges_again_and_the_command_reports(
    tmp_path: Path,
    redis_url: str,
    sqlite_only: dict[str, Any],
    ply: bytes,  # noqa: F811
) -> None:
    anchors = tmp_path / "capture-cas.pem"
    anchors.write_text(ca_pem())
    app = make_app(tmp_path, redis_url, sqlite_only)
    load_demo(app)
    assert _post(app, ply, signed_still(hashlib.sha256(ply).hexdigest())).status_code == 202
    app.config["C2PA_TRUST_ANCHORS_PATH"] = str(anchors)  # as a restart with the list set
    worker = CliRunner().invoke(main, ["worker", "--burst"], obj=_script_info(app))
    assert worker.exit_code == 0, worker.output
    assert "a refresh job is queued" in worker.output  # and this burst worker ran it
    again = CliRunner().invoke(main, ["worker", "--burst"], obj=_script_info(app))
    assert again.exit_code == 0 and "refresh" not in again.output, again.output
    same = CliRunner().invoke(main, ["refresh-capture-trust"], obj=_script_info(app))
    assert same.exit_code == 0, same.output
    assert "0 capture credentials judged again, 0 changed" in same.output
    forced = CliRunner().invoke(main, ["refresh-capture-trust", "--force"], obj=_script_info(app))
    assert "1 capture credentials judged again, 0 changed; rebuilds asked for 0 brands" in (
        forced.output
    )
    with app.app_context():
        from server.adapters.models import Snapshot

        (snapshot,) = db.session.query(Snapshot).all()
        assert snapshot.credentials is not None
        assert snapshot.credentials["state"] == "verified"


def _script_info(app: Flask) -> Any:
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_only_shown_credentials_judged_under_another_list_are_read_again(
    tmp_path: Path,
    redis_url: str,
    sqlite_only: dict[str, Any],
    ply: bytes,  # noqa: F811
) -> None:
    from server.adapters.broker import broker
    from server.services.capture_trust import needs_refresh, request_trust_refresh

    app = make_app(tmp_path, redis_url, sqlite_only)
    load_demo(app)
    still = signed_still(hashlib.sha256(ply).hexdigest())
    for _ in range(2):  # the second capture of the site supersedes the first once tiled
        assert _post(app, ply, still, FARM_IN_BATCH).status_code == 202
        work_queue(app, ("default", "builds"))
    with app.app_context():
        # Each upload was judged under the list of its moment (none) and stamped so.
        assert not needs_refresh(db.session, None)
        assert refresh_capture_trust(db.session, blob_store(app), None).read == 0
        assert needs_refresh(db.session, ca_pem())
        # Under a new list only the shown (newest finished) snapshot is read again.
        done = refresh_capture_trust(db.session, blob_store(app), ca_pem())
        assert done.read == 1 and list(done.changed.values()) == [("untrusted", "verified")]
        assert not needs_refresh(db.session, ca_pem())
        # However many workers start under one list, one refresh job is enqueued.
        assert request_trust_refresh(broker.redis, None, 60)
        assert not request_trust_refresh(broker.redis, None, 60)
        assert request_trust_refresh(broker.redis, ca_pem(), 60)
