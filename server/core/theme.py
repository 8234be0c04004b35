"""A brand's theme: colours checked against WCAG 2.x contrast, logo and font references.

Pure. Colours are ``#rrggbb``; `contrast_ratio` follows WCAG 2.x (relative luminance of
sRGB, ratio (L1 + 0.05) / (L2 + 0.05)). `check_theme` lists every pair the consumer page
draws with its ratio and the minimum it needs (4.5:1 for text, 3:1 for large text and UI
parts), and for a failing pair the nearest shade of the brand's colour that passes.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.core.errors import N_, TranslatableError

COLOUR_FIELDS = ("primary", "accent", "background", "text")
DEFAULTS = {"primary": "#5b3a29", "accent": "#a8741c", "background": "#fbf7f2", "text": "#1f1a17"}
WHITE = "#ffffff"
TEXT_MIN = 4.5
UI_MIN = 3.0
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

# (key, label, foreground, background, minimum, the brand colour a fix changes)
# A colour name refers to a theme field; WHITE is the page's fixed white (cards, header text).
PAIRS: tuple[tuple[str, str, str, str, float, str], ...] = (
    ("text_on_background", N_("Text on the background"), "text", "background", TEXT_MIN, "text"),
    ("text_on_card", N_("Text on white cards"), "text", WHITE, TEXT_MIN, "text"),
    ("links_on_background", N_("Links on the background"), "primary", "background", TEXT_MIN,
     "primary"),
    ("header_text", N_("White header text on the primary colour"), WHITE, "primary", TEXT_MIN,
     "primary"),
    ("accent_on_background", N_("Accent (focus ring, lines) on the background"), "accent",
     "background", UI_MIN, "accent"),
)  # fmt: skip


class ThemeError(TranslatableError):
    """A theme the studio refuses; `field` names the form field that is wrong."""

    def __init__(self, field: str, template: str, **params: object) -> None:
        self.field = field
        super().__init__(template, **params)


def parse_colour(value: str, field: str) -> str:
    """Return `value` as lowercase ``#rrggbb``; raise ThemeError naming `field` if it is not."""
    match = _HEX.match(value.strip())
    if match is None:
        raise ThemeError(
            field,
            N_("%(name)s must be a colour in the form #rrggbb, such as #5b3a29."),
            name=field,
        )
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """Return the WCAG 2.x relative luminance (0 black – 1 white) of ``#rrggbb``."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """Return the WCAG 2.x contrast ratio of two ``#rrggbb`` colours (1 – 21)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def nearest_passing(colour: str, other: str, minimum: float) -> str | None:
    """Return the shade of `colour` (same hue and saturation) nearest in lightness whose
    contrast with `other` reaches `minimum`, or None if no shade does."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    for step in range(1, 256):  # one 8-bit level of lightness at a time
        for candidate in (lightness - step / 255, lightness + step / 255):
            if 0.0 <= candidate <= 1.0:
                shade = _hex(colorsys.hls_to_rgb(h, candidate, s))
                if contrast_ratio(shade, other) >= minimum:
                    return shade
    return None


@dataclass(frozen=True)
class PairResult:
    """One colour pair the page draws: its ratio, the minimum, and a fix when it fails."""

    key: str
    label: str
    foreground: str
    background: str
    ratio: float
    minimum: float
    field: str
    suggestion: str | None

    @property
    def passes(self) -> bool:
        """Tell whether the pair meets WCAG AA."""
        return self.ratio >= self.minimum


def check_theme(colours: Mapping[str, str]) -> list[PairResult]:
    """Return the contrast of every pair in `PAIRS` for `colours` (all of COLOUR_FIELDS)."""

    def value(name: str) -> str:
        return WHITE if name == WHITE else colours[name]

    results = []
    for key, label, fg_name, bg_name, minimum, field in PAIRS:
        fg, bg = value(fg_name), value(bg_name)
        # Compared unrounded: 4.499:1 fails, as the success criterion reads.
        ratio = contrast_ratio(fg, bg)
        suggestion = None
        if ratio < minimum:
            other = bg if field == fg_name else fg
            suggestion = nearest_passing(colours[field], other, minimum)
        results.append(PairResult(key, label, fg, bg, ratio, minimum, field, suggestion))
    return results


def parse_colours(form: Mapping[str, Any]) -> dict[str, str]:
    """Return the four theme colours of `form`; raise ThemeError for the first bad one."""
    return {f: parse_colour(str(form.get(f, "")), f) for f in COLOUR_FIELDS}


def colours_of(theme: Mapping[str, Any] | None) -> dict[str, str]:
    """Return the stored theme's colours, each valid or its default."""
    theme = theme or {}
    result = {}
    for field in COLOUR_FIELDS:
        try:
            result[field] = parse_colour(str(theme.get(field, DEFAULTS[field])), field)
        except ThemeError:
            result[field] = DEFAULTS[field]
    return result


def public_theme(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return what a consumer page needs of the brand's theme: valid colours and the
    URLs (on our own origin) of its logo and font, if any."""
    stored = (settings or {}).get("theme")
    theme = stored if isinstance(stored, Mapping) else {}
    result: dict[str, Any] = colours_of(theme)
    for part in ("logo", "font"):
        ref = theme.get(part)
        if not isinstance(ref, Mapping):
            continue
        sha = ref.get("sha256")
        if isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha):
            result[f"{part}_url"] = f"/blobs/{sha}"
            if part == "logo":
                result["logo_size"] = (ref.get("width"), ref.get("height"))
    return result
