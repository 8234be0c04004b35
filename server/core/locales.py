"""The locales the interface speaks, and which one a reader gets (pure)."""

from __future__ import annotations

from collections.abc import Sequence

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
