"""Studio: the brand's theme — colours checked for contrast, logo and font."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from server.adapters.db import db
from server.core.errors import N_
from server.core.theme import COLOUR_FIELDS, ThemeError, check_theme, colours_of, parse_colours
from server.core.theme_files import MAX_FONT_BYTES, MAX_LOGO_BYTES, Logo, check_font, check_logo
from server.services.accounts import Access
from server.services.brand_settings import save_theme
from server.web.error_messages import translated
from server.web.studio import brand_access, login_required, studio_blueprint
from server.web.studio_forms import FormPage

bp = studio_blueprint("studio_theme", __name__)

FIELD_LABELS = {
    "primary": N_("Primary colour"),
    "accent": N_("Accent colour"),
    "background": N_("Background colour"),
    "text": N_("Text colour"),
}


def _values(
    access: Access,
    colours: dict[str, str] | None = None,
    errors: list[str] | None = None,
    error_field: str | None = None,
    form: dict[str, str] | None = None,
    saved: bool = True,
) -> dict[str, Any]:
    theme = (access.brand.settings or {}).get("theme") or {}
    shown = colours or colours_of(theme)
    return {
        "colours": shown,
        "form": form or shown,
        "results": check_theme(shown),
        "theme": theme,
        "saved": saved,
        "errors": errors or [],
        "error_field": error_field,
        "fields": [(f, FIELD_LABELS[f]) for f in COLOUR_FIELDS],
        "max_logo_kb": MAX_LOGO_BYTES // 1024,
        "max_font_kb": MAX_FONT_BYTES // 1024,
    }


page = FormPage("studio/theme.html", "studio_theme.edit", _values)


@bp.get("/<slug>/theme")
@login_required
def edit(slug: str) -> Response:
    """Show the brand's colours with their contrast, logo and font."""
    return page.show(slug)


def _read(upload: FileStorage | None, limit: int) -> bytes | None:
    if upload is None or not upload.filename:
        return None
    try:
        return upload.stream.read(limit + 1)  # one byte more than allowed tells "too large"
    finally:
        upload.close()  # a large upload is spooled to a temporary file: release it now


def _refused(
    slug: str, colours: dict[str, str] | None, message: str, field: str, form: dict[str, str]
) -> Response:
    return page.show(
        slug, 400, colours=colours, errors=[message], error_field=field, form=form, saved=False
    )


@bp.post("/<slug>/theme")
@login_required
def save(slug: str) -> Response:
    """Check colours (WCAG AA), logo and font; store them only if all pass."""
    access = brand_access(slug, edit=True)
    form = {f: request.form.get(f, "") for f in COLOUR_FIELDS}
    preview = request.form.get("action") == "preview"
    try:
        colours = parse_colours(form)
    except ThemeError as exc:
        message = _(exc.template, name=_(FIELD_LABELS[exc.field]))
        return _refused(slug, None, message, exc.field, form)
    failing = [r for r in check_theme(colours) if not r.passes]
    if preview:
        return page.show(slug, colours=colours, form=form, saved=False)
    if failing:
        names = ", ".join(_(r.label) for r in failing)
        message = _(
            "Not saved: these colour pairs do not reach WCAG AA contrast: %(pairs)s.", pairs=names
        )
        return _refused(slug, colours, message, failing[0].field, form)
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
        return _refused(slug, colours, translated(exc), exc.field, form)
    save_theme(
        db.session,
        access.brand,
        colours,
        logo=logo,
        font=font,
        remove_logo=bool(request.form.get("remove_logo")),
        remove_font=bool(request.form.get("remove_font")),
    )
    messages = [_("Theme saved.")]
    if logo is not None and logo.removed:
        parts = ", ".join(logo.removed[:12])
        messages.append(_("Removed from the SVG logo for safety: %(parts)s.", parts=parts))
    return page.back(slug, *messages)
