"""Studio: the brand's disclosure policy — what the public sees of places, suppliers, prices."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_babel import gettext as _

from server.adapters.db import db
from server.core.checks_text import KIND_NAMES
from server.core.disclosure.policy import (
    NAMEABLE_KINDS,
    PRECISIONS,
    DisclosureError,
    DisclosurePolicy,
    parse_policy,
    policy_of,
)
from server.core.errors import N_
from server.services.accounts import Access
from server.services.brand_settings import save_disclosure
from server.services.catalog import sites_of
from server.web.error_messages import translated
from server.web.studio import brand_access, login_required, studio_blueprint
from server.web.studio_forms import FormPage

bp = studio_blueprint("studio_disclosure", __name__)

PRECISION_TEXT = {
    "exact": (
        N_("Exact"),
        N_("The coordinates as recorded. Only for chains where no place belongs to a person."),
    ),
    "grid_1km": (
        N_("About 1 km (recommended)"),
        N_("Each place is moved to the centre of its grid cell of about 1 km by 1 km."),
    ),
    "grid_10km": (
        N_("About 10 km"),
        N_("Each place is moved to the centre of its grid cell of about 10 km by 10 km."),
    ),
    "country": (
        N_("Country only"),
        N_("Every place in a country is shown at one point in that country."),
    ),
}


def _values(
    access: Access,
    policy: DisclosurePolicy | None = None,
    error: str | None = None,
    error_field: str | None = None,
    form: dict[str, Any] | None = None,
) -> dict[str, Any]:
    current = policy or policy_of(access.brand.settings)
    sites = sites_of(db.session, access.brand.id)
    return {
        "policy": current,
        "precisions": [(p, *PRECISION_TEXT[p]) for p in PRECISIONS],
        "kinds": [(k, KIND_NAMES.get(k, k)) for k in NAMEABLE_KINDS],
        "sites": sorted((s for s in sites if s.kind != "farm"), key=lambda s: s.key),
        "withheld_text": (form or {}).get("withheld_sites", "\n".join(current.withheld_sites)),
        "error": error,
        "error_field": error_field,
    }


page = FormPage("studio/disclosure.html", "studio_disclosure.edit", _values)


@bp.get("/<slug>/disclosure")
@login_required
def edit(slug: str) -> Response:
    """Show the brand's disclosure policy and, to editors, the form to change it."""
    return page.show(slug)


@bp.post("/<slug>/disclosure")
@login_required
def save(slug: str) -> Response:
    """Store a new policy and rebuild the brand's public outputs under it."""
    access = brand_access(slug, edit=True)
    brand = access.brand
    form = {
        "location": request.form.get("location", ""),
        "named_kinds": request.form.getlist("named_kinds"),
        "withheld_sites": request.form.get("withheld_sites", ""),
        "show_prices": request.form.get("show_prices", ""),
    }
    known = {s.key for s in sites_of(db.session, brand.id)}
    try:
        policy = parse_policy(form, known_sites=known)
    except DisclosureError as exc:
        return page.show(slug, 400, error=translated(exc), error_field=exc.field, form=form)
    save_disclosure(db.session, brand, policy)
    return page.back(
        slug, _("Disclosure policy saved. The public outputs are being rebuilt under it.")
    )
