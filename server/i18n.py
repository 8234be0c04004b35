"""Locales: which one a request gets, and Babel wired into the app."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, g, request
from flask_babel import Babel

from server.config import PROJECT_ROOT

# Locales the interface is translated into (translations/<locale>/LC_MESSAGES).
UI_LOCALES = ("en", "de", "fr", "nl")
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "nl": "Nederlands"}


def choose_locale(
    offered: Sequence[str], default: str, query: str | None, accept: Sequence[tuple[str, float]]
) -> str:
    """Pick the locale: ``?lang=`` if offered, then Accept-Language, then `default`.

    `accept` is the parsed Accept-Language header as (language, quality) pairs.
    """
    if query and query in offered:
        return query
    best: tuple[float, str] | None = None
    for tag, quality in accept:
        base = tag.split("-")[0].split("_")[0].lower()
        if quality > 0 and (tag in offered or base in offered):
            candidate = tag if tag in offered else base
            if best is None or quality > best[0]:
                best = (quality, candidate)
    return best[1] if best else default


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
