"""HTTP rendering of errors in one place: HTML pages for people, problem details for APIs."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from server.core.errors import (
    DigitalLinkError,
    InvalidSubmission,
    NotFound,
    TranslatableError,
    Unauthorized,
    UnresolvedKey,
)
from server.web.error_messages import translated
from server.web.error_pages import error_page


def wants_json() -> bool:
    """Tell whether the client asked for JSON rather than a page."""
    if request.path.startswith(("/api/", "/epcis/", "/blobs/")):
        return True
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "application/problem+json", "application/linkset+json"]
    )
    return best not in (None, "text/html")


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """Return an RFC 9457 problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _bad_link(exc: DigitalLinkError) -> Response:
    message = translated(exc)
    if wants_json():
        return problem(400, "Malformed GS1 Digital Link URI", message)
    return error_page(
        400,
        _("This code cannot be read"),
        message,
        _("Please scan the code again, or type the address exactly as printed."),
    )


def _not_found(exc: NotFound) -> Response:
    message = translated(exc) if isinstance(exc, TranslatableError) else str(exc)
    if wants_json():
        return problem(404, "Not found", message)
    if request.path.startswith("/studio"):
        return error_page(
            404, _("Not found"), _("There is nothing here, or you have no access to it.")
        )
    return error_page(404, _("We could not find this product"), message)


def _unresolved(exc: UnresolvedKey) -> Response:
    message = translated(exc)
    if wants_json():
        return problem(404, "GS1 key not resolved here", message)
    return error_page(404, _("This code is not one we can show"), message)


def _unauthorized(exc: Unauthorized) -> Response:
    response = problem(401, "Unauthorized", str(exc))
    challenge = 'Bearer realm="originxr"'
    if exc.error:
        challenge += f', error="{exc.error}"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def _invalid(exc: InvalidSubmission) -> Response:
    if exc.issues:
        return problem(exc.status, exc.title, str(exc), errors=exc.issues)
    return problem(exc.status, exc.title, str(exc))


def _http(exc: HTTPException) -> Response:
    status = exc.code or 500
    if wants_json():
        return problem(status, exc.name, exc.description or exc.name)
    titles = {
        400: _("This request cannot be answered"),
        401: _("Please sign in"),
        403: _("You may not do this"),
        404: _("Not found"),
        405: _("This address does not accept that method"),
        413: _("The upload is too large"),
    }
    return error_page(status, titles.get(status, exc.name), exc.description or "")


def init_app(app: Flask) -> None:
    """Register the error handlers on `app`."""
    app.register_error_handler(DigitalLinkError, _bad_link)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(UnresolvedKey, _unresolved)
    app.register_error_handler(Unauthorized, _unauthorized)
    app.register_error_handler(InvalidSubmission, _invalid)
    app.register_error_handler(HTTPException, _http)
