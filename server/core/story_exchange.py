"""The story file a brand exports from and imports into the studio.

It uses the brand pack's shapes, so its parts can be copied into ``brands/<slug>/``:
``chapters`` is brand.json's chapter layout and ``stories`` holds, per locale, what
``stories/<locale>.json`` holds. Pure: building and validating the document.
"""

from __future__ import annotations

import json
from typing import Any

from server.core.checks_text import CHECK_NAMES
from server.core.errors import N_, TranslatableError

FORMAT = "originxr-story/1"
MAX_BYTES = 1_000_000


class StoryFileError(TranslatableError):
    """An uploaded story file that cannot be imported; the message says why."""


def export_document(
    slug: str,
    version: int | None,
    layout: list[dict[str, Any]],
    chapters: dict[str, Any],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """Return the exportable story document of a brand."""
    return {
        "format": FORMAT,
        "brand": slug,
        "version": version,
        "chapters": layout,
        "stories": {locale: {"chapters": texts} for locale, texts in sorted(chapters.items())},
        "tagline": settings.get("tagline", {}),
    }


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise StoryFileError(N_("%(where)s must be text."), where=where)
    return value


def parse_document(
    data: bytes, locales: list[str]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, dict[str, str]]]]:
    """Return (layout, chapters) of an uploaded story file, or raise StoryFileError."""
    if len(data) > MAX_BYTES:
        raise StoryFileError(N_("The file is larger than 1 MB."))
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise StoryFileError(N_("The file is not UTF-8 JSON.")) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StoryFileError(
            N_("This is not a story file exported from the studio (format %(format)s)."),
            format=FORMAT,
        )
    raw_layout = doc.get("chapters")
    if not isinstance(raw_layout, list) or not raw_layout:
        raise StoryFileError(N_("The file has no chapters."))
    layout: list[dict[str, Any]] = []
    for i, item in enumerate(raw_layout):
        where = f"chapters[{i}]"
        if not isinstance(item, dict):
            raise StoryFileError(N_("%(where)s must be an object."), where=where)
        key = _text(item.get("key"), f"{where}.key")
        kinds = item.get("site_kinds", [])
        checks = item.get("checks", [])
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise StoryFileError(
                N_("%(where)s must be a list of texts."), where=f"{where}.site_kinds"
            )
        if not isinstance(checks, list) or any(c not in CHECK_NAMES for c in checks):
            raise StoryFileError(
                N_("%(where)s names a check that does not exist."), where=f"{where}.checks"
            )
        layout.append({"key": key, "site_kinds": list(kinds), "checks": list(checks)})
    keys = {c["key"] for c in layout}
    if len(keys) != len(layout):
        raise StoryFileError(N_("Every chapter needs a unique key."))
    stories = doc.get("stories")
    if not isinstance(stories, dict):
        raise StoryFileError(N_("The file has no stories."))
    chapters: dict[str, dict[str, dict[str, str]]] = {}
    for locale, story in stories.items():
        if locale not in locales:
            raise StoryFileError(
                N_("The brand does not use the language %(locale)s."), locale=locale
            )
        texts = story.get("chapters") if isinstance(story, dict) else None
        if not isinstance(texts, dict):
            raise StoryFileError(N_("%(where)s must be an object."), where=f"stories.{locale}")
        chapters[locale] = {}
        for key, text in texts.items():
            where = f"stories.{locale}.chapters.{key}"
            if key not in keys:
                raise StoryFileError(N_("There is no chapter %(key)s."), key=key)
            if not isinstance(text, dict):
                raise StoryFileError(N_("%(where)s must be an object."), where=where)
            chapters[locale][key] = {
                "title": _text(text.get("title", ""), f"{where}.title"),
                "body": _text(text.get("body", ""), f"{where}.body"),
            }
    return layout, chapters
