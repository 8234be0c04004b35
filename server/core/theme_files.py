"""Check a brand's logo and font uploads before anything is stored.

Pure: bytes in, checked bytes (and facts about them) out, or a `ThemeError` saying what
is wrong. An SVG logo is parsed without DTDs or entities (defusedxml) and rebuilt from an
allowlist of elements and attributes: no scripts, event handlers, foreignObject, styles
or references outside the file survive. A raster logo (PNG, JPEG, WebP) is recognised by
its magic bytes and its header's dimensions are limited; a font must be WOFF2.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from PIL import Image, UnidentifiedImageError

from server.core.errors import N_
from server.core.theme import ThemeError

MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 2048
MAX_FONT_BYTES = 512 * 1024
MAX_SVG_DEPTH = 64  # a logo needs a few levels; deeper is an attack on the recursion
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

ELEMENTS = frozenset(
    [
        "svg",
        "g",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "title",
        "desc",
        "defs",
        "linearGradient",
        "radialGradient",
        "stop",
        "clipPath",
        "symbol",
        "use",
        "text",
        "tspan",
    ]
)
ATTRIBUTES = frozenset(
    [
        "id",
        "viewBox",
        "width",
        "height",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "fx",
        "fy",
        "d",
        "points",
        "transform",
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-opacity",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-miterlimit",
        "opacity",
        "offset",
        "stop-color",
        "stop-opacity",
        "gradientUnits",
        "gradientTransform",
        "spreadMethod",
        "clip-path",
        "clip-rule",
        "clipPathUnits",
        "preserveAspectRatio",
        "font-size",
        "font-family",
        "font-weight",
        "font-style",
        "text-anchor",
        "dominant-baseline",
        "letter-spacing",
        "role",
        "aria-label",
        "aria-hidden",
        "version",
    ]
)
HREF_ELEMENTS = frozenset({"use", "linearGradient", "radialGradient"})
TEXT_ELEMENTS = frozenset({"title", "desc", "text", "tspan"})
_LOCAL_URL = re.compile(r"^url\(\s*#[A-Za-z_][\w.-]*\s*\)$")
_BAD_VALUE = re.compile(r"(url\s*\(|javascript:|data:|@import|expression\s*\(|[<>])", re.I)
RASTER_TYPES = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
}


@dataclass
class Logo:
    """A checked logo: the bytes to store, their media type, size and what was removed."""

    data: bytes
    media_type: str
    width: int | None = None
    height: int | None = None
    removed: list[str] = field(default_factory=list)


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def _attribute_ok(element: str, name: str, value: str) -> bool:
    if name == "href":
        return element in HREF_ELEMENTS and re.fullmatch(r"#[A-Za-z_][\w.-]*", value) is not None
    if name not in ATTRIBUTES:
        return False
    if _LOCAL_URL.match(value.strip()):
        return name in ("fill", "stroke", "clip-path")
    return _BAD_VALUE.search(value) is None


def _rebuild(node: Element, removed: list[str], out: list[str], depth: int = 0) -> None:
    if depth > MAX_SVG_DEPTH:
        raise ThemeError("logo", N_("The SVG is nested too deeply to be a logo."))
    _, tag = _local(node.tag)
    out.append(f"<{tag}")
    if tag == "svg" and not out[:-1]:
        out.append(f' xmlns="{SVG_NS}"')
    for raw_name, value in node.attrib.items():
        attr_ns, name = _local(raw_name)
        if attr_ns not in ("", XLINK_NS) or (attr_ns == XLINK_NS and name != "href"):
            removed.append(f"@{name}")
            continue
        if _attribute_ok(tag, name, value):
            out.append(f" {name}={quoteattr(value)}")
        else:
            removed.append(f"@{name}")
    out.append(">")
    if tag in TEXT_ELEMENTS and node.text:
        out.append(escape(node.text))
    for child in node:
        child_ns, child_tag = _local(child.tag)
        if child_ns in ("", SVG_NS) and child_tag in ELEMENTS:
            _rebuild(child, removed, out, depth + 1)
            if tag in TEXT_ELEMENTS and child.tail:
                out.append(escape(child.tail))
        else:
            removed.append(child_tag)
    out.append(f"</{tag}>")


def sanitise_svg(data: bytes) -> Logo:
    """Return the SVG `data` rebuilt from allowed elements and attributes only.

    Raise ThemeError when it is not a well-formed SVG document, declares a DTD or entities.
    """
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ThemeError(
            "logo", N_("The SVG declares a DTD or entities, which are not accepted.")
        ) from exc
    except Exception as exc:  # expat's ParseError and friends: not well-formed XML
        raise ThemeError("logo", N_("The logo is not a well-formed SVG file.")) from exc
    ns, tag = _local(root.tag)
    if tag != "svg" or ns not in ("", SVG_NS):
        raise ThemeError("logo", N_("The logo is not a well-formed SVG file."))
    removed: list[str] = []
    out: list[str] = []
    _rebuild(root, removed, out)
    return Logo("".join(out).encode(), "image/svg+xml", removed=sorted(set(removed)))


def _raster(data: bytes) -> Logo:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            kind = image.format or ""
            if kind not in RASTER_TYPES:
                raise ThemeError("logo", N_("A logo must be SVG, PNG, JPEG or WebP."))
            if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
                raise ThemeError(
                    "logo",
                    N_("The logo may be at most %(px)d pixels wide and high."),
                    px=MAX_LOGO_PIXELS,
                )
            image.verify()
    except ThemeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ThemeError(
            "logo",
            N_("The logo may be at most %(px)d pixels wide and high."),
            px=MAX_LOGO_PIXELS,
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning) as exc:
        raise ThemeError("logo", N_("The logo image is damaged or incomplete.")) from exc
    return Logo(data, RASTER_TYPES[kind], width, height)


def check_logo(data: bytes) -> Logo:
    """Return the checked logo of `data` (SVG sanitised, or a raster image); raise ThemeError."""
    if not data:
        raise ThemeError("logo", N_("The logo file is empty."))
    if len(data) > MAX_LOGO_BYTES:
        raise ThemeError(
            "logo", N_("The logo may be at most %(kb)d KB."), kb=MAX_LOGO_BYTES // 1024
        )
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        return _raster(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _raster(data)
    head = data.lstrip()[:5].lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doc")):
        return sanitise_svg(data)
    raise ThemeError("logo", N_("A logo must be SVG, PNG, JPEG or WebP."))


def check_font(data: bytes) -> bytes:
    """Return `data` if it is a WOFF2 font within the size limit; raise ThemeError."""
    if len(data) > MAX_FONT_BYTES:
        raise ThemeError(
            "font", N_("The font may be at most %(kb)d KB."), kb=MAX_FONT_BYTES // 1024
        )
    if len(data) < 48 or data[:4] != b"wOF2":
        raise ThemeError("font", N_("A font must be a WOFF2 file."))
    # The header's `length` field is the size of the whole file.
    if int.from_bytes(data[8:12], "big") != len(data):
        raise ThemeError("font", N_("The font file is damaged or incomplete."))
    return data
