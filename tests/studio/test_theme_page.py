"""Studio theme page: contrast-checked colours, logo and font uploads; isolation holds."""

from __future__ import annotations

import io
import struct
from typing import Any

from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Blob
from server.services.catalog import brand_by_slug
from tests.studio.conftest import StudioClient

PAGE = "/studio/nkabom/theme"
PASSING = {"primary": "#5b3a29", "accent": "#a0701c", "background": "#fbf7f2", "text": "#1f1a17"}
SVG_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10" onload="alert(1)">'
    b'<script>alert(2)</script><rect width="20" height="10" fill="#5b3a29"/></svg>'
)


def _theme(app: Flask, slug: str = "nkabom") -> dict[str, Any]:
    with app.app_context():
        brand = brand_by_slug(db.session, slug)
        assert brand is not None
        return dict((brand.settings or {}).get("theme") or {})


def _blob_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Blob)) or 0)


def _woff2(size: int = 96) -> bytes:
    return b"wOF2" + b"\0\x01\0\0" + struct.pack(">I", size) + b"\0" * (size - 12)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "#5b3a29").save(buffer, "PNG")
    return buffer.getvalue()


def test_page_shows_contrast_of_the_current_theme(studio: StudioClient) -> None:
    html = studio.get(PAGE).get_data(as_text=True)
    assert "Accent (focus ring, lines) on the background" in html
    # the demo accent #a8741c on #fbf7f2 (its first colour, #d9a441, was 2.11:1 and failed)
    assert "3.80:1" in html and "passes AA" in html and "fails AA" not in html
    assert '<label for="colour-primary">Primary colour</label>' in html


def test_failing_contrast_is_refused_with_the_pairs_named(
    studio: StudioClient, studio_app: Flask
) -> None:
    before = _theme(studio_app)
    studio.get(PAGE)
    response = studio.post(PAGE, {**PASSING, "text": "#777777", "background": "#ffffff"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "do not reach WCAG AA contrast: Text on the background, Text on white cards." in html
    assert 'role="alert" id="theme-error"' in html
    assert 'aria-describedby="colour-help theme-error"' in html
    assert "Preview (not saved)" in html
    assert _theme(studio_app) == before


def test_bad_colour_is_refused(studio: StudioClient, studio_app: Flask) -> None:
    studio.get(PAGE)
    response = studio.post(PAGE, {**PASSING, "accent": "orange"})
    assert response.status_code == 400
    assert "Accent colour must be a colour in the form #rrggbb" in response.get_data(as_text=True)


def test_preview_renders_without_saving(studio: StudioClient, studio_app: Flask) -> None:
    before = _theme(studio_app)
    studio.get(PAGE)
    response = studio.post(PAGE, {**PASSING, "primary": "#123456", "action": "preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and ".swatch-primary{background:#123456}" in html
    assert _theme(studio_app) == before


def test_save_with_logo_and_font_serves_them_on_the_consumer_page(
    studio: StudioClient, studio_app: Flask
) -> None:
    studio.get(PAGE)
    data = {
        **PASSING,
        "action": "save",
        "logo": (io.BytesIO(SVG_LOGO), "logo.svg"),
        "font": (io.BytesIO(_woff2()), "brand.woff2"),
    }
    response = studio.post(PAGE, data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    theme = _theme(studio_app)
    assert theme["accent"] == "#a0701c" and theme["logo"]["media_type"] == "image/svg+xml"
    stored = blob_store(studio_app).get(theme["logo"]["sha256"])
    assert b"script" not in stored and b"onload" not in stored and b"<rect" in stored
    page = studio.get(PAGE).get_data(as_text=True)
    assert "Theme saved." in page and "Removed from the SVG logo for safety" in page
    consumer = studio_app.test_client()
    html = consumer.get("/01/09520123100025/10/NK25-0227").get_data(as_text=True)
    assert f'src="/blobs/{theme["logo"]["sha256"]}"' in html
    assert f'@font-face{{font-family:"Brand";src:url(/blobs/{theme["font"]["sha256"]})' in html
    assert "--accent:#a0701c" in html
    font = consumer.get(f"/blobs/{theme['font']['sha256']}")
    assert font.status_code == 200 and font.mimetype == "font/woff2"
    csp = consumer.get("/01/09520123100025/10/NK25-0227").headers["Content-Security-Policy"]
    assert "font-src 'self'" in csp


def test_raster_logo_keeps_its_size(studio: StudioClient, studio_app: Flask) -> None:
    studio.get(PAGE)
    data = {**PASSING, "logo": (io.BytesIO(_png()), "logo.png")}
    assert studio.post(PAGE, data, content_type="multipart/form-data").status_code == 303
    logo = _theme(studio_app)["logo"]
    assert (logo["media_type"], logo["width"], logo["height"]) == ("image/png", 120, 40)
    html = studio_app.test_client().get("/01/09520123100025/10/NK25-0227").get_data(as_text=True)
    assert 'width="96" height="32"' in html


def test_rejected_uploads_store_nothing(studio: StudioClient, studio_app: Flask) -> None:
    before_theme, before_blobs = _theme(studio_app), _blob_count(studio_app)
    studio.get(PAGE)
    bad = [
        ("logo", b"<!DOCTYPE svg [<!ENTITY a 'x'>]><svg>&a;</svg>", "DTD or entities"),
        ("logo", b"GIF89a" + b"\0" * 40, "SVG, PNG, JPEG or WebP"),
        ("logo", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "damaged"),
        ("font", b"wOFF" + _woff2()[4:], "WOFF2"),
        ("font", _woff2()[:-3], "damaged"),
    ]
    for field, payload, message in bad:
        data = {**PASSING, field: (io.BytesIO(payload), f"upload.{field}")}
        response = studio.post(PAGE, data, content_type="multipart/form-data")
        assert response.status_code == 400, (field, message)
        assert message in response.get_data(as_text=True)
    # A good logo with failing colours is not stored either.
    data = {**PASSING, "text": "#999999", "logo": (io.BytesIO(_png()), "logo.png")}
    assert studio.post(PAGE, data, content_type="multipart/form-data").status_code == 400
    assert _theme(studio_app) == before_theme
    assert _blob_count(studio_app) == before_blobs


def test_isolation_viewer_and_other_brand(studio: StudioClient, studio_app: Flask) -> None:
    before = _theme(studio_app, "rival")
    studio.get(PAGE)
    assert studio.get("/studio/rival/theme").status_code == 404
    assert studio.post("/studio/rival/theme", PASSING).status_code == 404
    assert _theme(studio_app, "rival") == before
    viewer = StudioClient(studio_app.test_client())
    viewer.login("viewer@nkabom.example")
    html = viewer.get(PAGE).get_data(as_text=True)
    assert "Only editors can change the theme." in html
    mine = _theme(studio_app)
    assert viewer.post(PAGE, {**PASSING, "primary": "#000000"}).status_code == 403
    assert _theme(studio_app) == mine
