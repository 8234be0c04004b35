"""Studio: the people of a brand — who has which role, invitations, removal."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import Membership, User
from server.adapters.models.account import ROLES
from server.services.accounts import AccountError, ensure_user, grant, invite
from server.web.studio import (
    brand_access,
    current_user,
    login_required,
    studio_blueprint,
    studio_context,
)

bp = studio_blueprint("studio_users", __name__)


def _page(
    slug: str, status: int = 200, error: str | None = None, link: str | None = None
) -> Response:
    access = brand_access(slug)
    members = db.session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.brand_id == access.brand.id)
        .order_by(User.email)
    ).all()
    html = render_template(
        "studio/users.html",
        members=members,
        roles=ROLES,
        error=error,
        link=link,
        email=request.form.get("email", ""),
        **studio_context(),
    )
    return Response(html, status=status)


@bp.get("/<slug>/people")
@login_required
def index(slug: str) -> Response:
    """List the brand's people and their roles."""
    return _page(slug)


@bp.post("/<slug>/people")
@login_required
def invite_post(slug: str) -> Response:
    """Give someone a role at the brand and make them a one-time sign-in link."""
    from server.web.routes.errors import _translated

    access = brand_access(slug, edit=True)
    role = request.form.get("role", "")
    if role not in ROLES:
        return _page(slug, 400, _("Choose a role: viewer or editor."))
    inviter = current_user()
    try:
        with db.transaction() as session:
            user = ensure_user(session, request.form.get("email", ""))
            grant(session, user, access.brand, role)
            token = invite(session, user, by=inviter)
    except AccountError as exc:
        return _page(slug, 400, _translated(exc))
    link = url_for("studio_auth.invitation", token=token, _external=True)
    return _page(slug, link=link)


@bp.post("/<slug>/people/<int:user_id>/remove")
@login_required
def remove(slug: str, user_id: int) -> Response:
    """Take the user's role at this brand away (their account and other brands stay)."""
    access = brand_access(slug, edit=True)
    me = current_user()
    with db.transaction() as session:
        membership = session.scalar(
            select(Membership).where(
                Membership.brand_id == access.brand.id, Membership.user_id == user_id
            )
        )
        if membership is None:
            from server.core.errors import NotFound

            raise NotFound("no such member")
        if me is not None and membership.user_id == me.id:
            flash(_("You cannot remove yourself; ask another editor."), "error")
        else:
            session.delete(membership)
            flash(_("Access removed."), "ok")
    return redirect(url_for("studio_users.index", slug=slug), code=303)  # type: ignore[return-value]
