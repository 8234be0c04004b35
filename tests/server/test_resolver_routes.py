"""The resolver and the batch API on SQLite and PostgreSQL, with a real worker and Redis."""

from __future__ import annotations

import json
import re
from datetime import datetime

import brotli
from flask import Flask

from tests.conftest import work_queue

FLAGGED = "/01/09520123100025/10/NK25-0227"
CLEAN = "/01/09520123100018/10/NK25-0120"


def test_first_scan_enqueues_builds_and_shows_what_it_can(app: Flask) -> None:
    client = app.test_client()
    page = client.get(FLAGGED)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "NK25-0227" in html
    assert 'id="progress"' in html and "being computed" in html
    assert page.headers["Cache-Control"] == "no-cache"
    from rq import Queue

    from server.adapters.broker import broker

    with app.app_context():
        assert Queue("builds", connection=broker.redis).count == 2


def test_built_page_surfaces_the_problems_honestly(app: Flask) -> None:
    client = app.test_client()
    client.get(FLAGGED)
    work_queue(app)
    html = client.get(FLAGGED).get_data(as_text=True)
    assert 'class="check warn" id="check-yield_plausibility"' in html
    assert 'class="check fail" id="check-known_origin_share"' in html
    assert 'class="check unknown" id="check-deforestation"' in html
    assert "180%" in html or "180 %" in html
    german = client.get(FLAGGED, headers={"Accept-Language": "de"}).get_data(as_text=True)
    # Farms are shown by their reference where their check is shown, never by name.
    assert "Warnung: farm-17" in german
    assert "Unbekannt: farm-21, plot-21b" in german
    assert "GH-AS-0315" not in german
    assert "17% des Kakaos lassen sich keiner Farm zuordnen" in german  # the verdict says why
    detail = client.get("/batches/09520123100025/NK25-0227/checks/yield_plausibility")
    assert detail.status_code == 200
    assert "farm-17" in detail.get_data(as_text=True)
    # Uncertainty bands where they apply: in the report JSON and on each check's page.
    report = client.get("/api/v1/batches/09520123100025/NK25-0227/evidence").get_json()
    bands = {c["key"]: c["uncertainty"] for c in report["checks"]}
    for key in ("yield_plausibility", "known_origin_share", "transport_emissions"):
        check = next(c for c in report["checks"] if c["key"] == key)
        low, high = bands[key]
        assert low <= check["value"] <= high, key
    assert bands["yield_plausibility"][0] < bands["yield_plausibility"][1]
    assert bands["deforestation"] is None
    assert re.search(
        r"Uncertainty band: 1\d\d(\.\d)?\s?% – [12]\d\d", detail.get_data(as_text=True)
    )
    german = client.get(
        "/batches/09520123100025/NK25-0227/checks/transport_emissions?lang=de"
    ).get_data(as_text=True)
    assert re.search(r"Unsicherheitsbereich: [\d,]+ – [\d,]+ kg CO2e/kg", german)


def test_accept_language_picks_german_and_lang_overrides(app: Flask) -> None:
    client = app.test_client()
    client.get(CLEAN)
    work_queue(app)
    german = client.get(CLEAN, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german.get_data(as_text=True)
    assert "Die Farmen" in german.get_data(as_text=True)
    french = client.get(CLEAN + "?lang=fr", headers={"Accept-Language": "de"})
    assert '<html lang="fr">' in french.get_data(as_text=True)
    unknown = client.get(CLEAN, headers={"Accept-Language": "ja"})
    assert '<html lang="en">' in unknown.get_data(as_text=True)


def test_linkset_by_accept_header_and_by_link_type(app: Flask) -> None:
    client = app.test_client()
    by_header = client.get(FLAGGED, headers={"Accept": "application/linkset+json"})
    by_query = client.get(FLAGGED + "?linkType=linkset")
    for response in (by_header, by_query):
        assert response.status_code == 200
        assert response.mimetype == "application/linkset+json"
    linkset = by_query.get_json(force=True)["linkset"][0]
    assert linkset["anchor"].endswith(FLAGGED)
    for rel in ("pip", "traceability", "sustainabilityInfo", "epcis", "defaultLink"):
        assert linkset[f"https://gs1.org/voc/{rel}"][0]["href"].startswith("http")
    assert linkset["https://gs1.org/voc/pip"][0]["hreflang"] == ["en", "de", "fr", "nl"]


def test_every_response_links_to_the_linkset(app: Flask) -> None:
    client = app.test_client()
    for query in ("", "?linkType=linkset", "?linkType=gs1:traceability"):
        response = client.get(FLAGGED + query)
        assert 'rel="linkset"' in response.headers["Link"]
        assert "linkType=linkset" in response.headers["Link"]


def test_link_types_answer_with_their_targets(app: Flask) -> None:
    client = app.test_client()
    pending = client.get(FLAGGED + "?linkType=gs1:traceability")
    assert pending.status_code == 503 and pending.headers["Retry-After"] == "2"
    work_queue(app)
    report = client.get(FLAGGED + "?linkType=gs1:traceability")
    assert report.status_code == 200
    body = json.loads(report.data)
    assert body["schema"] == "originxr.evidence-report/1"
    assert body["batch"]["lot"] == "NK25-0227"
    assert report.headers["Content-Location"].endswith(
        "/api/v1/batches/09520123100025/NK25-0227/evidence"
    )
    summary = client.get(FLAGGED + "?linkType=gs1:sustainabilityInfo").get_json()
    assert {c["key"]: c["status"] for c in summary["checks"]}["yield_plausibility"] == "warn"
    events = client.get(FLAGGED + "?linkType=gs1:epcis")
    document = json.loads(events.data)
    assert document["type"] == "EPCISDocument"
    assert len(document["epcisBody"]["eventList"]) > 20
    # Exactly the journey's events, in time order.
    journey = [step["event"] for step in body["trace"]["journey"]]
    listed = document["epcisBody"]["eventList"]
    assert sorted(e["eventID"] for e in listed) == sorted(journey)
    assert [e["eventTime"] for e in listed] == sorted(
        (e["eventTime"] for e in listed), key=lambda t: datetime.fromisoformat(t)
    )
    missing = client.get(
        FLAGGED + "?linkType=gs1:recipeInfo", headers={"Accept": "application/json"}
    )
    assert missing.status_code == 404
    assert "gs1:traceability" in missing.get_json()["detail"]


def test_malformed_links_get_400_with_the_reason(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/01/09520123100026/10/NK25-0227")
    assert page.status_code == 400
    assert "wrong check digit" in page.get_data(as_text=True)
    api = client.get("/01/09520123100025/21/S/10/L", headers={"Accept": "application/json"})
    assert api.status_code == 400
    assert api.mimetype == "application/problem+json"
    assert "out of order" in api.get_json()["detail"]


def test_unknown_product_and_batch_get_a_helpful_404_in_the_shoppers_language(app: Flask) -> None:
    client = app.test_client()
    product = client.get("/01/09520123999995/10/X", headers={"Accept-Language": "de"})
    assert product.status_code == 404
    assert '<html lang="de">' in product.get_data(as_text=True)
    assert "09520123999995" in product.get_data(as_text=True)
    batch = client.get("/01/09520123100025/10/NOPE")
    assert batch.status_code == 404
    assert "NOPE" in batch.get_data(as_text=True)


def test_product_level_link_lists_its_batches(app: Flask) -> None:
    page = app.test_client().get("/01/09520123100018")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/01/09520123100018/10/NK25-0120" in html and "/01/09520123100018/10/NK25-0421" in html


def test_blobs_are_served_immutable_and_validated(app: Flask) -> None:
    client = app.test_client()
    client.get(FLAGGED)
    work_queue(app)
    html = client.get(FLAGGED).get_data(as_text=True)
    start = html.index("/blobs/") + len("/blobs/")
    sha = html[start : start + 64]
    blob = client.get(f"/blobs/{sha}")
    assert blob.status_code == 200
    assert "immutable" in blob.headers["Cache-Control"]
    assert client.get(f"/blobs/{sha}", headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    assert client.get("/blobs/not-a-hash").status_code == 400
    assert client.get("/blobs/" + "0" * 64).status_code == 404


def test_page_carries_a_strict_content_security_policy(app: Flask) -> None:
    response = app.test_client().get(FLAGGED)
    csp = response.headers["Content-Security-Policy"]
    tokens = csp.replace(";", " ").split()
    assert "'unsafe-inline'" not in tokens and "'unsafe-eval'" not in tokens
    assert "'wasm-unsafe-eval'" in csp and "worker-src 'self' blob:" in csp


def test_built_page_fits_the_first_round_trip_budget(app: Flask) -> None:
    import gzip

    client = app.test_client()
    client.get(FLAGGED)
    work_queue(app)
    html = client.get(FLAGGED, headers={"Accept-Language": "de"}).data
    assert len(gzip.compress(html, 9)) <= 14 * 1024, "inline critical CSS + HTML over 14 KB gz"
    from server.web.assets import bundle_url

    with app.test_request_context():
        viewer = bundle_url(app, "viewer")
    if viewer:  # the 3D bundle is only imported on demand, never referenced by the page
        assert viewer.encode() not in html


# GS1 Digital Link URI syntax 1.2: query-string AIs are data attributes, checked as the path is.
BAD_QUERIES = {
    "?99999=1": "not a GS1 Application Identifier",
    "?17=270101&17=270102": "appears twice",
    "?10=NK25-0227": "belongs in the path",
    "?01=09520123100025": "belongs in the path",
    "?21=S1": "belongs in the path",
    "?4300=caf%C3%A9": "characters GS1 does not allow",
    "?17=271399": "Not a valid GS1 Digital Link",
    "?lang=%00": "NUL character",
    "?17=%00": "NUL character",
}


def test_bad_query_attributes_get_400_naming_the_problem(app: Flask) -> None:
    client = app.test_client()
    for query, fragment in BAD_QUERIES.items():
        response = client.get(FLAGGED + query, headers={"Accept": "application/json"})
        assert response.status_code == 400, query
        assert response.mimetype == "application/problem+json"
        assert fragment in response.get_json()["detail"], query


def test_good_query_attributes_and_originxr_parameters_are_accepted(app: Flask) -> None:
    client = app.test_client()
    for query in ("?17=271231", "?lang=de&utm_source=flyer", "?linkType=linkset&context=x"):
        assert client.get(FLAGGED + query).status_code == 200, query


def test_the_third_party_serial_235_qualifies_a_gtin(app: Flask) -> None:
    client = app.test_client()
    assert client.get(FLAGGED + "/235/TPX-1").status_code == 200
    both = client.get(FLAGGED + "/21/S1/235/TPX-1", headers={"Accept": "application/json"})
    assert both.status_code == 400 and "235" in both.get_json()["detail"]


def test_an_empty_path_segment_is_refused_not_redirected(app: Flask) -> None:
    client = app.test_client()
    for path in ("/01//09520123100025", "/01/09520123100025//10/NK25-0227", "/414//x"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 400, path
        assert "empty part" in response.get_json()["detail"]


def test_a_known_sites_gln_answers_a_page_and_a_linkset(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/414/9520123000028")
    assert page.status_code == 200
    assert "linkset" in page.headers["Link"]
    linkset = client.get("/414/9520123000028?linkType=linkset").get_json()
    assert linkset["linkset"][0]["anchor"].endswith("/414/9520123000028")
    assert "https://gs1.org/voc/pip" in linkset["linkset"][0]


def test_a_site_page_is_served_as_shared_caches_expect(app: Flask) -> None:
    client = app.test_client()
    phone = {"Accept-Encoding": "br, gzip", "Accept-Language": "de"}
    page = client.get("/414/9520123000028", headers=phone)
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "br"
    assert page.headers["Cache-Control"].startswith("public, max-age=")
    assert "s-maxage=" in page.headers["Cache-Control"]
    assert page.headers["Surrogate-Key"].split() == [
        f"brand-{_brand_id(app)}",
        f"catalog-{_brand_id(app)}",
    ]
    assert {"Accept", "Accept-Encoding", "Accept-Language"} <= set(
        v.strip() for v in page.headers["Vary"].split(",")
    )
    policy = page.headers["Content-Security-Policy"]
    html = brotli.decompress(page.get_data()).decode()
    assert "nonce-" not in policy and "nonce=" not in html and "9520123000028" in html
    tag = page.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('-br"')
    again = client.get("/414/9520123000028", headers={**phone, "If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    plain = client.get("/414/9520123000028", headers={"Accept-Language": "de"})
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["ETag"] != tag
    other_language = client.get(
        "/414/9520123000028", headers={"Accept-Language": "fr", "If-None-Match": tag}
    )
    assert other_language.status_code == 200  # another body: the ETag does not match


def _brand_id(app: Flask) -> int:
    from server.adapters.db import db
    from server.adapters.models import Site

    with app.app_context():
        site = db.session.query(Site).filter(Site.gln == "9520123000028").one()
        return int(site.brand_id)


def test_a_farm_is_not_named_on_its_site_page(app: Flask) -> None:
    from server.adapters.db import db
    from server.adapters.models import Site

    with app.app_context():
        farm = db.session.query(Site).filter(Site.kind == "farm", Site.gln.isnot(None)).first()
        assert farm is not None, "the demo pack names farms by GLN"
        gln, name, key = farm.gln, farm.name, farm.key
    html = app.test_client().get(f"/414/{gln}").get_data(as_text=True)
    assert key in html and name not in html


def test_unknown_glns_and_other_keys_get_a_404_saying_what_we_resolve(app: Flask) -> None:
    client = app.test_client()
    json_headers = {"Accept": "application/json"}
    unknown = client.get("/414/4012345000009", headers=json_headers)
    assert unknown.status_code == 404
    assert "no site with the GLN 4012345000009" in unknown.get_json()["detail"]
    for path in ("/00/106141412345678908", "/8004/0614141ABC", "/417/9520123000011"):
        response = client.get(path, headers=json_headers)
        assert response.status_code == 404, path
        assert "resolves only GTINs" in response.get_json()["detail"]
    page = client.get("/00/106141412345678908")
    assert page.status_code == 404 and "resolves only GTINs" in page.get_data(as_text=True)
    bad = client.get("/00/106141412345678909", headers=json_headers)
    assert bad.status_code == 400 and "check digit" in bad.get_json()["detail"]
