"""A brand's story versions: the working draft, publishing, rolling back, the history.

A brand has at most one working draft (a StoryVersion with ``published`` False).
Publishing turns the draft into an immutable version with its author, time, open
claim findings and, when findings were open, the reason given to publish anyway. A
roll back publishes a new version copying an old one. The scene fingerprint includes
the published version, so publishing makes the brand's scenes stale: `publish` asks for
the rebuilds after its commit. `save_draft` and `publish` each commit; both check
everything before they write, so a `StoryError` leaves nothing to roll back.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.adapters.models import Brand, StoryVersion, User
from server.core.errors import N_, TranslatableError
from server.core.evidence.claim_check import Finding, check_claims
from server.services.brand_changes import request_rebuild
from server.services.builds import last_done, published_story
from server.services.catalog import all_batches
from server.services.transparency_log import log_story_version

MAX_TEXT = 20_000  # characters per chapter body
MAX_TITLE = 200


class StoryError(TranslatableError):
    """A story change that cannot be made; the message says why."""


def chapter_layout(brand: Brand, story: StoryVersion | None) -> list[dict[str, Any]]:
    """Return the chapters to show, in order: the story version's layout, else the brand's."""
    if story is not None and story.layout:
        return list(story.layout)
    return list((brand.settings or {}).get("chapters", []))


def draft_of(session: Session, brand: Brand) -> StoryVersion | None:
    """Return the brand's working draft, if there is one."""
    return session.scalars(
        select(StoryVersion).where(
            StoryVersion.brand_id == brand.id, StoryVersion.published.is_(False)
        )
    ).first()


def _top_version(session: Session, brand: Brand) -> int:
    top = session.scalar(
        select(func.max(StoryVersion.version)).where(StoryVersion.brand_id == brand.id)
    )
    return int(top or 0)


def working_copy(session: Session, brand: Brand) -> StoryVersion:
    """Return the draft, or an unsaved copy of the published version to start one from."""
    draft = draft_of(session, brand)
    if draft is not None:
        return draft
    published = published_story(session, brand.id)
    return StoryVersion(
        brand_id=brand.id,
        version=0,
        chapters=copy.deepcopy(published.chapters) if published else {},
        layout=copy.deepcopy(chapter_layout(brand, published)),
        published=False,
        source="studio",
        findings=[],
    )


def save_draft(
    session: Session,
    brand: Brand,
    chapters: dict[str, Any],
    layout: list[dict[str, Any]],
    author: User | None,
) -> StoryVersion:
    """Store `chapters` and `layout` as the brand's working draft (made if missing); commit."""
    _validate(brand, chapters, layout)
    draft = draft_of(session, brand)
    if draft is None:
        draft = StoryVersion(
            brand_id=brand.id,
            version=_top_version(session, brand) + 1,
            published=False,
            source="studio",
            findings=[],
        )
        session.add(draft)
    draft.chapters = copy.deepcopy(chapters)
    draft.layout = copy.deepcopy(layout)
    draft.author_id = author.id if author else None
    session.commit()
    return draft


def _validate(brand: Brand, chapters: dict[str, Any], layout: list[dict[str, Any]]) -> None:
    keys = [c.get("key") for c in layout]
    if not keys or len(set(keys)) != len(keys) or not all(isinstance(k, str) for k in keys):
        raise StoryError(N_("Every chapter needs a unique key."))
    for locale, texts in chapters.items():
        if locale not in (brand.locales or [brand.default_locale]):
            raise StoryError(N_("The brand does not use the language %(locale)s."), locale=locale)
        for key, text in texts.items():
            if key not in keys:
                raise StoryError(N_("There is no chapter %(key)s."), key=key)
            if len(text.get("title", "")) > MAX_TITLE:
                raise StoryError(
                    N_("A chapter title may have at most %(num)d characters."), num=MAX_TITLE
                )
            if len(text.get("body", "")) > MAX_TEXT:
                raise StoryError(
                    N_("A chapter text may have at most %(num)d characters."), num=MAX_TEXT
                )


def batch_statuses(session: Session, brand: Brand) -> dict[str, dict[str, str] | None]:
    """Return each batch's check statuses from its latest done evidence build (None: none)."""
    from server.services.build_outputs import json_blob

    result: dict[str, dict[str, str] | None] = {}
    for batch in all_batches(session, brand.slug):
        build = last_done(session, batch.id, "evidence")
        label = batch.lot
        if build is None or "report" not in build.outputs:
            result[label] = None
            continue
        report = json_blob(build.outputs["report"])
        result[label] = {c["key"]: c.get("status", "unknown") for c in report.get("checks", [])}
    return result


def findings_for(session: Session, brand: Brand, story: StoryVersion) -> list[Finding]:
    """Return the claim-check findings of `story` against the brand's batches."""
    return check_claims(
        story.chapters or {}, chapter_layout(brand, story), batch_statuses(session, brand)
    )


def publish(
    session: Session,
    brand: Brand,
    author: User | None,
    override_reason: str | None = None,
    *,
    source_version: StoryVersion | None = None,
) -> StoryVersion:
    """Publish the draft (or a copy of `source_version`, a roll back); return the version.

    Open claim findings need an `override_reason`, recorded with the version. After the
    commit one worker job is asked for, to enqueue every batch's rebuilds.
    """
    if source_version is None:
        draft = draft_of(session, brand)
        if draft is None:
            raise StoryError(N_("There is no draft to publish: save your changes first."))
        target = draft
    else:
        target = StoryVersion(
            brand_id=brand.id,
            chapters=copy.deepcopy(source_version.chapters),
            layout=copy.deepcopy(chapter_layout(brand, source_version)),
            source=f"rollback:{source_version.version}",
        )
    findings = [f.as_dict() for f in findings_for(session, brand, target)]
    reason = (override_reason or "").strip()
    if findings and not reason:
        raise StoryError(
            N_(
                "The claim check found %(num)d open findings. Fix them, or give the reason "
                "for publishing anyway (it is recorded in the version history)."
            ),
            num=len(findings),
        )
    draft = draft_of(session, brand)
    top = _top_version(session, brand)
    if source_version is not None:
        # The draft keeps the newest version number, above the roll back.
        if draft is not None and draft.version == top:
            draft.version = top + 1
            session.flush()
            target.version = top
        elif draft is not None:  # a pack import published above the draft meanwhile
            draft.version = top + 2
            session.flush()
            target.version = top + 1
        else:
            target.version = top + 1
        session.add(target)
    elif target.version != top:
        target.version = top + 1
    target.published = True
    target.published_at = datetime.now(UTC)
    target.author_id = author.id if author else None
    target.findings = findings
    target.override_reason = reason if findings else None
    if source_version is None:
        target.source = "studio"
    session.flush()
    log_story_version(
        session, brand.slug, target.version, target.chapters, chapter_layout(brand, target)
    )
    session.commit()
    request_rebuild(brand.id)
    return target


def history(session: Session, brand: Brand) -> list[StoryVersion]:
    """Return the brand's published versions, newest first."""
    return list(
        session.scalars(
            select(StoryVersion)
            .where(StoryVersion.brand_id == brand.id, StoryVersion.published.is_(True))
            .order_by(StoryVersion.version.desc())
        )
    )


def version_of(session: Session, brand: Brand, number: int) -> StoryVersion | None:
    """Return the brand's published version `number`, if it exists."""
    return session.scalars(
        select(StoryVersion).where(
            StoryVersion.brand_id == brand.id,
            StoryVersion.version == number,
            StoryVersion.published.is_(True),
        )
    ).first()


def authors_of(session: Session, versions: Iterable[StoryVersion]) -> dict[int, str]:
    """Return the e-mail of each author of `versions`, by user id."""
    ids = {v.author_id for v in versions if v.author_id}
    return {u.id: u.email for u in session.scalars(select(User).where(User.id.in_(ids)))}
