"""Studio: the brand's theme — colours checked for contrast, logo and font."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from server.adapters.blobs import blob_store, store_blob
from server.adapters.db import db
from server.core.errors import N_
from server.core.theme import COLOUR_FIELDS, ThemeError, check_theme, colours_of, parse_colours
from server.core.theme_files import MAX_FONT_BYTES, MAX_LOGO_BYTES, Logo, check_font, check_logo
from server.web.studio import brand_access, login_required, studio_blueprint, studio_context

bp = studio_blueprint("studio_theme", __name__)

FIELD_LABELS = {
    "primary": N_("Primary colour"),
    "accent": N_("Accent colour"),
    "background": N_("Background colour"),
    "text": N_("Text colour"),
}


def _page(
    slug: str,
    colours: dict[str, str] | None = None,
    status: int = 200,
    errors: list[str] | None = None,
    error_field: str | None = None,
    form: dict[str, str] | None = None,
    saved: bool = True,
) -> Response:
    access = brand_access(slug)
    theme = (access.brand.settings or {}).get("theme") or {}
    shown = colours or colours_of(theme)
    html = render_template(
        "studio/theme.html",
        colours=shown,
        form=form or shown,
        results=check_theme(shown),
        theme=theme,
        saved=saved,
        errors=errors or [],
        error_field=error_field,
        fields=[(f, FIELD_LABELS[f]) for f in COLOUR_FIELDS],
        max_logo_kb=MAX_LOGO_BYTES // 1024,
        max_font_kb=MAX_FONT_BYTES // 1024,
        **studio_context(),
    )
    return Response(html, status=status)


@bp.get("/<slug>/theme")
@login_required
def edit(slug: str) -> Response:
    """Show the brand's colours with their contrast, logo and font."""
    return _page(slug)


def _read(upload: FileStorage | None, limit: int) -> bytes | None:
    if upload is None or not upload.filename:
        return None
    try:
        return upload.stream.read(limit + 1)  # one byte more than allowed tells "too large"
    finally:
        upload.close()  # a large upload is spooled to a temporary file: release it now


@bp.post("/<slug>/theme")
@login_required
def save(slug: str) -> Response:
    """Check colours (WCAG AA), logo and font; store them only if all pass."""
    from server.web.routes.errors import _translated

    access = brand_access(slug, edit=True)
    brand = access.brand
    form = {f: request.form.get(f, "") for f in COLOUR_FIELDS}
    preview = request.form.get("action") == "preview"
    try:
        colours = parse_colours(form)
    except ThemeError as exc:
        message = _(exc.template, name=_(FIELD_LABELS[exc.field]))
        return _page(slug, None, 400, [message], exc.field, form, saved=False)
    failing = [r for r in check_theme(colours) if not r.passes]
    if preview:
        return _page(slug, colours, 200, form=form, saved=False)
    if failing:
        names = ", ".join(_(r.label) for r in failing)
        message = _(
            "Not saved: these colour pairs do not reach WCAG AA contrast: %(pairs)s.", pairs=names
        )
        return _page(slug, colours, 400, [message], failing[0].field, form, saved=False)
    logo: Logo | None = None
    font: bytes | None = None
    try:
        logo_data = _read(request.files.get("logo"), MAX_LOGO_BYTES)
        if logo_data is not None:
            logo = check_logo(logo_data)
        font_data = _read(request.files.get("font"), MAX_FONT_BYTES)
        if font_data is not None:
            font = check_font(font_data)
    except ThemeError as exc:
        return _page(slug, colours, 400, [_translated(exc)], exc.field, form, saved=False)
    theme: dict[str, Any] = dict((brand.settings or {}).get("theme") or {})
    theme.update(colours)
    store = blob_store()
    with db.transaction() as session:
        if logo is not None:
            sha = store_blob(session, store, logo.data, logo.media_type)
            theme["logo"] = {"sha256": sha, "media_type": logo.media_type,
                             "width": logo.width, "height": logo.height}  # fmt: skip
        elif request.form.get("remove_logo"):
            theme.pop("logo", None)
        if font is not None:
            theme["font"] = {"sha256": store_blob(session, store, font, "font/woff2")}
        elif request.form.get("remove_font"):
            theme.pop("font", None)
        brand.settings = {**(brand.settings or {}), "theme": theme}
    flash(_("Theme saved."), "ok")
    if logo is not None and logo.removed:
        flash(
            _(
                "Removed from the SVG logo for safety: %(parts)s.",
                parts=", ".join(logo.removed[:12]),
            ),
            "ok",
        )
    return redirect(url_for("studio_theme.edit", slug=slug), code=303)  # type: ignore[return-value]
