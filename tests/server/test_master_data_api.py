"""Master data uploads: plots as GeoJSON (checked feature by feature) and evidence documents."""

from __future__ import annotations

import copy
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rq import Queue
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from server.adapters.blobs import blob_store
from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.models import Batch, Blob, Brand, Build, EvidenceRecord, Plot
from server.core.evidence.upload_checks import MAX_DOCUMENT_BYTES
from tests.conftest import api_token, work_queue

X, Y = -2.104393, 6.620711
SQUARE = [[X, Y], [-2.10311, Y], [-2.10311, 6.621982], [X, 6.621982], [X, Y]]  # ~1.99 ha
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _token(app: Flask, slug: str = "nkabom") -> str:
    return api_token(app, slug)


def _count(app: Flask, model: type[Any]) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _revision(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(Brand.data_revision).where(Brand.slug == "nkabom")).one()


def _batch_revisions(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {lot: rev for lot, rev in db.session.execute(select(Batch.lot, Batch.data_revision))}


def _queued(app: Flask) -> int:
    with app.app_context():
        return Queue("builds", connection=broker.redis).count


def _built(app: Flask) -> int:
    with app.app_context():
        return int(
            db.session.scalar(select(func.count()).select_from(Build).where(Build.status == "done"))
            or 0
        )


def _plot(key: str = "plot-new-1", **changes: Any) -> dict[str, Any]:
    feature: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [copy.deepcopy(SQUARE)]},
        "properties": {"id": key, "farm": "farm-01", "declared_area_ha": 2.0, "country": "GH"},
    }
    for name, value in changes.items():
        if name == "geometry":
            feature["geometry"] = value
        else:
            feature["properties"][name] = value
    return feature


def _post_plots(app: Flask, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {_token(app)}"}
    return app.test_client().post("/api/plots", json=body, headers=headers)


def _collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_valid_plots_are_stored_and_rebuilds_enqueued(app: Flask) -> None:
    before, revision = _count(app, Plot), _revision(app)
    point = _plot("plot-new-2", geometry={"type": "Point", "coordinates": [-2.114391, 6.630712]})
    response = _post_plots(app, _collection(_plot(), point))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["created"] == 2
    assert _count(app, Plot) == before + 2
    assert _revision(app) == revision + 1
    assert response.get_json()["rebuildRequested"] is True
    assert _queued(app) == 1  # one coalesced job that enqueues the brand's builds
    work_queue(app)
    assert _queued(app) == 0 and _built(app) == 6  # evidence + scene of the three batches
    again = _post_plots(app, _collection(_plot(), point))
    assert again.status_code == 200
    assert again.get_json()["unchanged"] == 2
    assert _revision(app) == revision + 1
    moved = _post_plots(app, _collection(_plot(declared_area_ha=1.95)))
    assert (moved.status_code, moved.get_json()["updated"]) == (200, 1)
    with app.app_context():
        stored = db.session.scalars(select(Plot).where(Plot.key == "plot-new-1")).one()
    assert (stored.site_key, stored.declared_area_ha, stored.country) == ("farm-01", 1.95, "GH")
    assert stored.geometry["coordinates"] == [SQUARE]


BOWTIE = [[X, Y], [-2.10311, 6.621982], [-2.10311, Y], [X, 6.621982], [X, Y]]
CASES: dict[str, tuple[Any, str]] = {
    "not a feature": ({"type": "Polygon", "coordinates": [SQUARE]}, "not_a_feature"),
    "line": (
        _plot(geometry={"type": "LineString", "coordinates": SQUARE}),
        "geometry_type",
    ),
    "unclosed ring": (
        _plot(geometry={"type": "Polygon", "coordinates": [SQUARE[:-1]]}),
        "ring_not_closed",
    ),
    "self-intersection": (
        _plot(geometry={"type": "Polygon", "coordinates": [BOWTIE]}),
        "invalid_geometry",
    ),
    "latitude out of range": (
        _plot(geometry={"type": "Point", "coordinates": [-2.104393, 96.620711]}),
        "coordinate_range",
    ),
    "outside the country": (
        _plot(geometry={"type": "Point", "coordinates": [5.104393, 52.620711]}),
        "outside_country",
    ),
    "lat/lon swapped": (
        _plot(geometry={"type": "Polygon", "coordinates": [[[y, x] for x, y in SQUARE]]}),
        "lat_lon_swapped",
    ),
    "few decimals": (
        _plot(geometry={"type": "Point", "coordinates": [-2.1044, 6.6207]}),
        "precision",
    ),
    "point above 4 ha": (
        _plot(
            declared_area_ha=6.5,
            geometry={"type": "Point", "coordinates": [-2.104393, 6.620711]},
        ),
        "polygon_required",
    ),
    "area mismatch": (_plot(declared_area_ha=3.0), "area_mismatch"),
    "unknown farm": (_plot(farm="farm-99"), "farm"),
    "not a farm": (_plot(farm="coop-1"), "farm"),
    "unknown country": (_plot(country="XX"), "country"),
    "bad declared area": (_plot(declared_area_ha="two"), "declared_area"),
    "malformed coordinates": (
        _plot(geometry={"type": "Polygon", "coordinates": [[["a", 1]] * 4]}),
        "coordinates",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_plot_error_is_reported_per_feature_and_nothing_stored(
    sqlite_app: Flask, case: str
) -> None:
    bad, rule = CASES[case]
    before, revision = _count(sqlite_app, Plot), _revision(sqlite_app)
    response = _post_plots(sqlite_app, _collection(_plot("plot-ok"), bad))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert rule in {e["rule"] for e in errors}, errors
    assert {e["index"] for e in errors} == {1}
    assert all(e["path"].startswith("$.features[1]") for e in errors)
    assert (_count(sqlite_app, Plot), _revision(sqlite_app)) == (before, revision)
    assert _queued(sqlite_app) == 0


def _shifted(dx: float) -> list[list[float]]:
    """Return SQUARE moved `dx` degrees of longitude (its shape and area unchanged)."""
    return [[round(x + dx, 6), y] for x, y in SQUARE]


def test_a_plot_near_the_border_is_stored_with_a_warning_one_across_is_refused(
    sqlite_app: Flask,
) -> None:
    # The Natural Earth border of Ghana and Côte d'Ivoire runs near 3.26° W at 6.62° N.
    near = _plot("plot-near", geometry={"type": "Polygon", "coordinates": [_shifted(-1.15)]})
    headers = {"Authorization": f"Bearer {_token(sqlite_app)}", "Accept-Language": "fr"}
    response = sqlite_app.test_client().post("/api/plots", json=_collection(near), headers=headers)
    assert response.status_code == 201, response.get_json()
    (warning,) = response.get_json()["warnings"]
    assert (warning["rule"], warning["id"], warning["index"]) == ("near_border", "plot-near", 0)
    assert warning["message"].startswith("La parcelle se trouve à moins de 2 km")
    quiet = _post_plots(sqlite_app, _collection(_plot("plot-inside")))
    assert quiet.status_code == 201 and quiet.get_json()["warnings"] == []
    across = _plot("plot-across", geometry={"type": "Polygon", "coordinates": [_shifted(-1.25)]})
    refused = _post_plots(sqlite_app, _collection(across))
    assert refused.status_code == 422
    assert [e["rule"] for e in refused.get_json()["errors"]] == ["outside_country"]


def test_duplicate_ids_and_non_collections_are_refused(sqlite_app: Flask) -> None:
    twice = _post_plots(sqlite_app, _collection(_plot(), _plot()))
    assert twice.status_code == 422
    assert twice.get_json()["errors"][0] == {
        "index": 1,
        "id": "plot-new-1",
        "path": "$.features[1].properties.id",
        "rule": "duplicate_id",
        "message": "plot 'plot-new-1' appears twice",
    }
    assert _post_plots(sqlite_app, _plot()).status_code == 422
    assert _post_plots(sqlite_app, _collection()).status_code == 422
    headers = {"Authorization": f"Bearer {_token(sqlite_app)}", "Content-Type": "text/plain"}
    client = sqlite_app.test_client()
    assert client.post("/api/plots", data=b"{}", headers=headers).status_code == 415
    assert client.post("/api/plots", json=_collection(_plot())).status_code == 401


def _evidence(app: Flask, data: bytes | None = PDF, **fields: str) -> Any:
    form: dict[str, Any] = {
        "kind": "deforestation_assessment",
        "subject_type": "plot",
        "subject_id": "plot-01a",
        "issuer": "Independent reviewer",
        "issued_on": "2025-02-10",
        "valid_until": "2027-02-10",
        "payload": json.dumps({"status": "no_deforestation", "cutoff": "2020-12-31"}),
    }
    form.update(fields)
    if data is not None:
        form["file"] = FileStorage(io.BytesIO(data), filename="review.pdf")
    # Encoded in memory: the test client would spool a large body to a file nobody closes.
    boundary, body = encode_multipart(form)
    headers = {"Authorization": f"Bearer {_token(app)}"}
    return app.test_client().post(
        "/api/evidence",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _blob_files(app: Flask) -> int:
    return sum(1 for p in Path(app.config["BLOB_PATH"]).rglob("*") if p.is_file())


def test_a_pdf_is_stored_content_addressed_with_its_record(app: Flask) -> None:
    revision, batches = _revision(app), _batch_revisions(app)
    response = _evidence(app)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    sha = hashlib.sha256(PDF).hexdigest()
    assert (body["documentSha256"], body["mediaType"]) == (sha, "application/pdf")
    assert blob_store(app).get(sha) == PDF
    with app.app_context():
        record = db.session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.key == body["id"])
        ).one()
        blob = db.session.get(Blob, sha)
    assert blob is not None and blob.media_type == "application/pdf"
    assert (record.subject_type, record.subject_key, record.document_sha256) == (
        "plot",
        "plot-01a",
        sha,
    )
    assert record.payload["status"] == "no_deforestation"
    assert str(record.valid_until) == "2027-02-10"
    # Only the batches fed by the plot's farm go stale (issue #13: incremental rebuilds).
    assert _revision(app) == revision
    after = _batch_revisions(app)
    stale = {lot for lot in after if after[lot] == batches[lot] + 1}
    assert stale and stale | {lot for lot in after if after[lot] == batches[lot]} == set(after)
    assert _queued(app) == 1  # one coalesced rebuild job, then the reached batches' builds
    same = _evidence(app)
    assert (same.status_code, same.get_json()["id"]) == (200, body["id"])


def test_a_json_document_about_a_batch_is_keyed_by_its_lot_class(sqlite_app: Flask) -> None:
    document = json.dumps({"audit": "pass"}).encode()
    response = _evidence(
        sqlite_app,
        document,
        kind="audit",
        subject_type="batch",
        subject_id="9520123100018/NK25-0120",
        id="ev-audit-nk25-0120",
        valid_until="",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["mediaType"] == "application/json"
    with sqlite_app.app_context():
        record = db.session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.key == "ev-audit-nk25-0120")
        ).one()
    assert record.subject_key == "https://id.gs1.org/01/09520123100018/10/NK25-0120"
    assert record.valid_until is None
    reused = _evidence(sqlite_app, document, id="ev-audit-nk25-0120")
    assert (reused.status_code, reused.get_json()["field"]) == (409, "id")


REFUSALS: dict[str, tuple[dict[str, Any], int, str]] = {
    "wrong magic": ({"data": b"GIF89a\x00\x00"}, 415, "file"),
    "not json either": ({"data": b"{not json"}, 415, "file"),
    "too big": ({"data": PDF + b"0" * MAX_DOCUMENT_BYTES}, 413, "file"),
    "no file": ({"data": None}, 400, "file"),
    "unknown plot": ({"subject_id": "plot-99z"}, 422, "subject_id"),
    "unknown site": ({"subject_type": "site", "subject_id": "farm-99"}, 422, "subject_id"),
    "unknown batch": (
        {"subject_type": "batch", "subject_id": "9520123100018/NOPE"},
        422,
        "subject_id",
    ),
    "bad gtin": ({"subject_type": "batch", "subject_id": "123/NK25-0120"}, 422, "subject_id"),
    "bad subject type": ({"subject_type": "farmer"}, 400, "subject_type"),
    "unknown kind": ({"kind": "horoscope"}, 400, "kind"),
    "no issuer": ({"issuer": " "}, 400, "issuer"),
    "bad date": ({"issued_on": "10/02/2025"}, 400, "issued_on"),
    "impossible date": ({"issued_on": "2025-02-30"}, 400, "issued_on"),
    "ends before it starts": ({"valid_until": "2024-01-01"}, 400, "valid_until"),
    "payload not json": ({"payload": "{status"}, 400, "payload"),
    "payload not an object": ({"payload": "[1, 2]"}, 400, "payload"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_bad_evidence_uploads_are_refused_naming_the_field(sqlite_app: Flask, case: str) -> None:
    fields, status, field = REFUSALS[case]
    fields = dict(fields)
    data = fields.pop("data", PDF)
    before = (_count(sqlite_app, EvidenceRecord), _count(sqlite_app, Blob), _blob_files(sqlite_app))
    revision = _revision(sqlite_app)
    response = _evidence(sqlite_app, data, **fields)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["field"] == field
    after = (_count(sqlite_app, EvidenceRecord), _count(sqlite_app, Blob), _blob_files(sqlite_app))
    assert after == before
    assert _revision(sqlite_app) == revision


def test_evidence_needs_a_token_and_a_multipart_form(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    assert client.post("/api/evidence", data={"kind": "audit"}).status_code == 401
    headers = {"Authorization": f"Bearer {_token(sqlite_app)}"}
    assert client.post("/api/evidence", json={}, headers=headers).status_code == 415
