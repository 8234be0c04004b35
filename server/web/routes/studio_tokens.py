"""Studio: the brand's integrator API tokens — list, create (shown once), revoke."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import ApiToken
from server.core.errors import NotFound
from server.services.tokens import create_token, revoke_token
from server.web.studio import brand_access, login_required, studio_blueprint, studio_context

bp = studio_blueprint("studio_tokens", __name__)


def _page(
    slug: str, status: int = 200, error: str | None = None, token: str | None = None
) -> Response:
    access = brand_access(slug)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.brand_id == access.brand.id).order_by(ApiToken.id.desc())
    ).all()
    html = render_template(
        "studio/tokens.html", tokens=tokens, error=error, token=token, **studio_context()
    )
    return Response(html, status=status)


@bp.get("/<slug>/tokens")
@login_required
def index(slug: str) -> Response:
    """List the brand's API tokens (never the tokens themselves)."""
    return _page(slug)


@bp.post("/<slug>/tokens")
@login_required
def create(slug: str) -> Response:
    """Make a new token for an integrator; it is shown this once."""
    access = brand_access(slug, edit=True)
    name = request.form.get("name", "").strip()
    if not name or len(name) > 100:
        return _page(slug, 400, _("Give the token a name of 1 to 100 characters."))
    with db.transaction() as session:
        _record, token = create_token(session, access.brand.slug, name)
    return _page(slug, token=token)


@bp.post("/<slug>/tokens/<int:token_id>/revoke")
@login_required
def revoke(slug: str, token_id: int) -> Response:
    """Revoke one of the brand's tokens: requests with it are refused from now on."""
    access = brand_access(slug, edit=True)
    with db.transaction() as session:
        record = session.get(ApiToken, token_id)
        if record is None or record.brand_id != access.brand.id:
            raise NotFound("no such token")
        revoke_token(session, token_id)
    flash(_("Token revoked."), "ok")
    return redirect(url_for("studio_tokens.index", slug=slug), code=303)  # type: ignore[return-value]
