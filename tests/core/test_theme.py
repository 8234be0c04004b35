"""Theme: WCAG contrast math, the SVG sanitiser's corpus, raster and font checks."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from server.core.theme import ThemeError, check_theme, contrast_ratio, nearest_passing, parse_colour
from server.core.theme_files import check_font, check_logo, sanitise_svg


def test_contrast_ratios_match_known_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.005)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.005)
    assert contrast_ratio("#ffffff", "#767676") == contrast_ratio("#767676", "#ffffff")


def test_failing_pairs_are_named_with_a_passing_shade() -> None:
    colours = {"primary": "#5b3a29", "accent": "#d9a441", "background": "#ffffff", "text": "#777"}
    colours["text"] = parse_colour(colours["text"], "text")
    results = {r.key: r for r in check_theme(colours)}
    assert not results["text_on_background"].passes  # 4.48:1 < 4.5:1
    assert results["links_on_background"].passes
    shade = results["text_on_background"].suggestion
    assert shade is not None and contrast_ratio(shade, "#ffffff") >= 4.5
    assert contrast_ratio("#767676", "#ffffff") >= 4.5
    assert not results["accent_on_background"].passes  # the demo accent is a 2.3:1 line
    assert nearest_passing("#777777", "#ffffff", 4.5) == "#767676"


@pytest.mark.parametrize("bad", ["red", "#12345", "#ggg000", "", "#1234567", "url(x)"])
def test_bad_colours_are_refused(bad: str) -> None:
    with pytest.raises(ThemeError):
        parse_colour(bad, "primary")


def test_short_hex_is_expanded() -> None:
    assert parse_colour(" #AbC ", "text") == "#aabbcc"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"'
XLINK = b' xmlns:xlink="http://www.w3.org/1999/xlink"'
EVIL = b"https://evil.example"
CORPUS = {
    "script": SVG + b'><script>alert(1)</script><rect width="1"/></svg>',
    "onload": SVG + b' onload="alert(1)"><rect onclick="x()"/></svg>',
    "javascript_href": SVG
    + XLINK
    + b'><a xlink:href="javascript:alert(1)"><rect/></a><use href="javascript:alert(1)"/></svg>',
    "external_use": SVG
    + XLINK
    + b'><use href="'
    + EVIL
    + b'/x.svg#a"/><use xlink:href="//evil.example/x.svg#b"/></svg>',
    "foreign_object": SVG
    + b'><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">'
    + b"<iframe src='https://evil.example'/></div></foreignObject></svg>",
    "style_url": SVG
    + b"><style>@import url(https://evil.example/a.css);rect{fill:url(https://evil.example/p)}"
    + b'</style><rect style="fill:url(https://evil.example/q)" fill="url(https://evil.example/r)"/>'
    + b"</svg>",
    "image": SVG + b'><image href="https://evil.example/t.png"/></svg>',
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_sanitiser_removes_everything_active_or_external(name: str) -> None:
    logo = sanitise_svg(CORPUS[name])
    out = logo.data.decode().lower()
    for needle in ("script", "alert", "onload", "onclick", "javascript", "evil", "foreignobject",
                   "iframe", "style", "@import", "url(", "<a", "image"):  # fmt: skip
        assert needle not in out, (name, needle, out)
    assert out.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert logo.removed


def test_sanitiser_keeps_a_plain_logo_and_local_references() -> None:
    source = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Nkabom</title>'
        b'<defs><linearGradient id="g"><stop offset="0" stop-color="#5b3a29"/></linearGradient>'
        b'</defs><rect width="10" height="10" fill="url(#g)"/><use href="#g"/></svg>'
    )
    logo = sanitise_svg(source)
    assert logo.removed == []
    out = logo.data.decode()
    assert 'fill="url(#g)"' in out and 'href="#g"' in out and "<title>Nkabom</title>" in out


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><title>&b;</title></svg>',
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
        b"<svg><rect></svg>",
        SVG + b">" + b"<g>" * 5000 + b"</g>" * 5000 + b"</svg>",
        b'<html xmlns="http://www.w3.org/1999/xhtml"/>',
    ],
)
def test_dtds_entities_and_broken_svgs_are_refused(data: bytes) -> None:
    with pytest.raises(ThemeError):
        check_logo(data)


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#5b3a29").save(buffer, "PNG")
    return buffer.getvalue()


def test_raster_logos_are_recognised_by_magic_bytes_and_limited() -> None:
    logo = check_logo(_png(64, 32))
    assert (logo.media_type, logo.width, logo.height) == ("image/png", 64, 32)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "WEBP")
    assert check_logo(buffer.getvalue()).media_type == "image/webp"
    with pytest.raises(ThemeError, match="at most 2048 pixels"):
        check_logo(_png(4000, 10))
    with pytest.raises(ThemeError, match="damaged"):
        check_logo(_png(20, 20)[:60])
    with pytest.raises(ThemeError, match="SVG, PNG, JPEG or WebP"):
        check_logo(b"GIF89a" + b"\0" * 50)
    with pytest.raises(ThemeError, match="at most 512 KB"):
        check_logo(b"\x89PNG\r\n\x1a\n" + b"\0" * 600_000)


def test_a_png_header_claiming_a_huge_image_is_refused_before_decoding() -> None:
    data = bytearray(_png(8, 8))
    struct.pack_into(">II", data, 16, 200_000, 200_000)  # IHDR width and height
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))  # its CRC, made valid
    with pytest.raises(ThemeError, match="at most 2048 pixels"):
        check_logo(bytes(data))


def _woff2(size: int = 64) -> bytes:
    return b"wOF2" + b"\0\x01\0\0" + struct.pack(">I", size) + b"\0" * (size - 12)


def test_fonts_must_be_woff2() -> None:
    assert check_font(_woff2()) == _woff2()
    for bad in (b"wOFF" + _woff2()[4:], b"\0\x01\0\0" * 20, _woff2()[:-1], _woff2(600_000)):
        with pytest.raises(ThemeError):
            check_font(bad)
