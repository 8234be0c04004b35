"""The GS1 Digital Link resolver, answering at the on-pack URI itself (no redirect).

GTINs resolve to their product and batch pages, GLNs of known sites to a small site page;
every other GS1 key is parsed (a malformed one is a 400) and answered with a 404 that says
what originxr resolves.
"""

from __future__ import annotations

import json
from functools import lru_cache

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from server.adapters.config import settings
from server.adapters.db import db
from server.core.checks_text import KIND_NAMES
from server.core.disclosure.policy import policy_of
from server.core.errors import N_, UnresolvedKey
from server.core.gs1.digital_link import (
    PRIMARY_KEYS,
    DigitalLink,
    parse_key_path,
    parse_path,
)
from server.core.gs1.linkset import (
    LINKSET_MEDIA_TYPE,
    Link,
    build_linkset,
    find_link,
    link_header,
)
from server.core.theme import public_theme
from server.services.catalog import batch_by_lot, product_by_gtin, site_by_gln
from server.services.scan_recorder import record_view
from server.web import cached_pages
from server.web.batch_links import batch_links, batch_uri, public_base
from server.web.routes import api
from server.web.routes.batch_page import render_batch_page, render_product_page
from server.web.routes.compressed_links import partial_target, redirect_uncompressed
from server.web.routes.locales import locale_context, offer_locales
from server.web.routes.security import render_without_nonce

bp = Blueprint("resolver", __name__)


class LinkPathConverter(PathConverter):
    """Werkzeug's ``path``, but also matching a path that starts with an empty segment.

    ``path`` cannot start with "/", so ``/01//10/x`` matched no rule and Werkzeug's slash
    merging answered it with a 308 to ``/01/10/x``: a different link. The resolver must
    refuse a malformed code (400), so its rules match it and turn off slash merging.
    """

    regex = ".*"
    part_isolating = False  # Werkzeug would infer True from a regex without "/"


@bp.record_once
def _register_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["linkpath"] = LinkPathConverter


def _query() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


@lru_cache(maxsize=4096)
def _parsed(path: str, query: tuple[tuple[str, str], ...]) -> DigitalLink:
    # The same few codes are scanned over and over: parse each once (errors are not kept).
    return parse_path(path, list(query))


_DIRECT_TARGETS = {
    "gs1:traceability": api.evidence_report,
    "gs1:sustainabilityInfo": api.consumer_summary,
    "gs1:epcis": api.batch_events,
}


def _wants_linkset() -> bool:
    link_type = request.args.get("linkType")
    if link_type:
        return link_type in ("linkset", "all")
    best = request.accept_mimetypes.best_match(
        ["text/html", LINKSET_MEDIA_TYPE, "application/json"]
    )
    return best in (LINKSET_MEDIA_TYPE, "application/json")


def _record_scan(brand_id: int, gtin: str, lot: str, locale: str) -> None:
    """Count a page view here, unless the page's beacon counts views (SCAN_COUNTING=beacon)."""
    if settings().scan_counting == "page":
        record_view(brand_id, gtin, lot, locale)


@bp.get("/01/<linkpath:rest>", merge_slashes=False)
def resolve(rest: str) -> ResponseReturnValue:
    """Answer a Digital Link URI: the batch page, its linkset, or one link's target.

    The page and the linkset come from the page cache when they are there (no SQL);
    otherwise they are rendered and kept (`server.web.cached_pages`).
    """
    partial = partial_target("01", rest)
    if partial is not None:
        return redirect_uncompressed(partial)
    link = _parsed("/01/" + rest, tuple(_query()))
    lot = link.lot or ""
    link_type = request.args.get("linkType")
    linkset = link.lot is not None and _wants_linkset()
    direct = not linkset and bool(link_type) and link_type not in ("gs1:pip", "pip")
    variant = "product" if link.lot is None else "linkset" if linkset else "page"
    negotiates = link.lot is not None and not link_type  # Accept picks page or linkset
    if not direct:
        hit = cached_pages.lookup(link.gtin, lot, variant, negotiates_type=negotiates)
        if hit is not None:
            if variant != "linkset":
                _record_scan(hit.brand_id, link.gtin, lot, hit.locale)
            return hit.response
    product = product_by_gtin(db.session, link.gtin)
    brand = product.brand
    offer_locales(brand.locales or [brand.default_locale], brand.default_locale)
    if link.lot is None:
        stamp = cached_pages.prepare(brand.id, product.gtin, "")
        page = render_product_page(product)
        _record_scan(brand.id, product.gtin, "", str(get_locale() or "en"))
        info = cached_pages.brand_info(brand.id, brand.locales, brand.default_locale, stamp)
        return cached_pages.keep(
            page, stamp, info=info, gtin=product.gtin, lot="", batch_id=None, variant="product"
        )
    batch = batch_by_lot(db.session, product, link.lot)
    stamp = cached_pages.prepare(brand.id, product.gtin, batch.lot) if not direct else None
    links = batch_links(batch)
    linkset_url = batch_uri(batch) + "?linkType=linkset"
    if linkset:
        body = json.dumps(build_linkset(batch_uri(batch), links), ensure_ascii=False)
        response = Response(body, mimetype=LINKSET_MEDIA_TYPE)
        response.headers["Cache-Control"] = "public"
    elif direct:
        target = find_link(links, link_type or "")
        if target is None:
            known = ", ".join(sorted({lnk.link_type for lnk in links}))
            abort(
                404,
                _(
                    "This code offers no link of type %(type)s. Available: %(known)s",
                    type=link_type,
                    known=known,
                ),
            )
        result: ResponseReturnValue
        try:
            result = _DIRECT_TARGETS[target.link_type](gtin=batch.product.gtin, lot=batch.lot)
        except HTTPException as exc:  # e.g. 503 while unbuilt: still carry the Link header
            result = exc.response or current_app.handle_user_exception(exc)
        response = current_app.make_response(result)
        response.headers["Content-Location"] = target.href
        response.headers["Link"] = link_header(linkset_url)
        response.vary.update(("Accept", "Accept-Language"))
        return response
    else:
        response = render_batch_page(batch)
        _record_scan(brand.id, product.gtin, batch.lot, str(get_locale() or "en"))
    response.headers["Link"] = link_header(linkset_url)
    info = cached_pages.brand_info(brand.id, brand.locales, brand.default_locale, stamp)
    return cached_pages.keep(
        response,
        stamp,
        info=info,
        gtin=product.gtin,
        lot=batch.lot,
        batch_id=batch.id,
        variant=variant,
        negotiates_type=negotiates,
    )


@bp.get("/414/<linkpath:rest>", merge_slashes=False)
def resolve_site(rest: str) -> ResponseReturnValue:
    """Answer a known site's GLN: a small public page about it, or its linkset."""
    partial = partial_target("414", rest)
    if partial is not None:
        return redirect_uncompressed(partial)
    link = parse_key_path("/414/" + rest, _query())
    site, brand = site_by_gln(db.session, link.value)
    render_without_nonce()  # shared by caches (`cached_pages.share`): inline code by hash
    offer_locales(brand.locales or [brand.default_locale], brand.default_locale)
    uri = public_base() + "/414/" + link.value
    # Farms are people's land: the brand's disclosure policy decides who is named.
    named = policy_of(brand.settings).names(site.key, site.kind)
    title = site.name if named else site.key
    links = [Link("gs1:pip", uri, _("About this site"), "text/html")]
    if _wants_linkset():
        body = json.dumps(build_linkset(uri, links), ensure_ascii=False)
        response = Response(body, mimetype=LINKSET_MEDIA_TYPE)
    else:
        html = render_template(
            "site.html",
            brand=brand,
            site=site,
            title=title,
            kind=_(KIND_NAMES[site.kind]) if site.kind in KIND_NAMES else site.kind,
            uri=uri,
            theme=public_theme(brand.settings),
            **locale_context(),
        )
        response = Response(html, mimetype="text/html")
    response.headers["Link"] = link_header(uri + "?linkType=linkset")
    return cached_pages.share(response, brand.id, negotiates_type=True)


def resolve_other_key(rest: str) -> ResponseReturnValue:
    """Refuse a well-formed GS1 key that originxr does not resolve, saying what it does."""
    link = parse_key_path(request.path, _query())
    raise UnresolvedKey(
        N_(
            "originxr resolves only GTINs of trade items (with their batches) and the GLNs "
            "of sites it knows; it does not resolve GS1 key %(key)s."
        ),
        key=link.ai,
    )


for _ai in sorted(set(PRIMARY_KEYS) - {"01", "414"}):
    bp.add_url_rule(
        f"/{_ai}/<linkpath:rest>",
        endpoint=f"key_{_ai}",
        view_func=resolve_other_key,
        methods=["GET"],
        merge_slashes=False,
    )
