"""The HTML error page: a title, a message and a hint in the page's language."""

from __future__ import annotations

from flask import Response, render_template

from server.core.locales import UI_LOCALES


def error_page(status: int, title: str, message: str, hint: str | None = None) -> Response:
    """Return the HTML error page saying `title` and `message` (and `hint`) with `status`."""
    from server.web.routes.locales import locale_context

    html = render_template(
        "error.html", title=title, message=message, hint=hint, **locale_context(UI_LOCALES)
    )
    return Response(html, status=status, mimetype="text/html")
