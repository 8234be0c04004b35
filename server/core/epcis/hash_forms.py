"""Identifiers and vocabulary in the one form the GS1 event hash needs (CBV 2.0 §8.9).

The EPCIS event hash compares identifiers across syntaxes, so before hashing:

- EPC URNs (``urn:epc:id:``, ``urn:epc:class:``, ``urn:epc:idpat:``) become canonical
  GS1 Digital Link URIs (GS1 Digital Link URI Syntax 1.2 §4.11, EPC TDS 2.x §6), by the
  one converter, `server.core.gs1.identifiers.epc_urn_to_digital_link`;
- a GS1 Digital Link URI is *constrained*: any domain becomes ``https://id.gs1.org``, the
  query string goes, and only the finest level of identification stays (GTIN + serial
  rather than GTIN + lot + serial; a CPV is dropped);
- CBV URNs (``urn:epcglobal:cbv:bizstep:shipping``) become their Web URIs
  (``https://ref.gs1.org/cbv/BizStep-shipping``).

Unlike `server.core.gs1.identifiers.canonical_id` (which refuses what tracing cannot use), these
functions never raise on odd input: a value that is not recognisably one of the forms
above is hashed as written, which keeps the hash total over any valid event.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from server.core.gs1.identifiers import (
    IdentifierError,
    canonical_id,
    digital_link,
    epc_urn_to_digital_link,
)

CBV = "https://ref.gs1.org/cbv/"

# CBV 2.0 §6–7: URN vocabulary names and the Web URI term prefixes they map to.
_CBV_URN_TERMS = {
    "bizstep": "BizStep-",
    "disp": "Disp-",
    "btt": "BTT-",
    "sdt": "SDT-",
    "er": "ER-",
    "comp": "Comp-",
}
_INCHIKEY_URN = "urn:epcglobal:cbv:inchikey:"
_INCHIKEY_URI = "https://identifiers.org/inchikey:"

# Digital Link primary keys the hash keeps, with the qualifiers allowed after each, finest
# first (CBV 2.0 §8.9 rule 18: 00 / 01 / 01 21 / 01 10 / 01 235 / 253 / 255 / 401 / 402 /
# 414 / 414 254 / 417 / 8003 / 8004 / 8006 / 8006 21 / 8006 10 / 8010 / 8010 8011 / 8017 /
# 8018). Other qualifiers a Digital Link may carry (22 CPV, 7040 ...) are dropped.
_KEEP = {
    "00": (),
    "01": ("21", "235", "10"),
    "253": (),
    "255": (),
    "401": (),
    "402": (),
    "414": ("254",),
    "417": (),
    "8003": (),
    "8004": (),
    "8006": ("21", "10"),
    "8010": ("8011",),
    "8017": (),
    "8018": (),
}
# The shape of each primary key's value (GS1 General Specifications §3), so that a web
# address such as https://example.com/blog/2024/01/post is not read as a GTIN.
_SHAPES = {
    "00": re.compile(r"\d{18}"),
    "01": re.compile(r"\d{8}|\d{12,14}"),
    "253": re.compile(r"\d{13}[!-~]{0,17}"),
    "255": re.compile(r"\d{13}\d{0,12}"),
    "401": re.compile(r".{1,30}"),
    "402": re.compile(r"\d{17}"),
    "414": re.compile(r"\d{13}"),
    "417": re.compile(r"\d{13}"),
    "8003": re.compile(r"\d{14}.{0,16}"),
    "8004": re.compile(r".{1,30}"),
    "8006": re.compile(r"\d{18}"),
    "8010": re.compile(r".{1,30}"),
    "8017": re.compile(r"\d{18}"),
    "8018": re.compile(r"\d{18}"),
}
# Qualifiers that may appear in a Digital Link path (dropped unless kept above).
_QUALIFIERS = {"21", "235", "10", "22", "254", "7040", "8011"}


def constrained_digital_link(uri: str) -> str | None:
    """Return a GS1 Digital Link URI constrained as the hash requires, or None if not one.

    The path may start with any prefix (``https://example.com/products/01/...``); what
    follows the primary key must be (qualifier, value) pairs, else the URI is not read as a
    Digital Link.
    """
    split = urlsplit(uri)
    if split.scheme not in ("http", "https"):
        return None
    segments = [unquote(s) for s in split.path.split("/") if s]
    for start in range(len(segments) - 1):
        ai = segments[start]
        if ai in _KEEP and len(segments[start:]) % 2 == 0:
            pairs = [(segments[i], segments[i + 1]) for i in range(start, len(segments), 2)]
            if _SHAPES[ai].fullmatch(pairs[0][1]) and all(q in _QUALIFIERS for q, _ in pairs[1:]):
                break
    else:
        return None
    primary, value = pairs[0]
    if primary == "01" and value.isdigit():
        value = value.zfill(14)  # GTIN-8/12/13 are written as GTIN-14
    qualifiers = dict(pairs[1:])
    if primary == "414" and qualifiers.get("254") == "0":
        del qualifiers["254"]  # extension 0 is "no extension" (EPC TDS, SGLN)
    finest = next(((ai, qualifiers[ai]) for ai in _KEEP[primary] if ai in qualifiers), None)
    return digital_link((primary, value), *([finest] if finest else []))


def cbv_urn_to_uri(urn: str) -> str | None:
    """Return the Web URI of a CBV URN vocabulary term, or None if `urn` is no such term.

    Identifiers under ``urn:epcglobal:cbv:bt:`` and master-data names under
    ``urn:epcglobal:cbv:mda:`` are not vocabulary terms and stay as written.
    """
    if urn.startswith(_INCHIKEY_URN):
        return _INCHIKEY_URI + urn[len(_INCHIKEY_URN) :]
    parts = urn.split(":", 4)
    if len(parts) == 5 and parts[:3] == ["urn", "epcglobal", "cbv"] and parts[3] in _CBV_URN_TERMS:
        return CBV + _CBV_URN_TERMS[parts[3]] + parts[4]
    return None


# The EPC URNs whose Digital Link `canonical_id` (which storage uses) and
# `epc_urn_to_digital_link` work out by the same conversion (`epc_parts_to_digital_link`).
_STORED_FORM = re.compile(r"urn:epc:(?:id:(?:sgtin|lgtin|sgln|sscc|pgln|grai)|class:lgtin):\S+")


# Identifiers repeat across a document's events (the same lot, site, class in thousands of
# them): the conversion is pure, so each distinct value is converted once per process.
@lru_cache(maxsize=1 << 17)
def canonical_uri(value: str) -> str:
    """Return `value` with any EPC URN, Digital Link or CBV URN in its hashed form."""
    if value.startswith("urn:epc:"):
        if _STORED_FORM.fullmatch(value):
            # Validation and the stored columns have converted it already (a new lot is
            # named once per document, so its conversion is most of its hash).
            try:
                return canonical_id(value)
            except IdentifierError:
                return value
        return epc_urn_to_digital_link(value) or value
    if value.startswith("urn:epcglobal:cbv:"):
        return cbv_urn_to_uri(value) or value
    if value.startswith(("http://", "https://")):
        return constrained_digital_link(value) or value
    return value
