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

CANONICAL_HOST = "https://id.gs1.org"

_URN = re.compile(r"^urn:epc:(id|class):([a-z]+):(.+)$")
# Digital Link path keys we canonicalise, each with its qualifier keys.
_PRIMARY_KEYS = {"01": ("22", "10", "21"), "414": ("254",), "00": (), "417": (), "8004": ()}


class IdentifierError(ValueError):
    """An identifier that is neither a known EPC URN nor a GS1 Digital Link URI."""


def gs1_check_digit(digits: str) -> str:
    """Return the GS1 mod-10 check digit for `digits` (the number without its check digit)."""
    if not digits.isdigit():
        raise IdentifierError(f"`digits` must be numeric, got {digits!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


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


def _key_from_urn(company_prefix: str, reference: str, *, indicator_first: bool) -> str:
    if not (company_prefix + reference).isdigit():
        raise IdentifierError(f"EPC URN parts must be digits: {company_prefix}.{reference}")
    body = (
        reference[0] + company_prefix + reference[1:]
        if indicator_first
        else company_prefix + reference
    )
    return body + gs1_check_digit(body)


def _dl(*pairs: tuple[str, str]) -> str:
    return CANONICAL_HOST + "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in pairs)


def _from_urn(match: re.Match[str]) -> str:
    kind, scheme, rest = match.groups()
    parts = rest.split(".")
    if scheme in ("sgtin", "lgtin") or (kind == "idpat" and scheme == "sgtin"):
        if len(parts) < 3:
            raise IdentifierError(f"{scheme} URN needs prefix.item.serial, got {rest!r}")
        gtin = _key_from_urn(parts[0], parts[1], indicator_first=True)
        tail = unquote(".".join(parts[2:]))
        return _dl(("01", gtin), ("10" if scheme == "lgtin" else "21", tail))
    if scheme == "sgln":
        if len(parts) != 3:
            raise IdentifierError(f"sgln URN needs prefix.location.extension, got {rest!r}")
        gln = _key_from_urn(parts[0], parts[1], indicator_first=False)
        ext = unquote(parts[2])
        return _dl(("414", gln)) if ext in ("0", "") else _dl(("414", gln), ("254", ext))
    if scheme == "sscc" and len(parts) == 2:
        return _dl(("00", _key_from_urn(parts[0], parts[1], indicator_first=True)))
    if scheme == "pgln" and len(parts) == 2:
        return _dl(("417", _key_from_urn(parts[0], parts[1], indicator_first=False)))
    if scheme == "grai" and len(parts) == 3:
        return _dl(("8003", _key_from_urn(parts[0], parts[1], indicator_first=False) + parts[2]))
    if (kind == "class" and scheme == "gtin") or scheme == "idpat":
        raise IdentifierError(f"pattern URNs are not single identifiers: {match.group(0)!r}")
    # Other EPC schemes (giai, gsrn, ...) are kept as written: still a stable identifier.
    return match.group(0)


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
    return _dl((primary, value), *pairs[1:])


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
    return _dl(("01", gtin14(gtin)), ("10", lot))


_GTIN_IN = re.compile(re.escape(CANONICAL_HOST) + r"/01/(\d{14})(?:/|$)")


def gtin_of(canonical: str) -> str | None:
    """Return the GTIN-14 inside a canonical class or instance identifier, if any."""
    match = _GTIN_IN.match(canonical)
    return match.group(1) if match else None


def location_id(gln: str) -> str:
    """Return the canonical identifier of a location given its GLN."""
    if not has_valid_check_digit(gln) or len(gln) != 13:
        raise IdentifierError(f"GLN must be 13 digits with a valid check digit, got {gln!r}")
    return _dl(("414", gln))
