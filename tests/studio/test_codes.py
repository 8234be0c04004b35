"""Studio QR codes: settings, downloads that decode to the right URIs, label sheet, isolation."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import Brand, Product
from tests.conftest import load_demo
from tests.qr_decode import decode_png, decode_svg, needs_rsvg, needs_zbar
from tests.studio.conftest import OTHER_GTIN, StudioClient

BASE = "https://nkabom.example"
GOOD = {"base_url": BASE, "ec": "Q", "quiet_zone": "4"}


def codes_of(app: Flask, slug: str = "nkabom") -> list[tuple[str, str | None]]:
    """Return (gtin, lot) of every product (lot None) and batch of the brand."""
    with app.app_context():
        brand = db.session.scalar(select(Brand).where(Brand.slug == slug))
        assert brand is not None
        found: list[tuple[str, str | None]] = []
        for product in db.session.scalars(select(Product).where(Product.brand_id == brand.id)):
            found.append((product.gtin, None))
            found.extend((product.gtin, batch.lot) for batch in product.batches)
        return found


def settings_of(app: Flask, slug: str = "nkabom") -> dict[str, Any]:
    with app.app_context():
        brand = db.session.scalar(select(Brand).where(Brand.slug == slug))
        assert brand is not None
        return dict(brand.settings or {})


def expected_uri(base: str, gtin: str, lot: str | None) -> str:
    from urllib.parse import quote

    return f"{base}/01/{gtin}" + (f"/10/{quote(lot, safe='')}" if lot is not None else "")


def image_path(gtin: str, lot: str | None, kind: str, **query: str) -> str:
    from urllib.parse import urlencode

    params = ({"lot": lot} if lot is not None else {}) | query
    return f"/studio/nkabom/codes/{gtin}.{kind}" + (f"?{urlencode(params)}" if params else "")


def test_page_lists_every_product_and_batch_with_its_uri(
    studio: StudioClient, studio_app: Flask
) -> None:
    codes = codes_of(studio_app)
    assert any(lot is None for _g, lot in codes) and any(lot for _g, lot in codes)
    body = studio.get("/studio/nkabom/codes").get_data(as_text=True)
    # No domain of its own yet: the codes use the server's origin, and the page says so.
    assert 'id="base-warning"' in body
    for gtin, lot in codes:
        assert html.escape(expected_uri("http://localhost", gtin, lot)) in body
        assert html.escape(image_path(gtin, lot, "svg")) in body
        assert html.escape(image_path(gtin, lot, "png")) in body
    assert "0.396 mm" in body
    assert 'href="/studio/nkabom/codes/sheet"' in body


@needs_zbar
@needs_rsvg
def test_saved_settings_change_every_code_and_they_decode(
    studio: StudioClient, studio_app: Flask
) -> None:
    studio.get("/studio/nkabom/codes")
    response = studio.post("/studio/nkabom/codes", GOOD)
    assert response.status_code == 303
    stored = settings_of(studio_app)
    assert stored["public_base_url"] == BASE
    assert stored["qr"] == {"ec": "Q", "quiet_zone": 4}
    assert stored.get("materials"), "the pack's other settings are kept"
    body = studio.get("/studio/nkabom/codes").get_data(as_text=True)
    assert 'id="base-warning"' not in body and "QR code settings saved." in body
    for gtin, lot in codes_of(studio_app):
        uri = expected_uri(BASE, gtin, lot)
        assert html.escape(uri) in body
        svg = studio.client.get(image_path(gtin, lot, "svg"))
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert decode_svg(svg.data) == [uri]
        png = studio.client.get(image_path(gtin, lot, "png"))
        assert png.status_code == 200 and png.mimetype == "image/png"
        assert decode_png(png.data) == [uri]


@needs_zbar
@needs_rsvg
@pytest.mark.parametrize(("ec", "quiet"), [("L", "2"), ("H", "4"), ("M", "8")])
def test_downloads_with_other_levels_and_quiet_zones_decode(
    studio: StudioClient, studio_app: Flask, ec: str, quiet: str
) -> None:
    gtin, lot = next((g, lot) for g, lot in codes_of(studio_app) if lot)
    uri = expected_uri("http://localhost", gtin, lot)
    svg = studio.client.get(image_path(gtin, lot, "svg", ec=ec, quiet_zone=quiet))
    png = studio.client.get(image_path(gtin, lot, "png", ec=ec, quiet_zone=quiet, px="6"))
    assert decode_svg(svg.data) == [uri]
    assert decode_png(png.data) == [uri]


def test_svg_download_is_inert_and_named(studio: StudioClient, studio_app: Flask) -> None:
    gtin, lot = next((g, lot) for g, lot in codes_of(studio_app) if lot)
    response = studio.client.get(image_path(gtin, lot, "svg"))
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert f'filename="qr-{gtin}-' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"


BAD_SETTINGS = [
    ({"base_url": "http://nkabom.example"}, "base_url", "https://"),
    ({"base_url": "https://nkabom.example/shop"}, "base_url", "without a path"),
    ({"base_url": "nkabom.example"}, "base_url", "not a web address"),
    ({"base_url": "https://nk abom.example"}, "base_url", "not a valid host name"),
    ({"ec": "Z"}, "ec", "L, M, Q or H"),
    ({"quiet_zone": "1"}, "quiet_zone", "from 2 to 20"),
    ({"quiet_zone": "lots"}, "quiet_zone", "from 2 to 20"),
]


def test_bad_settings_are_refused_and_nothing_is_stored(
    studio: StudioClient, studio_app: Flask
) -> None:
    before = settings_of(studio_app)
    for form, field, says in BAD_SETTINGS:
        studio.get("/studio/nkabom/codes")
        response = studio.post("/studio/nkabom/codes", GOOD | form)
        assert response.status_code == 400, form
        body = response.get_data(as_text=True)
        assert 'role="alert"' in body and says in html.unescape(body), form
        assert f'id="{field}-error"' in body
        assert re.search(rf'aria-describedby="[^"]*{field}-error', body)
        assert f'href="#{field}"' in body
        assert settings_of(studio_app) == before
    # two bad fields at once: both are named
    response = studio.post("/studio/nkabom/codes", {"base_url": "x", "ec": "Z", "quiet_zone": "4"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="base_url-error"' in body and 'id="ec-error"' in body


def test_empty_base_url_goes_back_to_the_servers_origin(
    studio: StudioClient, studio_app: Flask
) -> None:
    studio.get("/studio/nkabom/codes")
    assert studio.post("/studio/nkabom/codes", GOOD).status_code == 303
    assert studio.post("/studio/nkabom/codes", GOOD | {"base_url": ""}).status_code == 303
    assert "public_base_url" not in settings_of(studio_app)
    assert settings_of(studio_app)["qr"] == {"ec": "Q", "quiet_zone": 4}
    # a quiet zone under GS1's 4 modules is allowed, with a warning
    assert 'id="quiet-warning"' not in studio.get("/studio/nkabom/codes").get_data(as_text=True)
    assert studio.post("/studio/nkabom/codes", GOOD | {"quiet_zone": "2"}).status_code == 303
    assert 'id="quiet-warning"' in studio.get("/studio/nkabom/codes").get_data(as_text=True)


def test_bad_image_options_are_400(studio: StudioClient, studio_app: Flask) -> None:
    gtin, lot = codes_of(studio_app)[0]
    bad: list[dict[str, str]] = [
        {"ec": "X"},
        {"quiet_zone": "1"},
        {"quiet_zone": "99"},
        {"px": "0"},
        {"px": "51"},
        {"px": "x"},
        {"px": "²"},
        {"px": "9" * 5000},
        {"quiet_zone": "²"},
    ]
    for query in bad:
        kind = "png" if "px" in query else "svg"
        assert studio.client.get(image_path(gtin, lot, kind, **query)).status_code == 400, query


def test_unknown_product_or_batch_is_404(studio: StudioClient, studio_app: Flask) -> None:
    gtin, _lot = codes_of(studio_app)[0]
    assert studio.client.get(image_path("09520123999997", None, "svg")).status_code == 404
    assert studio.client.get(image_path(gtin, "NO-SUCH-LOT", "png")).status_code == 404
    assert studio.get("/studio/nkabom/codes/sheet?gtin=09520123999997").status_code == 404


def test_label_sheet_has_a_label_per_code(studio: StudioClient, studio_app: Flask) -> None:
    studio.get("/studio/nkabom/codes")
    studio.post("/studio/nkabom/codes", GOOD)
    response = studio.get("/studio/nkabom/codes/sheet")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "css/qr-labels.css" in body
    codes = codes_of(studio_app)
    assert body.count('<li class="label">') == len(codes)
    for gtin, lot in codes:
        uri = html.escape(expected_uri(BASE, gtin, lot))
        assert f'alt="{uri}"' in body
        assert f'<p class="label-uri">{uri}</p>' in body
        if lot is not None:
            assert f"Lot {html.escape(lot)}" in body
    one = codes[0][0]
    only = studio.get(f"/studio/nkabom/codes/sheet?gtin={one}").get_data(as_text=True)
    assert only.count('<li class="label">') == sum(1 for g, _lot in codes if g == one)


def test_linkset_anchor_is_the_codes_uri(studio: StudioClient, studio_app: Flask) -> None:
    studio.get("/studio/nkabom/codes")
    studio.post("/studio/nkabom/codes", GOOD)
    gtin, lot = next((g, lot) for g, lot in codes_of(studio_app) if lot)
    assert lot is not None
    path = expected_uri("", gtin, lot)
    linkset = studio_app.test_client().get(path + "?linkType=linkset").get_json()
    anchor = linkset["linkset"][0]["anchor"]
    assert anchor == expected_uri(BASE, gtin, lot)
    pip = linkset["linkset"][0]["https://gs1.org/voc/pip"][0]["href"]
    assert pip == anchor


def test_page_is_translated(studio: StudioClient) -> None:
    body = studio.get("/studio/nkabom/codes?lang=de").get_data(as_text=True)
    assert "Fehlerkorrektur" in body and "etwa 15 % eines beschädigten Codes" in body
    sheet = studio.get("/studio/nkabom/codes/sheet?lang=fr").get_data(as_text=True)
    assert "Planche d’étiquettes" in sheet and "l’échelle 100 % (Ctrl+P" in sheet


def test_other_brands_codes_are_not_found_and_unchanged(
    studio: StudioClient, studio_app: Flask
) -> None:
    before = settings_of(studio_app, "rival")
    reads = [
        "/studio/rival/codes",
        "/studio/rival/codes/sheet",
        f"/studio/rival/codes/{OTHER_GTIN}.svg",
        f"/studio/rival/codes/{OTHER_GTIN}.png?lot=RV-1",
        f"/studio/nkabom/codes/{OTHER_GTIN}.svg",
        f"/studio/nkabom/codes/{OTHER_GTIN}.png?lot=RV-1",
        f"/studio/nkabom/codes/sheet?gtin={OTHER_GTIN}",
    ]
    for path in reads:
        response = studio.client.get(path)
        assert response.status_code == 404, path
        assert "Rival" not in response.get_data(as_text=True)
    studio.get("/studio/nkabom/codes")
    assert studio.post("/studio/rival/codes", GOOD).status_code == 404
    assert settings_of(studio_app, "rival") == before


def test_viewer_sees_and_downloads_but_cannot_change(
    studio_app: Flask, studio_app_viewer: StudioClient
) -> None:
    viewer = studio_app_viewer
    before = settings_of(studio_app)
    page = viewer.get("/studio/nkabom/codes")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'name="base_url"' not in body and "http://localhost/01/" in body
    gtin, lot = codes_of(studio_app)[0]
    assert viewer.client.get(image_path(gtin, lot, "png")).status_code == 200
    assert viewer.get("/studio/nkabom/codes/sheet").status_code == 200
    assert viewer.post("/studio/nkabom/codes", GOOD).status_code == 403
    assert settings_of(studio_app) == before


def test_signed_out_visitors_are_sent_to_sign_in(
    anonymous: StudioClient, studio_app: Flask
) -> None:
    gtin, _lot = codes_of(studio_app)[0]
    for path in ("/studio/nkabom/codes", f"/studio/nkabom/codes/{gtin}.svg"):
        response = anonymous.client.get(path)
        assert response.status_code == 302 and "/studio/login" in response.headers["Location"]


@pytest.fixture
def studio_app_viewer(studio_app: Flask) -> StudioClient:
    client = StudioClient(studio_app.test_client())
    assert client.login("viewer@nkabom.example").status_code == 303
    return client


def test_sizes_are_written_the_readers_way(studio: StudioClient) -> None:
    english = studio.get("/studio/nkabom/codes?lang=en").get_data(as_text=True)
    assert "0.396 mm" in english and "0.990 mm" in english and "14.7 mm" in english
    german = studio.get("/studio/nkabom/codes?lang=de").get_data(as_text=True)
    assert "0,396 mm" in german and "0,990 mm" in german and "14,7 mm" in german


def test_code_settings_survive_a_pack_reimport(
    studio: StudioClient, studio_app: Flask, copied_pack: Path
) -> None:
    studio.get("/studio/nkabom/codes")
    assert studio.post("/studio/nkabom/codes", GOOD).status_code == 303
    meta = json.loads((copied_pack / "brand.json").read_text())
    meta["tagline"] = {"en": "A changed tagline"}
    (copied_pack / "brand.json").write_text(json.dumps(meta))
    load_demo(studio_app, copied_pack)
    settings = settings_of(studio_app)
    assert settings["tagline"] == {"en": "A changed tagline"}, "the pack was re-imported"
    assert settings["public_base_url"] == BASE
    assert settings["qr"] == {"ec": "Q", "quiet_zone": 4}
    # a pack that sets the domain itself wins
    meta["public_base_url"] = "https://pack.example"
    (copied_pack / "brand.json").write_text(json.dumps(meta))
    load_demo(studio_app, copied_pack)
    assert settings_of(studio_app)["public_base_url"] == "https://pack.example"
    assert settings_of(studio_app)["qr"] == {"ec": "Q", "quiet_zone": 4}
