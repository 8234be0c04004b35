"""GS1 Digital Link URIs: parse a resolver request (path and query), build a batch's URI.

Parsing is delegated to ``biip``; this module adds what a resolver must enforce on top
of it (the path starts with a primary key, check digits, the qualifier order, query-string
attributes validated as strictly as the path) and turns biip's technical messages into ones
a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlencode

import biip
from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from server.core.errors import N_, DigitalLinkError
from server.core.gs1.identifiers import has_valid_check_digit

# GS1 AI encodable character set 82, as allowed in AI (10) batch/lot and AI (21) serial.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")
# The primary keys a Digital Link path may start with, each with its key qualifiers in the
# order they must follow it (GS1 Digital Link URI syntax 1.2 §4.5, the table biip parses by;
# 235 is the GTIN's third-party controlled serialised extension).
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "01": ("22", "10", "21", "235"),
    "8006": ("22", "10", "21"),
    "8013": (),
    "8010": ("8011",),
    "414": ("254", "7040"),
    "415": ("8020",),
    "417": ("7040",),
    "8017": ("8019",),
    "8018": ("8019",),
    "255": (),
    "00": (),
    "253": (),
    "401": (),
    "402": (),
    "8003": (),
    "8004": ("7040",),
}
# Every AI that identifies rather than describes: it belongs in the path, never the query.
_PATH_AIS = frozenset(PRIMARY_KEYS) | {ai for quals in PRIMARY_KEYS.values() for ai in quals}
_QUALIFIER_ORDER = PRIMARY_KEYS["01"]
_LIMITS = {"10": 20, "21": 20, "22": 20, "235": 28}
# Where each key's check digit sits: the key's leading digits that end in one (GS1 General
# Specifications §3: GRAI after its filler zero, GDTI and GCN before their serials).
_CHECKED = {"00": (0, 18), "414": (0, 13), "417": (0, 13), "402": (0, 17), "8017": (0, 18)}
_CHECKED |= {"8018": (0, 18), "253": (0, 13), "255": (0, 13), "8003": (1, 14), "8006": (0, 14)}


@dataclass(frozen=True)
class DigitalLink:
    """The identifiers in a trade item's Digital Link URI."""

    gtin: str
    lot: str | None = None
    serial: str | None = None
    tpx: str | None = None  # AI 235, the third-party controlled serialised extension

    @property
    def path(self) -> str:
        """Return the canonical URI path (GTIN-14, qualifiers in GS1 order)."""
        path = batch_path(self.gtin, self.lot, self.serial)
        return path + (f"/235/{quote(self.tpx, safe='')}" if self.tpx is not None else "")


@dataclass(frozen=True)
class KeyLink:
    """A Digital Link URI of any GS1 primary key: the key's AI, its value, its qualifiers."""

    ai: str
    value: str
    qualifiers: tuple[tuple[str, str], ...] = ()


def batch_path(gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    """Return ``/01/{gtin}[/10/{lot}][/21/{serial}]`` with values percent-encoded."""
    path = f"/01/{gtin}"
    if lot is not None:
        path += f"/10/{quote(lot, safe='')}"
    if serial is not None:
        path += f"/21/{quote(serial, safe='')}"
    return path


def _segments(path: str) -> list[str]:
    """Return the path's percent-decoded segments, refusing empty ones and an odd count."""
    segments = [unquote(s) for s in path.strip("/").split("/")]
    if "" in segments and segments != [""]:
        raise DigitalLinkError(
            N_("The link has an empty part (two slashes in a row): please remove the extra '/'.")
        )
    if len(segments) % 2:
        raise DigitalLinkError(
            N_(
                "The link ends with '%(key)s' but no value: each identifier key "
                "(01, 10, 21) must be followed by its value."
            ),
            key=segments[-1],
        )
    return segments


def _check_value(ai: str, value: str) -> None:
    if not value:
        raise DigitalLinkError(N_("The value of key %(ai)s is empty."), ai=ai)
    if ai in _LIMITS and len(value) > _LIMITS[ai]:
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


def _is_ai(key: str) -> bool:
    try:
        return GS1ApplicationIdentifier.extract(key).ai == key
    except ParseError:
        return False


def query_attributes(query: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the GS1 attributes (AI, value) of a Digital Link's query string, checked.

    Numeric keys are AIs and are checked as strictly as the path: known, once each, not a
    key or key qualifier (those belong in the path), GS1 characters only. Other keys
    (``linkType``, ``lang``, ``context``, a campaign tag) are not GS1 data: the standard
    lets a resolver ignore them, and originxr reads ``linkType`` and ``lang`` itself.
    """
    attributes: list[tuple[str, str]] = []
    for key, value in query:
        if "\x00" in key or "\x00" in value:
            raise DigitalLinkError(
                N_("The link contains a NUL character, which no GS1 value may hold.")
            )
        if not key.isdigit():
            continue
        if not _is_ai(key):
            raise DigitalLinkError(
                N_("'%(ai)s' in the query string is not a GS1 Application Identifier."), ai=key
            )
        if key in _PATH_AIS:
            raise DigitalLinkError(
                N_("The key %(ai)s belongs in the path (…/%(ai)s/…), not in the query string."),
                ai=key,
            )
        if any(ai == key for ai, _ in attributes):
            raise DigitalLinkError(N_("The key %(ai)s appears twice in the link."), ai=key)
        _check_value(key, value)
        attributes.append((key, value))
    return attributes


def _biip_parse(pairs: list[tuple[str, str]], attributes: list[tuple[str, str]]) -> None:
    """Pass the link through biip, which knows every AI's format (dates, lengths, digits)."""
    uri = "https://id.gs1.org" + "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in pairs)
    if attributes:
        uri += "?" + urlencode(attributes)
    result = biip.parse(uri)
    if result.gs1_digital_link_uri is None:  # biip knows more rules than we check: pass it on
        raise DigitalLinkError(
            N_("Not a valid GS1 Digital Link: %(reason)s"),
            reason=str(result.gs1_digital_link_uri_error),
        )


def parse_path(path: str, query: Iterable[tuple[str, str]] = ()) -> DigitalLink:
    """Parse a trade item's request path such as ``/01/09520123000016/10/NK25-0412``.

    `query` holds the query string's (key, value) pairs, repeated keys repeated. Raise
    DigitalLinkError with a message that says what to fix.
    """
    segments = _segments(path)
    if len(segments) < 2 or segments[0] != "01":
        raise DigitalLinkError(N_("A product link must start with /01/ followed by the GTIN."))
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
    attributes = query_attributes(query)
    _biip_parse([("01", gtin.zfill(14)), *pairs], attributes)
    values = dict(pairs)
    return DigitalLink(
        gtin=gtin.zfill(14), lot=values.get("10"), serial=values.get("21"), tpx=values.get("235")
    )


def parse_key_path(path: str, query: Iterable[tuple[str, str]] = ()) -> KeyLink:
    """Parse a request path of any GS1 primary key, e.g. ``/414/9520123000011``.

    Raise DigitalLinkError with a message that says what to fix.
    """
    segments = _segments(path)
    primary = segments[0]
    if primary == "01":
        link = parse_path(path, query)
        pairs = [(ai, v) for ai, v in (("10", link.lot), ("21", link.serial)) if v is not None]
        return KeyLink("01", link.gtin, tuple(pairs))
    if primary not in PRIMARY_KEYS or len(segments) < 2:
        raise DigitalLinkError(
            N_("A GS1 Digital Link path must start with a GS1 key such as /01/ or /414/.")
        )
    value = segments[1]
    if primary in _CHECKED:
        start, end = _CHECKED[primary]
        if len(value) < end or not has_valid_check_digit(value[start:end]):
            raise DigitalLinkError(
                N_("The key %(ai)s value %(value)s has a wrong check digit or length."),
                ai=primary,
                value=value,
            )
    pairs = [(segments[i], segments[i + 1]) for i in range(2, len(segments), 2)]
    allowed = PRIMARY_KEYS[primary]
    for ai, qualifier in pairs:
        if ai not in allowed:
            raise DigitalLinkError(
                N_(
                    "'%(ai)s' cannot follow key %(key)s in the path "
                    "(it may be followed by: %(allowed)s)."
                ),
                ai=ai,
                key=primary,
                allowed=", ".join(allowed) or "-",
            )
        _check_value(ai, qualifier)
    attributes = query_attributes(query)
    _biip_parse([(primary, value), *pairs], attributes)
    return KeyLink(primary, value, tuple(pairs))


def _check_qualifiers(pairs: list[tuple[str, str]]) -> None:
    seen: list[str] = []
    for ai, value in pairs:
        if ai not in _QUALIFIER_ORDER:
            raise DigitalLinkError(
                N_(
                    "'%(ai)s' cannot follow a GTIN here: after /01/ only 22 (variant), "
                    "10 (batch/lot), 21 (serial number) and 235 (third-party serialised "
                    "extension) may follow, in that order."
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
        _check_value(ai, value)
    if {"21", "235"} <= set(seen):
        # GS1 General Specifications: AI 235 extends a GTIN in place of a serial number.
        raise DigitalLinkError(
            N_("A link cannot carry both a serial number (21) and a third-party serial (235).")
        )
