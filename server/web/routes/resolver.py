"""The GS1 Digital Link resolver, answering at the on-pack URI itself (no redirect)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from server.adapters.db import db
from server.core.gs1.digital_link import parse_path
from server.core.gs1.linkset import LINKSET_MEDIA_TYPE, build_linkset, find_link, link_header
from server.services.catalog import batch_by_lot, product_by_gtin
from server.services.scan_recorder import record_view
from server.web.batch_links import batch_links, batch_uri
from server.web.routes import api
from server.web.routes.batch_page import render_batch_page, render_product_page
from server.web.routes.locales import offer_locales

bp = Blueprint("resolver", __name__)

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


@bp.get("/01/<path:rest>")
def resolve(rest: str) -> ResponseReturnValue:
    """Answer a Digital Link URI: the batch page, its linkset, or one link's target."""
    link = parse_path("/01/" + rest)
    product = product_by_gtin(db.session, link.gtin)
    brand = product.brand
    offer_locales(brand.locales or [brand.default_locale], brand.default_locale)
    if link.lot is None:
        page = render_product_page(product)
        record_view(brand.id, product.gtin, "", str(get_locale() or "en"))
        return page
    batch = batch_by_lot(db.session, product, link.lot)
    links = batch_links(batch)
    linkset_url = batch_uri(batch) + "?linkType=linkset"
    link_type = request.args.get("linkType")
    if _wants_linkset():
        body = json.dumps(build_linkset(batch_uri(batch), links), ensure_ascii=False)
        response = Response(body, mimetype=LINKSET_MEDIA_TYPE)
    elif link_type and link_type not in ("gs1:pip", "pip"):
        target = find_link(links, link_type)
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
    else:
        response = render_batch_page(batch)
        record_view(brand.id, product.gtin, batch.lot, str(get_locale() or "en"))
    response.headers["Link"] = link_header(linkset_url)
    response.vary.update(("Accept", "Accept-Language"))
    return response
