"""Canonical GS1 identifiers: EPC pure-identity URNs and Digital Link URIs made one form.

EPCIS documents may name the same thing as ``urn:epc:class:lgtin:9520123.012345.L1`` or as
``https://id.gs1.org/01/09520123123457/10/L1``. Converting a URN to a Digital Link needs no
knowledge of the company-prefix length (the digits are only re-ordered and a check digit
added), while the reverse does; so the canonical form is the Digital Link URI on GS1's
canonical host.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from biip.checksums import gs1_standard_check_digit

CANONICAL_HOST = "https://id.gs1.org"

_URN = re.compile(r"^urn:epc:(id|class):([a-z]+):(.+)$")
_EPC_URN = re.compile(r"^urn:epc:(id|class|idpat):([A-Za-z0-9]+):(.+)$")
# Digital Link path keys we canonicalise, each with its qualifier keys.
_PRIMARY_KEYS = {"01": ("22", "10", "21"), "414": ("254",), "00": (), "417": (), "8004": ()}
# The EPC schemes tracing reads as GS1 keys; a malformed one of these is refused, and any
# other EPC URN is kept as written (still a stable identifier).
_TRACED_SCHEMES = frozenset({"sgtin", "lgtin", "sgln", "sscc", "pgln", "grai"})


class IdentifierError(ValueError):
    """An identifier that is neither a known EPC URN nor a GS1 Digital Link URI."""


def gs1_check_digit(digits: str) -> str:
    """Return the GS1 mod-10 check digit for `digits` (the number without its check digit)."""
    if not digits.isdigit():
        raise IdentifierError(f"`digits` must be numeric, got {digits!r}")
    return str(gs1_standard_check_digit(digits))


def has_valid_check_digit(number: str) -> bool:
    """Tell whether a GS1 key (GTIN, GLN, SSCC) ends in its correct check digit."""
    return number.isdigit() and len(number) > 1 and gs1_check_digit(number[:-1]) == number[-1]


def gtin14(gtin: str) -> str:
    """Return `gtin` (8, 12, 13 or 14 digits) as a GTIN-14, checking its check digit."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise IdentifierError(f"GTIN must have 8, 12, 13 or 14 digits, got {gtin!r}")
    if not has_valid_check_digit(gtin):
        raise IdentifierError(f"GTIN {gtin} has a wrong check digit")
    return gtin.zfill(14)


def digital_link(*pairs: tuple[str, str]) -> str:
    """Return the Digital Link URI on GS1's canonical host of the (AI, value) `pairs`."""
    return CANONICAL_HOST + "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in pairs)


def _digits(*parts: str) -> bool:
    return all(part.isdigit() for part in parts)


def _keyed(body: str) -> str:
    """Return `body` followed by its GS1 check digit."""
    return body + gs1_check_digit(body)


def _gtin(company: str, indicator_item: str) -> str | None:
    """Return the GTIN-14 of an EPC (company prefix, indicator + item reference)."""
    if not indicator_item or not _digits(company, indicator_item):
        return None
    return _keyed(indicator_item[0] + company + indicator_item[1:])


def epc_parts_to_digital_link(scheme: str, parts: list[str]) -> str | None:
    """Return the Digital Link of one EPC pure-identity `scheme`'s URN `parts`, or None.

    `parts` are the URN's dot-separated fields after the scheme, percent-decoded. None
    means the parts do not make that scheme's key (wrong count, letters in a number), or
    the scheme has no Digital Link.
    """
    n = len(parts)
    if scheme in ("sgtin", "lgtin") and n == 3:
        gtin = _gtin(parts[0], parts[1])
        qualifier = "21" if scheme == "sgtin" else "10"
        return digital_link(("01", gtin), (qualifier, parts[2])) if gtin else None
    if scheme == "upui" and n == 3:
        gtin = _gtin(parts[0], parts[1])
        return digital_link(("01", gtin), ("235", parts[2])) if gtin else None
    if scheme == "sscc" and n == 2:
        sscc = _gtin(parts[0], parts[1])  # extension digit first, like a GTIN's indicator
        return digital_link(("00", sscc)) if sscc else None
    if scheme == "itip" and n == 5:
        gtin = _gtin(parts[0], parts[1])
        if not gtin or not _digits(parts[2], parts[3]):
            return None
        return digital_link(("8006", gtin + parts[2] + parts[3]), ("21", parts[4]))
    # Asset, consignment and component references may hold letters; keys with a check
    # digit may not.
    if scheme == "cpi" and n == 3:
        return digital_link(("8010", parts[0] + parts[1]), ("8011", parts[2]))
    if scheme in ("giai", "ginc") and n == 2:
        return digital_link(("8004" if scheme == "giai" else "401", parts[0] + parts[1]))
    if n < 2 or not _digits(parts[0], parts[1]):
        return None
    if scheme == "sgln" and n == 3:
        gln = _keyed(parts[0] + parts[1])
        extension = parts[2]
        if extension in ("0", ""):
            return digital_link(("414", gln))
        return digital_link(("414", gln), ("254", extension))
    if scheme in ("pgln", "gsrn", "gsrnp", "gsin") and n == 2:
        ai = {"pgln": "417", "gsrn": "8018", "gsrnp": "8017", "gsin": "402"}[scheme]
        return digital_link((ai, _keyed(parts[0] + parts[1])))
    if scheme == "grai" and n == 3:
        # AI 8003 is a filler zero, the GRAI-13 with its check digit, then the serial.
        return digital_link(("8003", "0" + _keyed(parts[0] + parts[1]) + parts[2]))
    if scheme in ("gdti", "sgcn") and n == 3:
        ai = "253" if scheme == "gdti" else "255"
        return digital_link((ai, _keyed(parts[0] + parts[1]) + parts[2]))
    return None


def epc_urn_to_digital_link(urn: str) -> str | None:
    """Return the Digital Link of an EPC URN, or None if it has none.

    ``urn:epc:idpat:sgtin:4012345.066666.*`` (all serials of a GTIN) becomes the GTIN's own
    Digital Link, as in the reference implementation's examples. Schemes outside GS1 keys
    (``usdod``, ``adi``, ``gid``, ``bic``, ``imovn``) have no Digital Link: None.
    """
    match = _EPC_URN.match(urn)
    if match is None:
        return None
    kind, scheme, rest = match.groups()
    parts = [unquote(part) for part in rest.split(".")]
    if kind == "idpat":
        if scheme == "sgtin" and len(parts) == 3 and parts[2] == "*":
            gtin = _gtin(parts[0], parts[1])
            return digital_link(("01", gtin)) if gtin else None
        return None
    if kind == "class" and scheme != "lgtin":
        return None
    return epc_parts_to_digital_link(scheme, parts)


def _from_urn(match: re.Match[str]) -> str:
    kind, scheme, rest = match.groups()
    if kind == "class" and scheme == "gtin":
        raise IdentifierError(f"pattern URNs are not single identifiers: {match.group(0)!r}")
    if scheme not in _TRACED_SCHEMES:
        return match.group(0)
    raw = rest.split(".")
    if scheme in ("sgtin", "lgtin") and len(raw) > 3:
        raw = [*raw[:2], ".".join(raw[2:])]  # a serial or lot may hold dots
    found = epc_parts_to_digital_link(scheme, [unquote(part) for part in raw])
    if found is None:
        raise IdentifierError(f"{scheme} URN {match.group(0)!r} does not make a GS1 key")
    return found


def _from_digital_link(uri: str) -> str:
    path = urlsplit(uri).path.strip("/").split("/")
    for start in range(len(path) - 1):
        if path[start] in _PRIMARY_KEYS:
            segments = path[start:]
            break
    else:
        raise IdentifierError(f"no GS1 primary key in Digital Link URI {uri!r}")
    if len(segments) % 2:
        raise IdentifierError(f"Digital Link path has an odd number of segments: {uri!r}")
    pairs = [(segments[i], unquote(segments[i + 1])) for i in range(0, len(segments), 2)]
    primary, value = pairs[0]
    if primary in ("01",):
        value = gtin14(value)
    elif primary != "8004" and not has_valid_check_digit(value):  # GIAI has no check digit
        raise IdentifierError(f"{primary} key {value} has a wrong check digit")
    allowed = _PRIMARY_KEYS[primary]
    for ai, _ in pairs[1:]:
        if ai not in allowed:
            raise IdentifierError(f"AI {ai} cannot qualify AI {primary} in {uri!r}")
    if primary == "414":
        pairs = [p for p in pairs if p != ("254", "0")]
    return digital_link((primary, value), *pairs[1:])


@lru_cache(maxsize=1 << 16)
def canonical_id(identifier: str) -> str:
    """Return the canonical form of an EPC URN or GS1 Digital Link URI.

    Non-GS1 URIs (``urn:uuid:``, a company's own ``https://`` vocabulary) are returned as
    written: they are already their own canonical form. Results are cached: a capture
    reads each identifier twice (validation, storage) and lots recur across events.
    """
    text = identifier.strip()
    match = _URN.match(text)
    if match:
        return _from_urn(match)
    if text.startswith(("http://", "https://")):
        path = urlsplit(text).path.strip("/").split("/")
        if any(seg in _PRIMARY_KEYS for seg in path[:-1]):
            return _from_digital_link(text)
    if not text:
        raise IdentifierError("identifier is empty")
    return text


def lot_class(gtin: str, lot: str) -> str:
    """Return the canonical class identifier of one lot of a trade item."""
    return digital_link(("01", gtin14(gtin)), ("10", lot))


_GTIN_IN = re.compile(re.escape(CANONICAL_HOST) + r"/01/(\d{14})(?:/|$)")


def gtin_of(canonical: str) -> str | None:
    """Return the GTIN-14 inside a canonical class or instance identifier, if any."""
    match = _GTIN_IN.match(canonical)
    return match.group(1) if match else None


def location_id(gln: str) -> str:
    """Return the canonical identifier of a location given its GLN."""
    if not has_valid_check_digit(gln) or len(gln) != 13:
        raise IdentifierError(f"GLN must be 13 digits with a valid check digit, got {gln!r}")
    return digital_link(("414", gln))
