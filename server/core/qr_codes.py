"""QR codes of a brand's products and batches: their Digital Link URIs, images and print size.

Pure computation: no request, database or file system here. The studio's routes turn
its errors into translated 400 answers.

The URI of a code is ``{base}/01/{gtin}`` for a product and ``{base}/01/{gtin}/10/{lot}``
for a batch (lot percent-encoded, see `server.core.gs1.digital_link.batch_path`). ``base`` is the
brand's own origin: ``https`` (``http`` only for localhost, for trying things out), a host,
an optional port and nothing else. A path prefix is refused on purpose: this server's
resolver answers at ``/01/`` at the root of the origin, so a code whose URI had a prefix
would only work behind a proxy that strips it, and a code on a pack cannot be reprinted.

Printed size. The X-dimension (the side of one module) of a QR Code carrying a GS1 Digital
Link URI and scanned at retail point of sale must lie between 0.396 mm and 0.990 mm, with a
quiet zone of 4 modules on each side: GS1 General Specifications, section 5.12.3.1 (symbol
specification table for retail POS). We could not read that table in the General
Specifications themselves here; the figures are as GS1 UK quotes them from it ("How big
should a QR code powered by GS1 be?", gs1uk.org knowledge hub), which also gives the worked
example (29 + 8) × 0.396 mm = 14.652 mm. The recommended minimum printed size is therefore
``(modules + 2 × quiet zone) × 0.396 mm``, the quiet zone included.

Scanning distance. A phone camera reads a code from about ten times its width at most (the
common "10:1" rule of thumb of QR printing guides; not a GS1 figure): a 15 mm code is for
the hand (15 cm), a code on a shelf sign 2 m away must be about 20 cm wide.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import qrcode
import qrcode.constants
from PIL import Image
from qrcode.image.svg import SvgPathFillImage

from server.core.errors import N_, TranslatableError
from server.core.gs1.digital_link import batch_path

EC_LEVELS: dict[str, int] = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
# How much of the symbol each level can restore (ISO/IEC 18004), for the studio's choice.
EC_RECOVERY = {"L": 7, "M": 15, "Q": 25, "H": 30}
DEFAULT_EC = "M"

MIN_QUIET_ZONE = 2  # below this most readers fail: refused
RECOMMENDED_QUIET_ZONE = 4  # ISO/IEC 18004 and GS1: 4 modules
MAX_QUIET_ZONE = 20

MIN_X_MM = 0.396  # GS1 General Specifications 5.12.3.1, QR Code at retail POS (see above)
MAX_X_MM = 0.990
SCAN_DISTANCE_PER_WIDTH = 10  # rule of thumb: readable from ~10 × the code's width

DEFAULT_PX_PER_MODULE = 10
MAX_PX_PER_MODULE = 50

MAX_BASE_URL_LENGTH = 200
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}


class QrSettingError(TranslatableError):
    """A base URL or code option that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class QrOptions:
    """How the codes are drawn: error-correction level and quiet zone (in modules)."""

    ec: str = DEFAULT_EC
    quiet_zone: int = RECOMMENDED_QUIET_ZONE

    @property
    def quiet_zone_too_small(self) -> bool:
        """Tell whether the quiet zone is narrower than the 4 modules GS1 asks for."""
        return self.quiet_zone < RECOMMENDED_QUIET_ZONE

    def as_settings(self) -> dict[str, Any]:
        """Return the options as stored in ``brand.settings["qr"]``."""
        return {"ec": self.ec, "quiet_zone": self.quiet_zone}


def small_int(text: str) -> int | None:
    """Return `text` as a whole number if it is 1 to 4 ASCII digits, else None."""
    if 1 <= len(text) <= 4 and text.isascii() and text.isdigit():
        return int(text)
    return None


def parse_ec(value: object) -> str:
    """Return the error-correction level L, M, Q or H; raise QrSettingError otherwise."""
    level = str(value or "").strip().upper()
    if level not in EC_LEVELS:
        raise QrSettingError(
            N_("Choose an error-correction level of L, M, Q or H (not '%(value)s')."),
            value=str(value or "")[:20],
        )
    return level


def parse_quiet_zone(value: object) -> int:
    """Return the quiet zone in modules (2 to 20); raise QrSettingError otherwise."""
    text = str(value if value is not None else "").strip()
    number = small_int(text)
    if number is None or not MIN_QUIET_ZONE <= number <= MAX_QUIET_ZONE:
        raise QrSettingError(
            N_(
                "The quiet zone must be a whole number of modules from %(min)d to %(max)d "
                "(4 is recommended); '%(value)s' is not."
            ),
            min=MIN_QUIET_ZONE,
            max=MAX_QUIET_ZONE,
            value=text[:20],
        )
    return number


def parse_options(ec: object, quiet_zone: object) -> QrOptions:
    """Return the options for form or query values; raise QrSettingError if one is bad."""
    return QrOptions(ec=parse_ec(ec), quiet_zone=parse_quiet_zone(quiet_zone))


def options_from_settings(settings: dict[str, Any] | None) -> QrOptions:
    """Return the brand's stored options, or the defaults where they are missing or bad."""
    stored = (settings or {}).get("qr")
    if not isinstance(stored, dict):
        return QrOptions()
    try:
        return parse_options(
            stored.get("ec", DEFAULT_EC), stored.get("quiet_zone", RECOMMENDED_QUIET_ZONE)
        )
    except QrSettingError:
        return QrOptions()


def normalize_base_url(text: str) -> str:
    """Return the brand's base URL as ``scheme://host[:port]``; raise QrSettingError if bad.

    https is required; http is accepted for localhost only. No path, query, fragment or
    user name: the codes' URIs are ``{base}/01/…``.
    """
    value = text.strip()
    if len(value) > MAX_BASE_URL_LENGTH:
        raise QrSettingError(
            N_("The address is too long: at most %(max)d characters."), max=MAX_BASE_URL_LENGTH
        )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise QrSettingError(
            N_("'%(value)s' is not a web address such as https://brand.example."), value=value
        ) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("https", "http") or not host:
        raise QrSettingError(
            N_("'%(value)s' is not a web address such as https://brand.example."), value=value
        )
    shown_host = f"[{host}]" if ":" in host else host
    if scheme == "http" and shown_host not in _LOCAL_HOSTS:
        raise QrSettingError(
            N_("The address must start with https:// (http:// is accepted for localhost only).")
        )
    if parts.username is not None or parts.password is not None:
        raise QrSettingError(N_("The address must not contain a user name or password."))
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.endswith(("?", "#")):
        raise QrSettingError(
            N_(
                "Give the domain only, without a path or query (such as https://brand.example): "
                "the codes add /01/ and the GTIN to it."
            )
        )
    if shown_host not in _LOCAL_HOSTS and not _HOST.match(host):
        raise QrSettingError(
            N_(
                "'%(host)s' is not a valid host name (letters, digits, hyphens and dots; "
                "write an international domain name in its xn-- form)."
            ),
            host=host,
        )
    return f"{scheme}://{shown_host}" + (f":{port}" if port is not None else "")


def base_url_of(settings: dict[str, Any] | None, fallback: str) -> str:
    """Return the brand's own base URL if it has a valid one, else `fallback` (no slash)."""
    stored = (settings or {}).get("public_base_url")
    if isinstance(stored, str) and stored.strip():
        try:
            return normalize_base_url(stored)
        except QrSettingError:
            pass
    return fallback.rstrip("/")


def product_uri(base: str, gtin: str) -> str:
    """Return a product's Digital Link URI, ``{base}/01/{gtin}``."""
    return base.rstrip("/") + batch_path(gtin)


def batch_uri(base: str, gtin: str, lot: str) -> str:
    """Return a batch's Digital Link URI, ``{base}/01/{gtin}/10/{lot}`` (lot percent-encoded)."""
    return base.rstrip("/") + batch_path(gtin, lot)


@dataclass(frozen=True)
class Sizing:
    """The printed-size figures of a QR symbol of `version` with the chosen options."""

    version: int
    options: QrOptions

    @property
    def modules(self) -> int:
        """Return the symbol's width in modules, without the quiet zone."""
        return 17 + 4 * self.version

    @property
    def total_modules(self) -> int:
        """Return the image's width in modules, quiet zone included."""
        return self.modules + 2 * self.options.quiet_zone

    @property
    def min_size_mm(self) -> float:
        """Return the recommended minimum printed width (quiet zone included) in mm."""
        return round(self.total_modules * MIN_X_MM, 1)

    @property
    def min_symbol_mm(self) -> float:
        """Return the minimum width of the symbol itself (without quiet zone) in mm."""
        return round(self.modules * MIN_X_MM, 1)

    @property
    def max_size_mm(self) -> float:
        """Return the largest printed width GS1 allows at retail POS, in mm."""
        return round(self.total_modules * MAX_X_MM, 1)

    @property
    def scan_distance_cm(self) -> int:
        """Return about how far away a phone reads the code at its minimum size, in cm."""
        return round(self.modules * MIN_X_MM * SCAN_DISTANCE_PER_WIDTH / 10)


@dataclass(frozen=True)
class Symbol(Sizing):
    """One QR symbol: its URI, mask pattern and module matrix (quiet zone included)."""

    uri: str
    mask: int
    matrix: tuple[tuple[bool, ...], ...]


def _code(uri: str, options: QrOptions, **fixed: int) -> qrcode.QRCode[Any]:
    code: qrcode.QRCode[Any] = qrcode.QRCode(
        error_correction=EC_LEVELS[options.ec], border=options.quiet_zone, **fixed
    )
    code.add_data(uri)
    return code


def sizing(uri: str, options: QrOptions) -> Sizing:
    """Return the size figures of `uri`'s code without drawing it (cheap)."""
    return Sizing(version=int(_code(uri, options).best_fit()), options=options)


def make_symbol(uri: str, options: QrOptions) -> Symbol:
    """Encode `uri` in the smallest QR version that holds it at the chosen EC level.

    The mask pattern is qrcode's pick by the ISO/IEC 18004 penalty rules; it is kept so
    that the SVG and the PNG of a code are the same symbol.
    """
    version = int(_code(uri, options).best_fit())
    mask = int(_code(uri, options, version=version).best_mask_pattern())
    code = _code(uri, options, version=version, mask_pattern=mask)
    code.make(fit=False)
    matrix = tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())
    return Symbol(version=version, options=options, uri=uri, mask=mask, matrix=matrix)


def render_svg(symbol: Symbol, title: str | None = None) -> bytes:
    """Return the symbol as a standalone SVG: one crisp path, white ground, a <title>.

    One viewBox unit is one module; width and height are the recommended minimum printed
    size in mm, so the file prints at that size unless scaled.
    """
    # box_size 10 is qrcode's SVG unit (10 px = 1 user unit), so one module is 1 unit
    code = _code(
        symbol.uri, symbol.options, version=symbol.version, mask_pattern=symbol.mask, box_size=10
    )
    code.make(fit=False)
    image = code.make_image(image_factory=SvgPathFillImage)
    root: ET.Element = image.get_image()
    size = f"{symbol.min_size_mm}mm"
    root.set("width", size)
    root.set("height", size)
    root.set("role", "img")
    root.set("aria-labelledby", "qr-title")
    label = ET.Element("title", id="qr-title")
    label.text = title or symbol.uri
    root.insert(0, label)
    for element in root.iter("path"):
        element.set("shape-rendering", "crispEdges")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def render_png(symbol: Symbol, px_per_module: int = DEFAULT_PX_PER_MODULE) -> bytes:
    """Return the symbol as a 1-bit PNG, `px_per_module` pixels a module.

    The PNG's resolution (pHYs) is set so that it prints at the recommended minimum size.
    """
    if not 1 <= px_per_module <= MAX_PX_PER_MODULE:
        raise QrSettingError(
            N_("The module size must be from 1 to %(max)d pixels."), max=MAX_PX_PER_MODULE
        )
    width = symbol.total_modules
    small = Image.new("1", (width, width), 1)
    small.putdata([0 if dark else 1 for row in symbol.matrix for dark in row])
    image = small.resize((width * px_per_module,) * 2, Image.Resampling.NEAREST)
    dpi = px_per_module / (MIN_X_MM / 25.4)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()
