"""`POST /api/scan-events`: the pages' beacon (a view, 3D, VR, AR, tour completed).

Public and cookie-free: the body is a tiny form (`uri`, `kind`, optional `locale`), checked
strictly (a 4xx problem naming each wrong field, nothing recorded), then recorded exactly
like a page view: one Redis push that fails open. 204 on success.

`kind=scan` is the page saying it was shown (sent after first paint; `GET /api/scan-pixel`
is the same for pages without JavaScript). It is counted only with SCAN_COUNTING=beacon:
then the server counts no page requests, so a view served by a CDN is counted once, and
one served by the app is not counted twice. With `page`, the page request counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from server.adapters.config import settings
from server.adapters.db import db
from server.core.errors import DigitalLinkError, InvalidSubmission
from server.core.gs1.digital_link import parse_path
from server.core.scans.records import CLIENT_KINDS
from server.services.catalog import batch_by_lot, product_by_gtin
from server.services.scan_recorder import record_view
from server.web.error_messages import translated

bp = Blueprint("scan_events", __name__, url_prefix="/api")
MAX_BODY_BYTES = 512
VIEW_KINDS = ("scan", *CLIENT_KINDS)
# A transparent 1×1 GIF: the no-JS page's counting request.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
FIELDS = ("uri", "kind", "locale")
FORM = "application/x-www-form-urlencoded"


def _check_envelope() -> None:
    """Refuse requests from other sites, without a length, too large, or not a form."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        raise InvalidSubmission(
            403, "Forbidden", _("Scan events are accepted from this site's own pages only.")
        )
    if request.content_length is None:
        raise InvalidSubmission(411, "Length required", _("Send a Content-Length."))
    if request.content_length > MAX_BODY_BYTES:
        raise InvalidSubmission(
            413, "Too large", _("A scan event is at most %(num)d bytes.", num=MAX_BODY_BYTES)
        )
    if request.mimetype != FORM:
        raise InvalidSubmission(
            415, "Unsupported media type", _("Send the event as a form (%(type)s).", type=FORM)
        )


def _fields(form: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the form's fields, or raise 422 naming every wrong one."""
    form = request.form if form is None else form
    getlist = getattr(form, "getlist", lambda key: [form[key]] if key in form else [])
    issues = [
        {"path": key, "message": _("Unknown field.")} for key in sorted(set(form) - set(FIELDS))
    ]
    issues += [
        {"path": key, "message": _("Give this field once.")}
        for key in FIELDS
        if len(getlist(key)) > 1
    ]
    kind = form.get("kind", "")
    if kind not in VIEW_KINDS:
        message = _("Must be one of: %(kinds)s.", kinds=", ".join(VIEW_KINDS))
        issues.append({"path": "kind", "message": message})
    uri = form.get("uri", "")
    if not uri.startswith("/01/") or len(uri) > 200:
        message = _("Must be the page's Digital Link path, such as /01/{gtin}/10/{lot}.")
        issues.append({"path": "uri", "message": message})
    if issues:
        raise InvalidSubmission(422, "Invalid scan event", _("The scan event is invalid."), issues)
    return {key: form.get(key, "") for key in FIELDS}


def _invalid(path: str, message: str) -> InvalidSubmission:
    issue = {"path": path, "message": message}
    return InvalidSubmission(422, "Invalid scan event", _("The scan event is invalid."), [issue])


def _record(fields: dict[str, str]) -> None:
    """Check the event's page and locale, then record it (a view only when beacons count)."""
    try:
        link = parse_path(fields["uri"])
    except DigitalLinkError as exc:
        raise _invalid("uri", translated(exc)) from exc
    if link.lot is None and fields["kind"] != "scan":
        raise _invalid("uri", _("The link must name a batch (/10/{lot})."))
    product = product_by_gtin(db.session, link.gtin)
    lot = batch_by_lot(db.session, product, link.lot).lot if link.lot is not None else ""
    brand = product.brand
    locale = fields["locale"] or brand.default_locale
    if locale not in (brand.locales or [brand.default_locale]):
        raise _invalid("locale", _("This brand's pages are not offered in that language."))
    if fields["kind"] == "scan" and settings().scan_counting != "beacon":
        return  # the page request was counted already
    record_view(brand.id, product.gtin, lot, locale, kind=fields["kind"])


@bp.post("/scan-events")
def scan_event() -> Response:
    """Record one client event of a page (fire and forget); 204."""
    _check_envelope()
    _record(_fields())
    response = Response(status=204)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/scan-pixel")
def scan_pixel() -> Response:
    """Record the view of a page shown without JavaScript (its <noscript> image); a 1×1 GIF."""
    _record(_fields({**request.args.to_dict(), "kind": "scan"}))
    response = Response(PIXEL, mimetype="image/gif")
    response.headers["Cache-Control"] = "no-store"  # every view must reach the server
    return response
