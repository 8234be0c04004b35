"""The public never receives what the brand's disclosure policy withholds.

Every public output of a built batch — page, check pages, linkset, evidence report,
summary, EPCIS events, scene manifest, GLB and poster — is fetched and searched for exact
coordinates, withheld names and withheld price figures, under the default policy and a
stricter one. The brand's integrators keep full precision.
"""

from __future__ import annotations

import html
import json
import math
import re
import struct
import urllib.parse
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Blob, Brand, EvidenceRecord, Plot, Site
from server.core.disclosure.policy import snap
from tests.conftest import api_token, work_queue

GTIN, LOT = "09520123100025", "NK25-0227"
PAGE = f"/01/{GTIN}/10/{LOT}"
API = f"/api/v1/batches/{GTIN}/{LOT}"
STRICT = {
    "location": "grid_10km",
    "named_kinds": ["port", "factory"],
    "withheld_sites": ["port-1"],
    "show_prices": False,
}


def _site_rows(app: Flask) -> list[Site]:
    with app.app_context():
        return list(db.session.scalars(select(Site)))


def _set_policy(app: Flask, policy: dict[str, Any]) -> None:
    with app.app_context(), db.transaction() as session:
        brand = session.scalars(select(Brand).where(Brand.slug == "nkabom")).one()
        brand.settings = {**brand.settings, "disclosure": policy}


def _gltf_json(glb: bytes) -> dict[str, Any]:
    length = struct.unpack_from("<I", glb, 12)[0]
    result: dict[str, Any] = json.loads(glb[20 : 20 + length])
    return result


def _public_outputs(client: FlaskClient) -> dict[str, Any]:
    """Fetch every public output of the batch; return {name: text or parsed data}."""
    outputs: dict[str, Any] = {}
    page = client.get(PAGE)
    assert page.status_code == 200
    outputs["page"] = page.get_data(as_text=True)
    outputs["linkset"] = client.get(PAGE + "?linkType=linkset").get_data(as_text=True)
    for name in ("evidence", "summary", "events", "signatures"):
        response = client.get(f"{API}/{name}")
        assert response.status_code == 200, name
        outputs[name] = response.get_data(as_text=True)
    report = json.loads(outputs["evidence"])
    for check in report["checks"]:
        response = client.get(f"/batches/{GTIN}/{LOT}/checks/{check['key']}")
        assert response.status_code == 200
        outputs[f"check:{check['key']}"] = response.get_data(as_text=True)
    signatures = json.loads(outputs["signatures"])["signatures"]
    outputs["manifest"] = client.get(signatures["manifest"]["blob_url"]).get_data(as_text=True)
    manifest = json.loads(outputs["manifest"])
    glb = client.get(f"/blobs/{manifest['glb']}").data
    outputs["glb"] = glb.decode("latin-1")
    outputs["glb_json"] = _gltf_json(glb)
    linked = {part[7:71] for part in outputs["page"].split('"') if part.startswith("/blobs/")}
    for sha in linked:
        body = client.get(f"/blobs/{sha}")
        if body.mimetype == "image/svg+xml":
            outputs[f"poster:{sha}"] = body.get_data(as_text=True)
    assert any(name.startswith("poster:") for name in outputs)
    # The page carries the poster itself (its LCP image paints with the first paint) and
    # links to the blob it is: both are searched, and they are the same drawing.
    carried = _carried_poster(outputs["page"])
    assert carried in {v for k, v in outputs.items() if k.startswith("poster:")}
    outputs["poster:page"] = carried
    return outputs


def _carried_poster(page: str) -> str:
    """Return the SVG the page's poster <img> carries as a data: URI, decoded."""
    found = re.search(r'<a href="/blobs/[0-9a-f]{64}"[^>]*><img class="poster" src="([^"]+)"', page)
    assert found, "the poster <img>, linked to its blob, is not in the page"
    prefix, _, body = html.unescape(found.group(1)).partition(",")
    assert prefix == "data:image/svg+xml;charset=utf-8"
    return urllib.parse.unquote(body)


def _coordinate_texts(site: Site) -> list[str]:
    """Return how an exact coordinate of `site` could appear in text (4+ decimals)."""
    assert site.lat is not None and site.lon is not None
    texts = []
    for value in (site.lat, site.lon):
        for places in (6, 5, 4):
            texts.append(f"{value:.{places}f}".rstrip("0"))
    return [t for t in texts if len(t.split(".")[1]) >= 4]


def _invert(panel: dict[str, Any], x: float, z: float) -> tuple[float, float]:
    """Return (lat, lon) of table position (x, z) on a manifest panel."""
    lon0, lat0 = panel["geo_center"]
    mpk = panel["metres_per_km"]
    coslat = math.cos(math.radians(lat0))
    lon = lon0 + (x - panel["position"][0]) / mpk / (111.32 * coslat)
    lat = lat0 - (z - panel["position"][2]) / mpk / 110.57
    return lat, lon


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = (a[0] - b[0]) * 110.57
    dlon = (a[1] - b[1]) * 111.32 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


def _assert_positions_are_cell_centres(
    outputs: dict[str, Any], sites: dict[str, Site], precision: str
) -> None:
    manifest = json.loads(outputs["manifest"])
    panels = {p["node"]: p for p in manifest["panels"]}
    nodes = {n.get("name"): n for n in outputs["glb_json"]["nodes"]}
    checked = 0
    for entry in manifest["sites"]:
        site = sites[entry["id"]]
        assert site.lat is not None and site.lon is not None
        panel = panels[entry["panel"]]
        shown = _invert(panel, entry["position"][0], entry["position"][2])
        centre = snap(site.lat, site.lon, precision, site.country)
        # 0.1 mm on the table is at most ~70 m on these panels; a cell is 1 km or more.
        assert _km(shown, centre) < 0.1, (entry["id"], shown, centre)
        if _km((site.lat, site.lon), centre) > 0.15:
            assert _km(shown, (site.lat, site.lon)) > 0.1  # not the exact place
        node = nodes[entry["node"]]  # trimesh writes a column-major 4x4 matrix
        translation = node.get("translation") or node["matrix"][12:15]
        assert [round(v, 4) for v in translation] == entry["position"]
        checked += 1
    assert checked >= 10
    # The poster draws the same (checked) positions, in millimetres on the table.
    markers = {
        (round(e["position"][0] * 1000), round(e["position"][2] * 1000)) for e in manifest["sites"]
    }
    posters = [v for k, v in outputs.items() if k.startswith("poster:")]
    for poster in posters:
        drawn = {
            (int(x), int(z)) for x, z in re.findall(r'<circle cx="(-?\d+)" cy="(-?\d+)"', poster)
        }
        assert drawn == markers


def _searchable(outputs: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in outputs.items() if isinstance(v, str)}


def test_default_policy_withholds_farm_names_and_exact_places(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    client.get(PAGE)
    work_queue(sqlite_app)
    outputs = _public_outputs(client)
    sites = {s.key: s for s in _site_rows(sqlite_app)}
    farms = [s for s in sites.values() if s.kind == "farm"]
    for name, text in _searchable(outputs).items():
        for farm in farms:
            assert farm.name not in text, (name, farm.name)
            assert farm.properties.get("farmer", "\0") not in text, (name, farm.key)
        for site in sites.values():
            for coordinate in _coordinate_texts(site):
                assert coordinate not in text, (name, site.key, coordinate)
    _assert_positions_are_cell_centres(outputs, sites, "grid_1km")
    # Named kinds stay named; the report says it is a redacted derivative and of what.
    assert "Nyinahin Cocoa Farmers&#39; Cooperative" in outputs["page"]
    report = json.loads(outputs["evidence"])
    assert report["disclosure"]["redacted"] is True
    assert "1 km" in report["disclosure"]["notes"][0]
    manifest = json.loads(outputs["manifest"])
    assert manifest["report"] == json.loads(outputs["signatures"])["signatures"]["report"]["blob"]
    # The full report it was derived from is not served to the public.
    assert client.get(f"/blobs/{report['disclosure']['derived_from']}").status_code == 404
    # Prices are shown by default.
    price = next(c for c in report["checks"] if c["key"] == "farmgate_price")
    assert price["value"] is not None and "amount" in json.dumps(price["details"])


def test_stricter_policy_rebuilds_and_withholds_more(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    client.get(PAGE)
    work_queue(sqlite_app)
    before = json.loads(client.get(f"{API}/evidence").get_data(as_text=True))
    _set_policy(sqlite_app, STRICT)
    client.get(PAGE)  # the policy is part of the fingerprints: new builds are enqueued
    work_queue(sqlite_app)
    outputs = _public_outputs(client)
    report = json.loads(outputs["evidence"])
    assert report["disclosure"]["policy"]["location"] == "grid_10km"
    assert report["disclosure"]["derived_from"] != before["disclosure"]["derived_from"] or (
        report != before
    )
    sites = {s.key: s for s in _site_rows(sqlite_app)}
    withheld = [s for s in sites.values() if s.kind in ("farm", "cooperative", "fermentary")]
    withheld.append(sites["port-1"])
    with sqlite_app.app_context():
        payments = db.session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.kind == "farmgate_payment")
        ).all()
        figures = {f"{r.payload['amount']}" for r in payments} | {
            f"{r.payload['price_per_kg']}" for r in payments
        }
    for name, text in _searchable(outputs).items():
        if name == "glb":
            continue  # binary: its node names and positions are checked below
        for site in withheld:
            assert site.name not in text.replace("&#39;", "'"), (name, site.name)
        for site in sites.values():
            for coordinate in _coordinate_texts(site):
                assert coordinate not in text, (name, site.key, coordinate)
        for figure in figures:
            assert f'"amount": {figure}' not in text and f'"amount":{figure}' not in text
            assert f'"price_per_kg": {figure}' not in text
    _assert_positions_are_cell_centres(outputs, sites, "grid_10km")
    assert sites["factory-1"].name in outputs["page"]  # factories stay named
    price = next(c for c in report["checks"] if c["key"] == "farmgate_price")
    assert price["value"] is None and price["withheld"] is True
    assert price["status"] in ("ok", "warn", "fail", "unknown")
    for key in ("amount", "price_per_kg", "ratio", "currency"):
        assert f'"{key}"' not in json.dumps(price["details"])
    summary = json.loads(outputs["summary"])
    assert next(c for c in summary["checks"] if c["key"] == "farmgate_price")["value"] is None
    assert "not shown (the brand" in outputs["page"].replace("&#39;", "'")
    legs = next(c for c in report["checks"] if c["key"] == "transport_emissions")["details"]
    assert legs and all(leg["distance_km"] % 10 == 0 for leg in legs if leg["distance_km"])


@pytest.mark.parametrize("policy", [None, STRICT])
def test_token_holders_keep_full_precision(
    sqlite_app: Flask, policy: dict[str, Any] | None
) -> None:
    if policy:
        _set_policy(sqlite_app, policy)
    client = sqlite_app.test_client()
    client.get(PAGE)
    work_queue(sqlite_app)
    auth = {"Authorization": f"Bearer {api_token(sqlite_app)}"}
    export = client.get(f"{API}/eudr", headers=auth).get_json()
    with sqlite_app.app_context():
        plots = {p.key: p.geometry for p in db.session.scalars(select(Plot))}
    assert export["features"]
    for feature in export["features"]:
        assert feature["geometry"] == plots[feature["id"]]
    full = client.get(f"{API}/evidence/full", headers=auth)
    assert full.status_code == 200 and full.headers["Cache-Control"] == "private, no-store"
    assert export["evidence_report_sha256"] == full.get_etag()[0]
    price = next(c for c in full.get_json()["checks"] if c["key"] == "farmgate_price")
    assert price["value"] is not None and "disclosure" not in full.get_json()
    public = client.get(f"{API}/evidence").get_json()
    assert public["disclosure"]["derived_from"] == export["evidence_report_sha256"]
    assert client.get(f"{API}/evidence/full").status_code == 401


def test_household_documents_are_for_token_holders_only(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        records = {
            r.key: r.document_sha256
            for r in db.session.scalars(
                select(EvidenceRecord).where(EvidenceRecord.document_sha256.is_not(None))
            )
        }
    case, certificate = records["ev-clmrs-farm-09"], records["ev-cert-coop-1"]
    assert case is not None and certificate is not None
    client = sqlite_app.test_client()
    clean = "/01/09520123100018/10/NK25-0120"
    client.get(clean)
    work_queue(sqlite_app)
    page = client.get("/batches/09520123100018/NK25-0120/checks/child_labour")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"sha256 {case}" in html
    assert f"/blobs/{case}" not in html and "for auditors only" in html
    refused = client.get(f"/blobs/{case}")
    assert refused.status_code == 403 and b"farmer" not in refused.data
    assert client.get(f"/blobs/{certificate}").status_code == 200  # a cooperative's: public
    auth = {"Authorization": f"Bearer {api_token(sqlite_app)}"}
    document = client.get(f"/api/v1/documents/{case}", headers=auth)
    assert document.status_code == 200 and b'"farmer"' in document.data
    assert document.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/api/v1/documents/{case}").status_code == 401
    assert client.get(f"/api/v1/documents/{'0' * 64}", headers=auth).status_code == 404


def test_country_precision_puts_every_place_at_its_country(sqlite_app: Flask) -> None:
    _set_policy(sqlite_app, {"location": "country"})
    client = sqlite_app.test_client()
    client.get(PAGE)
    work_queue(sqlite_app)
    outputs = _public_outputs(client)
    sites = {s.key: s for s in _site_rows(sqlite_app)}
    _assert_positions_are_cell_centres(outputs, sites, "country")
    report = json.loads(outputs["evidence"])
    legs = next(c for c in report["checks"] if c["key"] == "transport_emissions")["details"]
    assert legs and all(leg["distance_km"] is None for leg in legs)
    # Sites are listed by country only (the brand's own story text may still name regions).
    assert "(Ashanti, GH)" not in outputs["page"] and "(GH)" in outputs["page"]
    assert "Places are shown by country only" in outputs["page"]


def test_a_lost_document_answers_gone_not_as_a_record_without_one(sqlite_app: Flask) -> None:
    """A verifier counts a 404 as "no document"; a document whose file is lost must fail."""
    with sqlite_app.app_context():
        certificate = db.session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.key == "ev-cert-coop-1")
        ).one()
        bare = db.session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.document_sha256.is_(None))
        ).first()
        assert certificate.document_sha256 is not None and bare is not None
        document, record_hash = certificate.document_sha256, bare.record_sha256
        client = sqlite_app.test_client()
        assert client.get(f"/blobs/{document}").status_code == 200
        assert client.get(f"/blobs/{record_hash}").status_code == 404  # never a blob
        blob_store().path(document).unlink()  # the file is lost; its row stays
        lost = client.get(f"/blobs/{document}")
        assert lost.status_code == 410 and b"upload it again" in lost.data
        db.session.delete(db.session.get(Blob, document))  # and its row too
        db.session.commit()
        assert client.get(f"/blobs/{document}").status_code == 410
