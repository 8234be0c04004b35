"""Studio sign-in, sign-out and invitation links."""

from __future__ import annotations

from flask import Response, redirect, render_template, request
from flask_babel import gettext as _

from server.adapters.broker import broker
from server.adapters.db import db
from server.core.passwords import WeakPassword
from server.services import login_throttle
from server.services.accounts import AccountError, accept_invitation, check_sign_in, invited_email
from server.web.error_messages import translated
from server.web.error_pages import error_page
from server.web.studio import safe_next, sign_in, sign_out, studio_blueprint, studio_context

bp = studio_blueprint("studio_auth", __name__)


def _client() -> str:
    return request.remote_addr or "unknown"


def _login_page(status: int = 200, error: str | None = None, email: str = "") -> Response:
    html = render_template(
        "studio/login.html",
        error=error,
        email=email,
        next=safe_next(request.values.get("next")),
        **studio_context(),
    )
    return Response(html, status=status)


@bp.get("/login")
def login() -> Response:
    """Show the sign-in form."""
    return _login_page()


@bp.post("/login")
def login_post() -> Response:
    """Check e-mail and password; the answers never tell which of the two was wrong."""
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:1024]
    if not email or not password:
        return _login_page(400, _("Enter your e-mail and your password."), email)
    if login_throttle.locked(broker.redis, email, _client()):
        return _login_page(
            429,
            _("Too many attempts. Wait 15 minutes, then try again, or use a new invitation link."),
            email,
        )
    user = check_sign_in(db.session, email, password)
    if user is None:
        login_throttle.record_failure(broker.redis, email, _client())
        return _login_page(401, _("The e-mail or the password is not right."), email)
    login_throttle.clear(broker.redis, email, _client())
    sign_in(user)
    return redirect(safe_next(request.form.get("next")), code=303)  # type: ignore[return-value]


@bp.post("/logout")
def logout() -> Response:
    """End the session."""
    sign_out()
    return redirect("/studio/login", code=303)  # type: ignore[return-value]


def _invite_page(token: str, status: int = 200, error: str | None = None) -> Response:
    try:
        email = invited_email(db.session, token)
    except AccountError as exc:
        return error_page(410, _("This link cannot be used"), translated(exc))
    html = render_template("studio/invite.html", email=email, error=error, **studio_context())
    return Response(html, status=status)


@bp.get("/invite/<token>")
def invitation(token: str) -> Response:
    """Ask the invited person for a password."""
    return _invite_page(token)


@bp.post("/invite/<token>")
def invitation_post(token: str) -> Response:
    """Set the password, use the link up and sign in."""
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        return _invite_page(token, 400, _("The two passwords differ."))
    try:
        user = accept_invitation(db.session, token, password)
    except WeakPassword as exc:
        return _invite_page(token, 400, translated(exc))
    except AccountError:
        return _invite_page(token)
    sign_in(user)
    return redirect(safe_next(None), code=303)  # type: ignore[return-value]
