"""Story files: the brand's published story exported, a story file imported as the draft."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from server.adapters.models import Brand, StoryVersion, User
from server.core.errors import N_
from server.core.story_exchange import StoryFileError, export_document, parse_document
from server.services.builds import published_story
from server.services.story_versions import chapter_layout, save_draft


def story_document(session: Session, brand: Brand) -> dict[str, Any]:
    """Return the story file of the brand's published story and chapter layout."""
    story = published_story(session, brand.id)
    return export_document(
        brand.slug,
        story.version if story else None,
        chapter_layout(brand, story),
        story.chapters if story else {},
        brand.settings or {},
    )


def import_story(session: Session, brand: Brand, data: bytes, author: User | None) -> StoryVersion:
    """Make the story file `data` the brand's draft and commit.

    Raises `StoryFileError` or `StoryError` before anything is stored.
    """
    if not data:
        raise StoryFileError(N_("Choose a story file to import."))
    layout, chapters = parse_document(data, list(brand.locales or [brand.default_locale]))
    return save_draft(session, brand, chapters, layout, author)
