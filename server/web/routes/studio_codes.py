"""Studio: the brand's QR codes — base URL and options, downloads, a printable label sheet."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _

from server.adapters.db import db
from server.adapters.models import Brand, Product
from server.core import qr_codes
from server.core.errors import NotFound
from server.core.qr_codes import QrOptions, QrSettingError
from server.services.accounts import Access
from server.services.brand_catalog import brand_product, brand_products, product_batch
from server.services.brand_settings import save_qr_settings
from server.web.batch_links import brand_base, public_base
from server.web.error_messages import translated
from server.web.studio import brand_access, login_required, studio_blueprint, studio_context
from server.web.studio_forms import FormPage

bp = studio_blueprint("studio_codes", __name__)


def _name(product: Product, brand: Brand, locale: str) -> str:
    return str(product.name.get(locale) or product.name.get(brand.default_locale) or product.gtin)


def _rows(brand: Brand, options: QrOptions, gtin: str | None = None) -> list[dict[str, Any]]:
    """Return one row per product and per batch: name, lot, URI, symbol, image links."""
    from flask_babel import get_locale

    locale = str(get_locale() or brand.default_locale)
    base = brand_base(brand)
    rows = []
    for product in brand_products(db.session, brand.id, gtin):
        name = _name(product, brand, locale)
        for lot in [None, *(batch.lot for batch in product.batches)]:
            uri = (
                qr_codes.product_uri(base, product.gtin)
                if lot is None
                else qr_codes.batch_uri(base, product.gtin, lot)
            )
            links = {
                kind: url_for(
                    "studio_codes.image", slug=brand.slug, gtin=product.gtin, kind=kind, lot=lot
                )
                for kind in ("svg", "png")
            }
            rows.append(
                {
                    "name": name,
                    "gtin": product.gtin,
                    "lot": lot,
                    "uri": uri,
                    "size": qr_codes.sizing(uri, options),
                    **links,
                }
            )
    return rows


def _values(access: Access, errors: dict[str, str] | None = None) -> dict[str, Any]:
    brand = access.brand
    options = qr_codes.options_from_settings(brand.settings)
    form = {
        "base_url": (brand.settings or {}).get("public_base_url") or "",
        "ec": options.ec,
        "quiet_zone": str(options.quiet_zone),
    }
    if errors is not None:
        form.update({k: request.form.get(k, "") for k in form})
    return {
        "rows": _rows(brand, options),
        "options": options,
        "base": brand_base(brand),
        "fallback": public_base(),
        "own_base": qr_codes.base_url_of(brand.settings, "") != "",
        "form": form,
        "errors": errors or {},
        "ec_levels": qr_codes.EC_RECOVERY,
        "min_x": qr_codes.MIN_X_MM,
        "max_x": qr_codes.MAX_X_MM,
        "min_quiet": qr_codes.MIN_QUIET_ZONE,
        "max_quiet": qr_codes.MAX_QUIET_ZONE,
    }


page = FormPage("studio/codes.html", "studio_codes.index", _values)


@bp.get("/<slug>/codes")
@login_required
def index(slug: str) -> Response:
    """The brand's codes: settings, one row per product and batch, downloads."""
    return page.show(slug)


@bp.post("/<slug>/codes")
@login_required
def save(slug: str) -> Response:
    """Store the base URL and code options; a bad value changes nothing (400)."""
    access = brand_access(slug, edit=True)
    errors: dict[str, str] = {}
    base_text = request.form.get("base_url", "").strip()
    base: str | None = None
    if base_text:
        try:
            base = qr_codes.normalize_base_url(base_text)
        except QrSettingError as exc:
            errors["base_url"] = translated(exc)
    parsed: dict[str, Any] = {}
    for key, parse in (("ec", qr_codes.parse_ec), ("quiet_zone", qr_codes.parse_quiet_zone)):
        try:
            parsed[key] = parse(request.form.get(key, ""))
        except QrSettingError as exc:
            errors[key] = translated(exc)
    if errors:
        return page.show(slug, 400, errors=errors)
    save_qr_settings(db.session, access.brand, QrOptions(**parsed), base)
    return page.back(slug, _("QR code settings saved."))


def _options_from_query(brand: Brand) -> QrOptions:
    stored = qr_codes.options_from_settings(brand.settings)
    ec = request.args.get("ec", stored.ec)
    quiet = request.args.get("quiet_zone", str(stored.quiet_zone))
    try:
        return qr_codes.parse_options(ec, quiet)
    except QrSettingError as exc:
        abort(400, translated(exc))


@bp.get("/<slug>/codes/<gtin>.<any(svg, png):kind>")
@login_required
def image(slug: str, gtin: str, kind: str) -> Response:
    """One code as SVG or PNG: the product's, or with ?lot= the batch's."""
    brand = brand_access(slug).brand
    product = brand_product(db.session, brand.id, gtin)
    lot = request.args.get("lot")
    if lot is not None:
        product_batch(db.session, product, lot)
    options = _options_from_query(brand)
    base = brand_base(brand)
    uri = qr_codes.product_uri(base, gtin) if lot is None else qr_codes.batch_uri(base, gtin, lot)
    symbol = qr_codes.make_symbol(uri, options)
    name = f"qr-{gtin}" + (f"-{_file_safe(lot)}" if lot is not None else "")
    if kind == "svg":
        body = qr_codes.render_svg(symbol)
        response = Response(body, mimetype="image/svg+xml")
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
    else:
        px = qr_codes.small_int(request.args.get("px", str(qr_codes.DEFAULT_PX_PER_MODULE)))
        if px is None:
            abort(400, _("The module size must be a whole number of pixels."))
        try:
            body = qr_codes.render_png(symbol, px)
        except QrSettingError as exc:
            abort(400, translated(exc))
        response = Response(body, mimetype="image/png")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.{kind}"'
    return response


def _file_safe(lot: str) -> str:
    return "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_" else "_" for ch in lot)


@bp.get("/<slug>/codes/sheet")
@login_required
def sheet(slug: str) -> Response:
    """A printable A4 sheet of labels: name, lot, the code at its minimum size, the URI."""
    access = brand_access(slug)
    brand = access.brand
    gtin = request.args.get("gtin") or None
    options = qr_codes.options_from_settings(brand.settings)
    rows = _rows(brand, options, gtin)
    if gtin is not None and not rows:
        raise NotFound("no such product")
    html = render_template(
        "studio/codes_sheet.html", rows=rows, options=options, gtin=gtin, **studio_context()
    )
    return Response(html)
