"""What every studio page shares: the signed-in user, brand access, CSRF and the sections.

Each studio area is its own blueprint made by `studio_blueprint`, so all of them check
CSRF on every state-changing request, set the studio locale and send `no-store`.
Brand isolation lives in `brand_access`: a brand the user has no role at answers 404,
exactly like a brand that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, g, redirect, request, session
from flask import url_for as flask_url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError, CSRFProtect

from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.models import User
from server.core.errors import N_
from server.core.locales import UI_LOCALES
from server.services.accounts import Access, access_to, accesses, signed_in_user

csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])

# The studio's sections in navigation order: (endpoint, label). A section whose
# endpoint is not registered is left out of the navigation.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("studio_home.brand", N_("Overview")),
    ("studio_story.editor", N_("Story")),
    ("studio_disclosure.edit", N_("Disclosure")),
    ("studio_theme.edit", N_("Theme")),
    ("studio_codes.index", N_("QR codes")),
    ("studio_snapshots.index", N_("Snapshots")),
    ("studio_analytics.dashboard", N_("Scans")),
    ("studio_users.index", N_("People")),
    ("studio_tokens.index", N_("API tokens")),
)


# The names of the blueprints `studio_blueprint` made: their answers alone write the session.
_STUDIO_BLUEPRINTS: set[str] = set()


class StudioSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, written back by the studio's answers only.

    A signed-in editor's browser sends the session cookie with every request to the
    origin, and Flask would refresh it (the permanent session's expiry) on every answer:
    static files, blobs, public pages. One of those would carry the editor's session into
    a shared cache. And one that started before a change to the session (the studio's
    language, say) and ended after it would bring the older session back: each answer
    writes the session as its request read it. A session a request changed is written
    whatever answered; only studio code changes it.
    """

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        return request.blueprint in _STUDIO_BLUEPRINTS and super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    """Set up sessions and CSRF for the studio (public pages stay cookie-free)."""
    app.session_interface = StudioSessions()
    base_url = settings(app).public_base_url
    app.config.setdefault("SESSION_COOKIE_SECURE", base_url.startswith("https://"))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="originxr_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        # CSRF is checked by the studio blueprints only: the integrator API uses bearer
        # tokens (no ambient credentials) and public pages change nothing.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
    )
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _csrf_failed)


def _csrf_failed(_exc: CSRFError) -> Response:
    from flask_babel import gettext as _

    from server.web.error_pages import error_page

    return error_page(
        400,
        _("This form has expired"),
        _("For your safety the form could not be sent. Reload the page and try again."),
    )


def studio_blueprint(name: str, import_name: str) -> Blueprint:
    """Return a blueprint under /studio whose requests get the studio's checks."""
    bp = Blueprint(name, import_name, url_prefix="/studio")
    _STUDIO_BLUEPRINTS.add(name)

    @bp.before_request
    def _before() -> None:
        g.offered_locales = list(UI_LOCALES)
        chosen = request.args.get("lang")
        if chosen in UI_LOCALES:
            session["lang"] = chosen
        g.preferred_locale = session.get("lang")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()

    @bp.after_request
    def _after(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return bp


def current_user() -> User | None:
    """Return the signed-in user of this request, or None."""
    if "studio_user" in g:
        return cast(User | None, g.studio_user)
    uid = session.get("uid")
    user = signed_in_user(db.session, uid, session.get("epoch")) if isinstance(uid, int) else None
    g.studio_user = user
    return user


def sign_in(user: User) -> None:
    """Start a fresh session for `user` (a new cookie: no session fixation)."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["epoch"] = user.session_epoch
    if lang:
        session["lang"] = lang
    g.studio_user = user


def sign_out() -> None:
    """End the session."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.studio_user = None


def safe_next(target: str | None) -> str:
    """Return `target` if it is a path inside the studio, else the studio's home."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/studio"):
            return target
    return flask_url_for("studio_home.index")


def login_required(view: F) -> F:
    """Send visitors who are not signed in to the sign-in page, then back."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(flask_url_for("studio_auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(F, wrapper)


def brand_access(slug: str, *, edit: bool = False) -> Access:
    """Return the signed-in user's access to brand `slug`.

    404 when the user has no role there (as if it did not exist); 403 when `edit` is
    asked of a viewer.
    """
    user = current_user()
    if user is None:
        abort(401)
    access = access_to(db.session, user, slug)
    if edit and not access.can_edit:
        abort(403)
    g.studio_access = access
    return access


def studio_context() -> dict[str, Any]:
    """Template variables every studio page needs: user, brands, navigation."""
    from server.web.routes.locales import locale_context

    user = current_user()
    access: Access | None = g.get("studio_access")
    sections = []
    if access is not None:
        for endpoint, label in SECTIONS:
            if endpoint in current_app.view_functions:
                sections.append((endpoint, label, flask_url_for(endpoint, slug=access.brand.slug)))
    return {
        "user": user,
        "access": access,
        "brands": accesses(db.session, user) if user else [],
        "sections": sections,
        "current_endpoint": request.endpoint,
        **locale_context(UI_LOCALES),
    }
