"""HTTP caching and content coding for published pages, as pure functions (no I/O).

A published page is one body per (batch, revision, locale, variant); each representation
of it (identity, gzip, br) gets its own strong ETag: the body's hash, with the coding as a
suffix, so that a shared cache never mixes them up. `If-None-Match` is compared weakly
(RFC 9110 §13.1.2), which lets a client revalidate any coding of the same body.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Mapping

import brotli

CODINGS = ("br", "gzip")  # preferred first when a client rates them equally
SUFFIX = {"identity": "", "gzip": "-gz", "br": "-br"}
# Types worth compressing; images, fonts, zip and SPZ are compressed already.
COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/ld+json",
        "application/linkset+json",
        "application/problem+json",
        "application/geo+json",
        "image/svg+xml",
        "model/gltf-binary",
        "model/gltf+json",
    }
)
MIN_COMPRESS_BYTES = 512  # below this the coding's framing eats the gain


def compressible(media_type: str | None) -> bool:
    """Tell whether `media_type` (without parameters) gains from gzip or brotli."""
    if not media_type:
        return False
    base = media_type.split(";")[0].strip().lower()
    return base in COMPRESSIBLE_TYPES or base.endswith("+json")


def parse_codings(header: str | None) -> dict[str, float]:
    """Return {coding: quality} of an Accept-Encoding header (lower-cased, q clamped 0..1)."""
    result: dict[str, float] = {}
    for part in (header or "").split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if not name:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0  # a malformed weight is not a preference
        result[name.lower()] = quality
    return result


def choose_coding(header: str | None, available: Iterable[str] = CODINGS) -> str | None:
    """Return the content coding to send ("br", "gzip" or "identity"), None if none is acceptable.

    No header means identity (RFC 9110 §12.5.3: a client that says nothing may not decode);
    ``*`` covers codings not named; identity is acceptable unless refused (``identity;q=0``,
    or ``*;q=0`` without naming it).
    """
    if header is None:
        return "identity"
    asked = parse_codings(header)
    star = asked.get("*")
    best: tuple[float, int, str] | None = None
    for rank, coding in enumerate(available):
        quality = asked.get(coding, star if star is not None else 0.0)
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, -rank, coding)
    # Unnamed, identity is acceptable but the least preferred (a named coding wins).
    identity = asked.get("identity", star if star is not None else 0.001)
    if best is not None and best[0] >= identity:
        return best[2]
    if identity > 0 or ("identity" not in asked and star is None):
        return "identity"
    return None


def encode(body: bytes, coding: str, *, fast: bool = False) -> bytes:
    """Return `body` in `coding`; `fast` for a body compressed per response, not cached."""
    if coding == "br":
        return bytes(brotli.compress(body, quality=5 if fast else 11))
    if coding == "gzip":
        return gzip.compress(body, compresslevel=6 if fast else 9, mtime=0)
    if coding == "identity":
        return body
    raise ValueError(f"`coding` must be br, gzip or identity, not {coding!r}")


def body_hash(body: bytes) -> str:
    """Return the hash naming a body in ETags (sha256, 32 hex digits are plenty)."""
    return hashlib.sha256(body).hexdigest()[:32]


def etag(digest: str, coding: str) -> str:
    """Return the strong ETag (quoted) of the `coding` representation of body `digest`."""
    return f'"{digest}{SUFFIX[coding]}"'


def not_modified(if_none_match: str | None, digest: str) -> bool:
    """Tell whether an If-None-Match header names any representation of body `digest`."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        tag = tag.removeprefix("W/").strip('"')
        for suffix in SUFFIX.values():
            if suffix and tag.endswith(suffix):
                tag = tag[: -len(suffix)]
                break
        if tag == digest:
            return True
    return False


def public_cache_control(max_age: int, shared_max_age: int, stale_if_error: int) -> str:
    """Return Cache-Control for a public page: browsers briefly, shared caches longer.

    A CDN may serve a stale copy while it revalidates (twice `shared_max_age`) and for
    `stale_if_error` seconds while the origin is failing; a purge drops it at once.
    """
    return (
        f"public, max-age={max_age}, s-maxage={shared_max_age}, "
        f"stale-while-revalidate={shared_max_age * 2}, stale-if-error={stale_if_error}"
    )


def vary(negotiates_type: bool, locale_from_header: bool, encoded_type: bool) -> list[str]:
    """Return the request headers a cached answer depends on, and only those."""
    names = []
    if negotiates_type:
        names.append("Accept")
    if encoded_type:
        names.append("Accept-Encoding")
    if locale_from_header:
        names.append("Accept-Language")
    return names


def surrogate_keys(brand_id: int, batch_id: int | None = None) -> list[str]:
    """Return the CDN surrogate keys (cache tags) of a batch's answers, or of a product page.

    Every answer carries its brand's key (a theme change drops them all); a batch's carry
    the batch's key (its build was published), a product page its brand's catalog key.
    """
    scope = f"batch-{batch_id}" if batch_id is not None else f"catalog-{brand_id}"
    return [f"brand-{brand_id}", scope]


def representations(body: bytes, media_type: str) -> dict[str, bytes]:
    """Return every representation worth keeping of `body`: identity, and br/gzip if it gains."""
    found = {"identity": body}
    if compressible(media_type) and len(body) >= MIN_COMPRESS_BYTES:
        for coding in CODINGS:
            encoded = encode(body, coding)
            if len(encoded) < len(body):
                found[coding] = encoded
    return found


def header_items(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """Return `headers` as sorted pairs (a stable form to store beside a cached body)."""
    return sorted(headers.items())
