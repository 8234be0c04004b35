"""QR codes: Digital Link URIs on the brand's domain, options, and images that decode back."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from server.core import qr_codes
from server.core.qr_codes import QrOptions, QrSettingError
from tests.qr_decode import decode_png, decode_svg, needs_rsvg, needs_zbar

GTIN = "09520123100025"
# A lot with characters GS1 allows (CSET 82) that a URI must percent-encode.
ODD_LOT = "NK/25%0227"
URIS = [
    qr_codes.product_uri("https://nkabom.example", GTIN),
    qr_codes.batch_uri("https://nkabom.example", GTIN, "NK25-0227"),
    qr_codes.batch_uri("http://localhost:8000", GTIN, ODD_LOT),
]
OPTIONS = [QrOptions(ec, quiet) for ec in ("L", "M", "Q", "H") for quiet in (2, 4)]


def test_uris_follow_gs1_digital_link() -> None:
    assert URIS[0] == "https://nkabom.example/01/09520123100025"
    assert URIS[1] == "https://nkabom.example/01/09520123100025/10/NK25-0227"
    assert URIS[2] == "http://localhost:8000/01/09520123100025/10/NK%2F25%250227"


@needs_zbar
@pytest.mark.parametrize("uri", URIS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: f"{o.ec}-q{o.quiet_zone}")
def test_png_decodes_to_exactly_the_uri(uri: str, options: QrOptions) -> None:
    symbol = qr_codes.make_symbol(uri, options)
    for px in (4, 10):
        assert decode_png(qr_codes.render_png(symbol, px)) == [uri]


@needs_zbar
@needs_rsvg
@pytest.mark.parametrize("uri", URIS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: f"{o.ec}-q{o.quiet_zone}")
def test_svg_decodes_to_exactly_the_uri(uri: str, options: QrOptions) -> None:
    svg = qr_codes.render_svg(qr_codes.make_symbol(uri, options))
    assert decode_svg(svg) == [uri]


@needs_zbar
def test_decoder_tells_codes_apart() -> None:
    # The check above could pass with a decoder that echoes anything: it must not.
    one, other = (qr_codes.make_symbol(uri, QrOptions()) for uri in URIS[:2])
    assert decode_png(qr_codes.render_png(one)) == [URIS[0]]
    assert decode_png(qr_codes.render_png(other)) == [URIS[1]]
    blank = io.BytesIO()
    Image.new("1", (200, 200), 1).save(blank, format="PNG")
    assert decode_png(blank.getvalue()) == []


def test_svg_is_crisp_titled_and_sized_in_mm() -> None:
    symbol = qr_codes.make_symbol(URIS[1], QrOptions("Q", 4))
    root = ET.fromstring(qr_codes.render_svg(symbol))
    ns = "{http://www.w3.org/2000/svg}"
    title = root.find(f"{ns}title")
    assert title is not None and title.text == URIS[1]
    assert root.get("role") == "img" and root.get("aria-labelledby") == title.get("id")
    assert root.get("width") == root.get("height") == f"{symbol.min_size_mm}mm"
    assert root.get("viewBox") == f"0 0 {symbol.total_modules} {symbol.total_modules}"
    paths = root.findall(f"{ns}path")
    assert len(paths) == 1 and paths[0].get("shape-rendering") == "crispEdges"
    assert root.find(f"{ns}rect") is not None  # a white ground: the quiet zone is light


def test_png_has_whole_pixels_per_module_and_prints_at_minimum_size() -> None:
    symbol = qr_codes.make_symbol(URIS[1], QrOptions("M", 4))
    image = Image.open(io.BytesIO(qr_codes.render_png(symbol, 8)))
    assert image.size == (symbol.total_modules * 8,) * 2
    dpi = image.info["dpi"][0]
    printed_mm = image.size[0] / dpi * 25.4
    assert printed_mm == pytest.approx(symbol.total_modules * qr_codes.MIN_X_MM, abs=0.05)
    # the quiet zone is blank: the first 4 modules (32 px) of every side are white
    pixels = image.convert("L")
    assert pixels.crop((0, 0, image.size[0], 32)).getextrema() == (255, 255)
    assert pixels.crop((0, 0, 32, image.size[1])).getextrema() == (255, 255)


def test_minimum_size_follows_the_x_dimension_rule() -> None:
    # GS1 UK's worked example: a 29-module code with its 4-module quiet zones at
    # 0.396 mm a module is (29 + 8) x 0.396 = 14.652 mm.
    uri = "https://nk.example/01/09520123100025"
    symbol = qr_codes.make_symbol(uri, QrOptions("L", 4))
    assert symbol.version == 3 and symbol.modules == 29
    assert symbol.min_size_mm == 14.7
    assert symbol.min_symbol_mm == 11.5
    assert symbol.max_size_mm == round(37 * 0.990, 1)
    assert symbol.scan_distance_cm == 11  # about ten times the symbol's width
    wider = qr_codes.make_symbol(uri, QrOptions("L", 2))
    assert wider.min_size_mm == round(33 * 0.396, 1)


def test_higher_error_correction_never_makes_a_smaller_code() -> None:
    sizes = [qr_codes.make_symbol(URIS[1], QrOptions(ec, 4)).modules for ec in "LMQH"]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://nkabom.example", "https://nkabom.example"),
        ("  HTTPS://NKabom.Example/ ", "https://nkabom.example"),
        ("https://nkabom.example:8443", "https://nkabom.example:8443"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
        ("https://xn--nkabm-kua.example", "https://xn--nkabm-kua.example"),
    ],
)
def test_good_base_urls_are_normalized(text: str, expected: str) -> None:
    assert qr_codes.normalize_base_url(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("nkabom.example", "not a web address"),
        ("ftp://nkabom.example", "not a web address"),
        ("https://", "not a web address"),
        ("http://nkabom.example", "https://"),
        ("https://nkabom.example/dl", "without a path"),
        ("https://nkabom.example/?x=1", "without a path"),
        ("https://nkabom.example#top", "without a path"),
        ("https://nkabom.example?", "without a path"),
        ("https://me:pw@nkabom.example", "user name"),
        ("https://nk_abom.example", "host name"),
        ("https://nkabóm.example", "xn--"),
        ("https://nkabom.example:99999", "not a web address"),
        ("https://" + "a" * 200 + ".example", "too long"),
        ("javascript:alert(1)", "not a web address"),
    ],
)
def test_bad_base_urls_say_what_to_fix(text: str, says: str) -> None:
    with pytest.raises(QrSettingError, match=re.escape(says)):
        qr_codes.normalize_base_url(text)


@pytest.mark.parametrize(
    ("ec", "quiet", "says"),
    [
        ("X", "4", "L, M, Q or H"),
        ("", "4", "L, M, Q or H"),
        ("M", "1", "from 2 to 20"),
        ("M", "0", "from 2 to 20"),
        ("M", "21", "from 2 to 20"),
        ("M", "-4", "from 2 to 20"),
        ("M", "4.5", "from 2 to 20"),
        ("M", "", "from 2 to 20"),
        ("M", "²", "from 2 to 20"),
        ("M", "٤", "from 2 to 20"),
        ("M", "9" * 5000, "from 2 to 20"),
    ],
)
def test_bad_options_are_refused(ec: str, quiet: str, says: str) -> None:
    with pytest.raises(QrSettingError, match=re.escape(says)):
        qr_codes.parse_options(ec, quiet)


def test_options_and_base_from_settings_fall_back_when_missing_or_bad() -> None:
    assert qr_codes.parse_options("q", " 3 ") == QrOptions("Q", 3)
    assert QrOptions("Q", 3).quiet_zone_too_small and not QrOptions().quiet_zone_too_small
    assert qr_codes.options_from_settings(None) == QrOptions("M", 4)
    assert qr_codes.options_from_settings({"qr": {"ec": "H", "quiet_zone": 6}}) == QrOptions("H", 6)
    assert qr_codes.options_from_settings({"qr": {"ec": "Z", "quiet_zone": 6}}) == QrOptions()
    assert qr_codes.options_from_settings({"qr": "H"}) == QrOptions()
    fallback = "http://127.0.0.1:8000/"
    assert qr_codes.base_url_of({}, fallback) == "http://127.0.0.1:8000"
    assert qr_codes.base_url_of({"public_base_url": "https://nk.example/"}, fallback) == (
        "https://nk.example"
    )
    # a pack's value that is not a usable base URL is not put on packs
    assert qr_codes.base_url_of({"public_base_url": "http://nk.example/x"}, fallback) == (
        "http://127.0.0.1:8000"
    )


def test_png_module_size_is_bounded() -> None:
    symbol = qr_codes.make_symbol(URIS[0], QrOptions())
    for px in (0, 51):
        with pytest.raises(QrSettingError):
            qr_codes.render_png(symbol, px)


def test_sizing_without_drawing_matches_the_drawn_symbol() -> None:
    for uri in URIS:
        for options in OPTIONS:
            drawn = qr_codes.make_symbol(uri, options)
            assert qr_codes.sizing(uri, options) == qr_codes.Sizing(drawn.version, options)
            assert len(drawn.matrix) == drawn.total_modules


@needs_zbar
@needs_rsvg
def test_svg_and_png_are_the_same_symbol() -> None:
    symbol = qr_codes.make_symbol(URIS[2], QrOptions("Q", 4))
    # draw the SVG at 1 px a module and compare it with the PNG's modules
    from tests.qr_decode import svg_to_png

    svg = Image.open(io.BytesIO(svg_to_png(qr_codes.render_svg(symbol), symbol.total_modules * 4)))
    png = Image.open(io.BytesIO(qr_codes.render_png(symbol, 4)))
    size = (symbol.total_modules,) * 2
    svg_modules = svg.convert("L").resize(size, Image.Resampling.BOX).point(lambda v: v > 127)
    png_modules = png.convert("L").resize(size, Image.Resampling.BOX).point(lambda v: v > 127)
    assert svg_modules.tobytes() == png_modules.tobytes()
