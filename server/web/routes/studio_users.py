"""Studio: the people of a brand — who has which role, invitations, removal."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask_babel import gettext as _

from server.adapters.db import db
from server.adapters.models.account import ROLES
from server.services.accounts import Access, AccountError
from server.services.members import invite_member, members_of, remove_member
from server.web.error_messages import translated
from server.web.studio import brand_access, current_user, login_required, studio_blueprint
from server.web.studio_forms import FormPage

bp = studio_blueprint("studio_users", __name__)


def _values(access: Access, error: str | None = None, link: str | None = None) -> dict[str, Any]:
    return {
        "members": members_of(db.session, access.brand.id),
        "roles": ROLES,
        "error": error,
        "link": link,
        "email": request.form.get("email", ""),
    }


page = FormPage("studio/users.html", "studio_users.index", _values)


@bp.get("/<slug>/people")
@login_required
def index(slug: str) -> Response:
    """List the brand's people and their roles."""
    return page.show(slug)


@bp.post("/<slug>/people")
@login_required
def invite_post(slug: str) -> Response:
    """Give someone a role at the brand and make them a one-time sign-in link."""
    access = brand_access(slug, edit=True)
    role = request.form.get("role", "")
    if role not in ROLES:
        return page.show(slug, 400, error=_("Choose a role: viewer or editor."))
    email = request.form.get("email", "")
    try:
        token = invite_member(db.session, access.brand, email, role, current_user())
    except AccountError as exc:
        return page.show(slug, 400, error=translated(exc))
    link = url_for("studio_auth.invitation", token=token, _external=True)
    return page.show(slug, link=link)


@bp.post("/<slug>/people/<int:user_id>/remove")
@login_required
def remove(slug: str, user_id: int) -> Response:
    """Take the user's role at this brand away (their account and other brands stay)."""
    access = brand_access(slug, edit=True)
    if remove_member(db.session, access.brand.id, user_id, current_user()):
        return page.back(slug, _("Access removed."))
    return page.back(slug, _("You cannot remove yourself; ask another editor."), category="error")
