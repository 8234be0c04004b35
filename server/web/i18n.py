"""Babel wired into the app: each request's locale, chosen by `server.core.locales`."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, g, request
from flask_babel import Babel

from server.adapters.config import PROJECT_ROOT
from server.core.locales import UI_LOCALES, choose_locale


def _select_locale() -> str:
    offered: Sequence[str] = g.get("offered_locales", UI_LOCALES)
    default: str = g.get("default_locale", "en")
    query = request.args.get("lang") or g.get("preferred_locale")
    return choose_locale(offered, default, query, list(request.accept_languages))


def init_app(app: Flask) -> None:
    """Attach Babel to `app` with the project's catalogs and locale selector."""
    Babel(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
