"""Studio: the brand's integrator API tokens — list, create (shown once), revoke."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_babel import gettext as _

from server.adapters.db import db
from server.services.accounts import Access
from server.services.tokens import brand_tokens, issue_token, revoke_brand_token
from server.web.studio import brand_access, login_required, studio_blueprint
from server.web.studio_forms import FormPage

bp = studio_blueprint("studio_tokens", __name__)


def _values(access: Access, error: str | None = None, token: str | None = None) -> dict[str, Any]:
    return {"tokens": brand_tokens(db.session, access.brand.id), "error": error, "token": token}


page = FormPage("studio/tokens.html", "studio_tokens.index", _values)


@bp.get("/<slug>/tokens")
@login_required
def index(slug: str) -> Response:
    """List the brand's API tokens (never the tokens themselves)."""
    return page.show(slug)


@bp.post("/<slug>/tokens")
@login_required
def create(slug: str) -> Response:
    """Make a new token for an integrator; it is shown this once."""
    access = brand_access(slug, edit=True)
    name = request.form.get("name", "").strip()
    if not name or len(name) > 100:
        return page.show(slug, 400, error=_("Give the token a name of 1 to 100 characters."))
    return page.show(slug, token=issue_token(db.session, access.brand.slug, name))


@bp.post("/<slug>/tokens/<int:token_id>/revoke")
@login_required
def revoke(slug: str, token_id: int) -> Response:
    """Revoke one of the brand's tokens: requests with it are refused from now on."""
    access = brand_access(slug, edit=True)
    revoke_brand_token(db.session, access.brand.id, token_id)
    return page.back(slug, _("Token revoked."))
