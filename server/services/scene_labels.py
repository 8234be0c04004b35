"""The names a scene's tour panels show, translated into each of the brand's locales.

The scene manifest is built once per batch by a worker, with no request (and so no locale)
at hand: it carries these names for every locale it is published in, and the browser picks
its own. The viewer's JavaScript never holds user-facing words of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from babel.support import Translations

from server.adapters.config import PROJECT_ROOT
from server.core.capture_text import CAPTURE_STATES
from server.core.checks_text import CHAPTER_FALLBACK_TITLES, CHECK_NAMES, KIND_NAMES, STATUS_NAMES
from server.core.locales import UI_LOCALES

GROUPS = {
    "checks": CHECK_NAMES,
    "statuses": STATUS_NAMES,
    "chapters": CHAPTER_FALLBACK_TITLES,
    "kinds": KIND_NAMES,
    "captures": CAPTURE_STATES,
}


def scene_labels(locales: Iterable[str]) -> dict[str, dict[str, dict[str, str]]]:
    """Return {locale: {group: {key: translated name}}} for the `locales` the UI speaks.

    Read from the compiled catalogs under translations/ (no app context needed); a locale
    the interface is not translated into is left out, and the viewer falls back to the
    manifest's first locale.
    """
    labels: dict[str, dict[str, dict[str, str]]] = {}
    for locale in locales:
        if locale not in UI_LOCALES:
            continue
        catalog = _catalog(locale)
        labels[locale] = {
            group: {key: catalog.gettext(name) for key, name in names.items()}
            for group, names in GROUPS.items()
        }
    return labels


@lru_cache(maxsize=8)
def _catalog(locale: str) -> Translations:
    found = Translations.load(str(PROJECT_ROOT / "translations"), [locale])
    return found if isinstance(found, Translations) else Translations()
