"""Locale plumbing shared by page routes: offered locales and the language switcher."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from flask import g, request
from flask_babel import get_locale

from server.core.locales import LANGUAGE_NAMES, UI_LOCALES


def offered(locales: Sequence[str], default: str) -> tuple[list[str], str]:
    """Return the locales of `locales` we have a catalog for, and the default among them."""
    found = [loc for loc in locales if loc in UI_LOCALES] or ["en"]
    return found, default if default in found else found[0]


def offer_locales(locales: Sequence[str], default: str) -> None:
    """Limit this request's locale choice to `locales` (those we have a catalog for)."""
    g.offered_locales, g.default_locale = offered(locales, default)


def locale_context(locales: Sequence[str] | None = None) -> dict[str, Any]:
    """Return the template variables for the current locale and the language switcher."""
    offered = g.get("offered_locales") or list(locales or UI_LOCALES)
    current = str(get_locale() or "en")
    links = []
    for code in offered:
        args = request.args.to_dict()
        args["lang"] = code
        href = f"{request.path}?{urlencode(sorted(args.items()))}"
        links.append((code, LANGUAGE_NAMES.get(code, code), href))
    return {"locale": current, "locales": links}
