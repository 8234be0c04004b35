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


# A document names a handful of company prefixes and items thousands of times: each key body
# is worked out once (biip's loop costs a few µs a call).
@lru_cache(maxsize=1 << 14)
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


def _keyed(body: str) -> str:
    """Return `body` followed by its GS1 check digit."""
    return body + gs1_check_digit(body)


def _body(company: str, reference: str, length: int) -> str | None:
    """Return company prefix + reference if they are the `length` digits of a key, else None.

    EPC TDS 2.x §6.3: the company prefix has 6 to 12 digits and the reference fills the
    key to its length, so with a 12-digit prefix a GLN's reference is empty
    (``urn:epc:id:pgln:401234567890.``) and ``401234567890.0`` names no GLN.
    """
    body = company + reference
    if not 6 <= len(company) <= 12 or len(body) != length or not body.isdigit():
        return None
    return body


def _indicator_key(company: str, reference: str, length: int) -> str | None:
    """Return the key whose first digit leads `reference` (GTIN indicator, SSCC extension)."""
    if not reference or _body(company, reference, length) is None:
        return None
    return _keyed(reference[0] + company + reference[1:])


def _gln_like(company: str, reference: str) -> str | None:
    """Return the 13-digit key (GLN, GDTI, GRAI, GCN) of a 12-digit company + reference body."""
    body = _body(company, reference, 12)
    return _keyed(body) if body else None


def _company(company: str) -> bool:
    return company.isdigit() and 6 <= len(company) <= 12


# How many dot-separated fields each EPC scheme's URN has; the last may itself hold dots
# (a serial, lot or asset reference is free text), so URNs are split at most that often.
_FIELDS = {"sgtin": 3, "lgtin": 3, "upui": 3, "sgln": 3, "grai": 3, "gdti": 3, "sgcn": 3}
_FIELDS |= {"cpi": 3, "itip": 5, "sscc": 2, "giai": 2, "ginc": 2, "pgln": 2, "gsrn": 2}
_FIELDS |= {"gsrnp": 2, "gsin": 2}


def epc_parts(scheme: str, rest: str) -> list[str]:
    """Return an EPC URN's fields after the scheme, percent-decoded (a free last field whole)."""
    return [unquote(part) for part in rest.split(".", _FIELDS.get(scheme, 0) - 1)]


def epc_parts_to_digital_link(scheme: str, parts: list[str]) -> str | None:
    """Return the Digital Link of one EPC pure-identity `scheme`'s URN `parts`, or None.

    `parts` are the URN's dot-separated fields after the scheme, percent-decoded. None
    means the parts do not make that scheme's key (wrong count, wrong length, letters in a
    number), or the scheme has no Digital Link.
    """
    if len(parts) != _FIELDS.get(scheme):
        return None
    if scheme in ("sgtin", "lgtin", "upui", "itip"):
        gtin = _indicator_key(parts[0], parts[1], 13)
        if gtin is None:
            return None
        if scheme == "itip":
            if not (len(parts[2]) == len(parts[3]) == 2 and (parts[2] + parts[3]).isdigit()):
                return None
            return digital_link(("8006", gtin + parts[2] + parts[3]), ("21", parts[4]))
        qualifier = {"sgtin": "21", "lgtin": "10", "upui": "235"}[scheme]
        return digital_link(("01", gtin), (qualifier, parts[2]))
    if scheme == "sscc":
        sscc = _indicator_key(parts[0], parts[1], 17)  # extension digit first
        return digital_link(("00", sscc)) if sscc else None
    # Asset, consignment and component references may hold letters; keys with a check
    # digit may not.
    if scheme in ("cpi", "giai", "ginc"):
        if not _company(parts[0]):
            return None
        if scheme == "cpi":
            return digital_link(("8010", parts[0] + parts[1]), ("8011", parts[2]))
        return digital_link(("8004" if scheme == "giai" else "401", parts[0] + parts[1]))
    if scheme in ("gsrn", "gsrnp", "gsin"):
        body = _body(parts[0], parts[1], 16 if scheme == "gsin" else 17)
        ai = {"gsrn": "8018", "gsrnp": "8017", "gsin": "402"}[scheme]
        return digital_link((ai, _keyed(body))) if body else None
    key = _gln_like(parts[0], parts[1])
    if key is None:
        return None
    if scheme == "pgln":
        return digital_link(("417", key))
    if scheme == "sgln":
        extension = parts[2]
        if extension in ("0", ""):
            return digital_link(("414", key))
        return digital_link(("414", key), ("254", extension))
    if scheme == "grai":
        # AI 8003 is a filler zero, the GRAI-13 with its check digit, then the serial.
        return digital_link(("8003", "0" + key + parts[2]))
    return digital_link(("253" if scheme == "gdti" else "255", key + parts[2]))


def _pattern_to_digital_link(scheme: str, rest: str) -> str | None:
    """Return the Digital Link of an EPC pattern URN whose only wildcard is its last field.

    As the reference event-hash implementation does: ``sgtin``/``upui`` ``C.I.*`` name a
    GTIN, ``itip`` ``C.I.pp.tt.*`` an ITIP, ``grai``/``gdti``/``sgcn`` ``C.R.*`` the key
    without its serial, ``cpi`` ``C.R.*`` a CPID. Other patterns (``C.*.*``, any other
    scheme) name several keys and have no Digital Link.
    """
    parts = [unquote(part) for part in rest.split(".")]
    if parts[-1] != "*" or "*" in parts[:-1] or len(parts) != _FIELDS.get(scheme):
        return None
    if scheme in ("sgtin", "upui", "itip"):
        gtin = _indicator_key(parts[0], parts[1], 13)
        if gtin is None or scheme != "itip":
            return digital_link(("01", gtin)) if gtin else None
        extra = parts[2] + parts[3]
        return digital_link(("8006", gtin + extra)) if len(extra) == 4 and extra.isdigit() else None
    if scheme == "cpi":
        return digital_link(("8010", parts[0] + parts[1])) if _company(parts[0]) else None
    if scheme in ("grai", "gdti", "sgcn"):
        key = _gln_like(parts[0], parts[1])
        ai = {"grai": "8003", "gdti": "253", "sgcn": "255"}[scheme]
        return digital_link((ai, ("0" if scheme == "grai" else "") + key)) if key else None
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
    if kind == "idpat":
        return _pattern_to_digital_link(scheme, rest)
    if kind == "class" and scheme != "lgtin":
        return None
    return epc_parts_to_digital_link(scheme, epc_parts(scheme, rest))


def _from_urn(match: re.Match[str]) -> str:
    kind, scheme, rest = match.groups()
    if kind == "class" and scheme == "gtin":
        raise IdentifierError(f"pattern URNs are not single identifiers: {match.group(0)!r}")
    if scheme not in _TRACED_SCHEMES:
        return match.group(0)
    found = epc_parts_to_digital_link(scheme, epc_parts(scheme, rest))
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
