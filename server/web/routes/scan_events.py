"""`POST /api/scan-events`: the batch page's beacon (3D, VR, AR, tour completed).

Public and cookie-free: the body is a tiny form (`uri`, `kind`, optional `locale`), checked
strictly (a 4xx problem naming each wrong field, nothing recorded), then recorded exactly
like a page view: one Redis push that fails open. 204 on success.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from server.adapters.db import db
from server.core.errors import DigitalLinkError, InvalidSubmission
from server.core.gs1.digital_link import parse_path
from server.core.scans.records import CLIENT_KINDS
from server.services.catalog import batch_by_lot, product_by_gtin
from server.services.scan_recorder import record_view
from server.web.error_messages import translated
from server.web.rate_limiting import BEACON, rate_limited

bp = Blueprint("scan_events", __name__, url_prefix="/api")
MAX_BODY_BYTES = 512
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


def _fields() -> dict[str, str]:
    """Return the form's fields, or raise 422 naming every wrong one."""
    form = request.form
    issues = [
        {"path": key, "message": _("Unknown field.")} for key in sorted(set(form) - set(FIELDS))
    ]
    issues += [
        {"path": key, "message": _("Give this field once.")}
        for key in FIELDS
        if len(form.getlist(key)) > 1
    ]
    kind = form.get("kind", "")
    if kind not in CLIENT_KINDS:
        message = _("Must be one of: %(kinds)s.", kinds=", ".join(CLIENT_KINDS))
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


@bp.post("/scan-events")
@rate_limited(BEACON)
def scan_event() -> Response:
    """Record one client event of a batch page (fire and forget); 204."""
    _check_envelope()
    fields = _fields()
    try:
        link = parse_path(fields["uri"])
    except DigitalLinkError as exc:
        raise _invalid("uri", translated(exc)) from exc
    if link.lot is None:
        raise _invalid("uri", _("The link must name a batch (/10/{lot})."))
    product = product_by_gtin(db.session, link.gtin)
    batch = batch_by_lot(db.session, product, link.lot)
    brand = product.brand
    locale = fields["locale"] or brand.default_locale
    if locale not in (brand.locales or [brand.default_locale]):
        raise _invalid("locale", _("This brand's pages are not offered in that language."))
    record_view(brand.id, product.gtin, batch.lot, locale, kind=fields["kind"])
    response = Response(status=204)
    response.headers["Cache-Control"] = "no-store"
    return response
