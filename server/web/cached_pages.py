"""Serve public answers (batch and product pages, linksets, JSON) from the page cache.

The request path: `lookup` before any SQL (one Redis round trip on a hit), else the route
renders, `keep` stores the answer when it is public and complete, and both hand out the
same bytes through `respond`: the negotiated coding, a strong ETag per coding and 304 on
a match, Cache-Control for shared caches, a minimal Vary, and the CDN surrogate keys.
Pages rendered for the cache carry no CSP nonce: their policy names their inline code's
hashes (`server.core.content_policy`), computed once and kept with the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import Response, abort, current_app, request
from flask_babel import get_locale

from server.core.cached_page import KEPT_HEADERS, CachedPage, cached_page
from server.core.content_policy import policy_for_page
from server.core.http_caching import (
    MIN_COMPRESS_BYTES,
    choose_coding,
    compressible,
    etag,
    not_modified,
    public_cache_control,
    surrogate_keys,
    vary,
)
from server.core.locales import choose_locale
from server.core.page_revision import BrandInfo, Stamp, entry_key
from server.services.page_cache import page_cache
from server.web.routes.locales import offered
from server.web.routes.security import render_without_nonce

QUERY_KEYS = frozenset({"lang", "linkType"})  # the only query a cached answer may have
UNLOCALIZED = "-"
NOTE = "originxr.page_hit"  # environ key: set (to None) by the fast path, filled by a hit


def wanted_coding() -> str:
    """Return the content coding the client takes best, or answer 406 if it takes none."""
    coding = choose_coding(request.headers.get("Accept-Encoding"))
    if coding is None:
        abort(406, "Accept-Encoding refuses br, gzip and identity: nothing can be sent.")
    return coding


def cacheable_request() -> bool:
    """Tell whether this request may be answered from (and stored in) the page cache."""
    return request.method in ("GET", "HEAD") and set(request.args) <= QUERY_KEYS


def request_locale(info: BrandInfo, lang: str | None, accept: Sequence[tuple[str, float]]) -> str:
    """Return the locale of the brand's answer for ``?lang=`` and the parsed Accept-Language."""
    locales, default = offered(info.locales, info.default_locale)
    return choose_locale(locales, default, lang, accept)


@dataclass(frozen=True)
class HitNote:
    """What a hit decided, left in the WSGI environ for `server.web.page_fast_path`."""

    gtin: str
    lot: str
    variant: str
    localized: bool
    info: BrandInfo
    lang: str | None
    entry: str
    coding: str
    page: CachedPage
    route: str


@dataclass(frozen=True)
class Hit:
    """A cached answer found for this request, with what a scan record needs."""

    response: Response
    brand_id: int
    locale: str


def lookup(
    gtin: str, lot: str, variant: str, *, localized: bool = True, negotiates_type: bool = False
) -> Hit | None:
    """Return the cached answer `variant` of (gtin, lot) for this request, or None (a miss)."""
    if not cacheable_request():
        return None
    coding = wanted_coding()
    cache = page_cache()
    info = cache.brand_of(gtin)
    if info is None:
        return None
    lang = request.args.get("lang")
    locale = (
        request_locale(info, lang, list(request.accept_languages)) if localized else UNLOCALIZED
    )
    entry = entry_key(gtin, lot, variant, locale)
    page = cache.find(info, gtin, lot, entry, coding)
    if page is None:
        return None
    if NOTE in request.environ:  # the fast path in front asked what this hit was
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        request.environ[NOTE] = HitNote(
            gtin, lot, variant, localized, info, lang, entry, coding, page, route
        )
    served = respond(
        page, coding, public=True, localized=localized, negotiates_type=negotiates_type
    )
    return Hit(served, info.brand_id, locale)


def brand_info(
    brand_id: int, locales: list[str] | None, default: str, stamp: Stamp | None
) -> BrandInfo:
    """Return what a later lookup needs of the brand (stored beside the answer)."""
    return BrandInfo(brand_id, tuple(locales or [default]), default, stamp.brand if stamp else "")


def prepare(brand_id: int, gtin: str, lot: str) -> Stamp | None:
    """Get ready to render an answer for the cache: read its stamp, render without a nonce."""
    render_without_nonce()
    return page_cache().stamp(brand_id, gtin, lot) if cacheable_request() else None


def _public(response: Response) -> bool:
    control = response.headers.get("Cache-Control", "")
    return (
        response.status_code == 200
        and control.startswith("public")
        and response.headers.get("Originxr-Build", "current") == "current"
    )


def _entry(
    response: Response, *, stamp: str, brand_id: int, batch_id: int | None, compress: bool
) -> CachedPage:
    """Return the cache entry of a rendered answer: its body, kept headers and, for HTML, the
    CSP naming its inline code's hashes (a shared body carries no nonce)."""
    body = response.get_data()
    headers = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = policy_for_page(body.decode("utf-8"))
    return cached_page(
        body,
        response.content_type or "application/octet-stream",
        headers,
        status=response.status_code,
        stamp=stamp,
        brand_id=brand_id,
        batch_id=batch_id,
        compress=compress,
    )


def keep(
    response: Response,
    stamp: Stamp | None,
    *,
    info: BrandInfo,
    gtin: str,
    lot: str,
    batch_id: int | None,
    variant: str,
    localized: bool = True,
    negotiates_type: bool = False,
) -> Response:
    """Serve a rendered answer, storing it first when it is public and complete.

    An answer still being built, or not public, is served compressed but not stored, with
    the Cache-Control the route gave it.
    """
    coding = wanted_coding()
    public = _public(response)
    page = _entry(
        response,
        stamp=stamp.text() if stamp else "",
        brand_id=info.brand_id,
        batch_id=batch_id,
        compress=public and stamp is not None,
    )
    if public and stamp is not None:
        locale = str(get_locale() or "en") if localized else UNLOCALIZED
        page_cache().keep(entry_key(gtin, lot, variant, locale), page, gtin, info)
    served = respond(
        page, coding, public=public, localized=localized, negotiates_type=negotiates_type
    )
    if not public:
        served.headers["Cache-Control"] = response.headers.get("Cache-Control", "no-cache")
    return served


def share(response: Response, brand_id: int, *, negotiates_type: bool = False) -> Response:
    """Serve a rendered public answer that is cheap to render, as kept ones are served.

    Not stored (a site page is two small queries): coded as the client takes it, a strong
    ETag and 304 on a match, Cache-Control for shared caches and the brand's catalog
    surrogate keys, so a CDN keeps it and a pack import or policy change purges it. The
    route renders it without a CSP nonce (`render_without_nonce`): a shared body carries none.
    """
    page = _entry(response, stamp="", brand_id=brand_id, batch_id=None, compress=False)
    public = response.status_code == 200
    return respond(
        page, wanted_coding(), public=public, localized=True, negotiates_type=negotiates_type
    )


def respond(
    page: CachedPage, coding: str, *, public: bool, localized: bool, negotiates_type: bool
) -> Response:
    """Return `page` as this request takes it: coding, ETag or 304, caching headers."""
    if set(page.bodies) == {"identity"}:  # one body: compress it now if that gains
        gains = compressible(page.media_type) and len(page.bodies["identity"]) >= MIN_COMPRESS_BYTES
        coding = coding if gains else "identity"
    else:  # kept compressed: the coding asked for, if it was worth keeping
        gains = compressible(page.media_type)
        coding = coding if coding in page.bodies else "identity"
    if not_modified(request.headers.get("If-None-Match"), page.digest) and page.status == 200:
        served = Response(status=304)
    else:
        served = Response(page.body(coding, fast=True), status=page.status)
        served.headers["Content-Type"] = page.media_type
    for name, value in page.headers:
        served.headers[name] = value
    served.headers["ETag"] = etag(page.digest, coding)
    if coding != "identity" and served.status_code != 304:
        served.headers["Content-Encoding"] = coding
    names = vary(negotiates_type, localized and "lang" not in request.args, gains)
    if names:
        served.headers["Vary"] = ", ".join(names)
    if public:
        config = current_app.config  # not settings(): this runs on every hit
        served.headers["Cache-Control"] = public_cache_control(
            int(config["PAGE_CACHE_SECONDS"]),
            int(config["PAGE_SHARED_CACHE_SECONDS"]),
            int(config["PAGE_STALE_IF_ERROR_SECONDS"]),
        )
        keys = surrogate_keys(page.brand_id, page.batch_id)
        served.headers["Surrogate-Key"] = " ".join(keys)  # Fastly
        served.headers["Cache-Tag"] = ",".join(keys)  # Cloudflare
    return served
