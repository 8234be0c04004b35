"""GS1 Digital Link URIs of trade items: parse a request path, build a batch's URI.

Parsing is delegated to ``biip``; this module adds what a resolver must enforce on top
of it (the path must start with the GTIN, check digits, the AI order) and turns biip's
technical messages into ones a person can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

import biip

from server.core.errors import N_, DigitalLinkError
from server.core.gs1.identifiers import has_valid_check_digit

# GS1 AI encodable character set 82, as allowed in AI (10) batch/lot and AI (21) serial.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")
_QUALIFIER_ORDER = ("22", "10", "21")
_LIMITS = {"10": 20, "21": 20, "22": 20}


@dataclass(frozen=True)
class DigitalLink:
    """The identifiers in a trade item's Digital Link URI."""

    gtin: str
    lot: str | None = None
    serial: str | None = None

    @property
    def path(self) -> str:
        """Return the canonical URI path (GTIN-14, qualifiers in GS1 order)."""
        return batch_path(self.gtin, self.lot, self.serial)


def batch_path(gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    """Return ``/01/{gtin}[/10/{lot}][/21/{serial}]`` with values percent-encoded."""
    path = f"/01/{gtin}"
    if lot is not None:
        path += f"/10/{quote(lot, safe='')}"
    if serial is not None:
        path += f"/21/{quote(serial, safe='')}"
    return path


def parse_path(path: str) -> DigitalLink:
    """Parse a request path such as ``/01/09520123000016/10/NK25-0412``.

    Raise DigitalLinkError with a message that says what to fix.
    """
    segments = [unquote(s) for s in path.strip("/").split("/")]
    if len(segments) < 2 or segments[0] != "01":
        raise DigitalLinkError(N_("A product link must start with /01/ followed by the GTIN."))
    if len(segments) % 2:
        raise DigitalLinkError(
            N_(
                "The link ends with '%(key)s' but no value: each identifier key "
                "(01, 10, 21) must be followed by its value."
            ),
            key=segments[-1],
        )
    gtin = segments[1]
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise DigitalLinkError(
            N_("'%(gtin)s' is not a GTIN: a GTIN has 8, 12, 13 or 14 digits."), gtin=gtin
        )
    if not has_valid_check_digit(gtin):
        raise DigitalLinkError(
            N_("The GTIN %(gtin)s has a wrong check digit: please check the number on the pack."),
            gtin=gtin,
        )
    pairs = [(segments[i], segments[i + 1]) for i in range(2, len(segments), 2)]
    _check_qualifiers(pairs)
    uri = (
        "https://id.gs1.org"
        + batch_path(gtin.zfill(14))
        + "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in pairs)
    )
    result = biip.parse(uri)
    link = result.gs1_digital_link_uri
    if link is None:  # biip knows more rules than we check above: pass its word on
        raise DigitalLinkError(
            N_("Not a valid GS1 Digital Link: %(reason)s"),
            reason=str(result.gs1_digital_link_uri_error),
        )
    values = {element.ai.ai: element.value for element in link.element_strings}
    return DigitalLink(gtin=values["01"], lot=values.get("10"), serial=values.get("21"))


def _check_qualifiers(pairs: list[tuple[str, str]]) -> None:
    seen: list[str] = []
    for ai, value in pairs:
        if ai not in _QUALIFIER_ORDER:
            raise DigitalLinkError(
                N_(
                    "'%(ai)s' cannot follow a GTIN here: after /01/ only 22 (variant), "
                    "10 (batch/lot) and 21 (serial number) may follow, in that order."
                ),
                ai=ai,
            )
        if ai in seen:
            raise DigitalLinkError(N_("The key %(ai)s appears twice in the link."), ai=ai)
        if seen and _QUALIFIER_ORDER.index(ai) < _QUALIFIER_ORDER.index(seen[-1]):
            raise DigitalLinkError(
                N_(
                    "The keys are out of order: %(ai)s must come before %(previous)s "
                    "(GS1 order is /01/…/22/…/10/…/21/…)."
                ),
                ai=ai,
                previous=seen[-1],
            )
        seen.append(ai)
        if not value:
            raise DigitalLinkError(N_("The value of key %(ai)s is empty."), ai=ai)
        if len(value) > _LIMITS[ai]:
            raise DigitalLinkError(
                N_(
                    "The value of key %(ai)s is %(length)d characters long; "
                    "at most %(limit)d are allowed."
                ),
                ai=ai,
                length=len(value),
                limit=_LIMITS[ai],
            )
        if not _CSET82.match(value):
            bad = sorted({ch for ch in value if not _CSET82.match(ch)})
            raise DigitalLinkError(
                N_("The value of key %(ai)s contains characters GS1 does not allow: %(chars)s"),
                ai=ai,
                chars=" ".join(repr(ch) for ch in bad),
            )
