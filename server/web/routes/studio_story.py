"""Studio: the story editor — chapters per locale in Markdown, checks per chapter, the
claim check, previews on real batches, publishing, roll back, export and import."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _

from server.adapters.db import db
from server.adapters.models import Brand, StoryVersion
from server.core.checks_text import CHECK_NAMES
from server.core.errors import N_, NotFound
from server.core.locales import UI_LOCALES
from server.core.story_exchange import StoryFileError
from server.services.accounts import Access
from server.services.brand_catalog import brand_batch
from server.services.build_outputs import batch_outputs
from server.services.builds import published_story
from server.services.catalog import all_batches
from server.services.story_exchange import import_story, story_document
from server.services.story_images import image_type, store_image
from server.services.story_versions import (
    StoryError,
    authors_of,
    chapter_layout,
    findings_for,
    history,
    publish,
    save_draft,
    version_of,
    working_copy,
)
from server.web.error_messages import translated
from server.web.story_view import finding_view, layout_rows, locale_names
from server.web.studio import brand_access, current_user, login_required, studio_blueprint
from server.web.studio_forms import FormPage

bp = studio_blueprint("studio_story", __name__)

MAX_IMAGE_BYTES = 5_000_000
BAD_POSITION = N_("The position of a check must be a whole number from 1 to 99.")


def _locale_of(brand: Brand) -> str:
    locales = list(brand.locales or [brand.default_locale])
    chosen = request.values.get("locale", "")
    return chosen if chosen in locales else brand.default_locale


def _values(
    access: Access,
    error: str | None = None,
    error_field: str | None = None,
    story: StoryVersion | None = None,
    image: str | None = None,
) -> dict[str, Any]:
    brand = access.brand
    session = db.session
    story = story or working_copy(session, brand)
    locale = _locale_of(brand)
    findings = [finding_view(f.as_dict()) for f in findings_for(session, brand, story)]
    for finding in findings:
        text = (story.chapters or {}).get(finding["locale"], {}).get(finding["chapter"], {})
        finding["chapter_title"] = text.get("title") or finding["chapter"]
    versions = history(session, brand)
    authors = authors_of(session, versions)
    return {
        "story": story,
        "is_draft": story.id is not None and not story.published,
        "texts": (story.chapters or {}).get(locale, {}),
        "chapters": layout_rows(chapter_layout(brand, story)),
        "locale_edited": locale,
        "brand_locales": list(brand.locales or [brand.default_locale]),
        "locale_names": locale_names(list(brand.locales or [brand.default_locale])),
        "offered_ui": UI_LOCALES,
        "findings": findings,
        "batches": all_batches(session, brand.slug),
        "published": published_story(session, brand.id),
        "versions": [
            {
                "version": v,
                "author": authors.get(v.author_id or 0),
                "date": format_datetime(v.published_at or v.created_at, "medium"),
                "findings": [finding_view(f) for f in v.findings or []],
            }
            for v in versions
        ],
        "error": error,
        "error_field": error_field,
        "image": image,
    }


page = FormPage("studio/story.html", "studio_story.editor", _values)


@bp.get("/<slug>/story")
@login_required
def editor(slug: str) -> Response:
    """Show the story editor: the draft (or the published story), its findings, history."""
    return page.show(slug)


def _form_layout(layout: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the layout with each chapter's checks as chosen and ordered in the form."""
    result = []
    for chapter in layout:
        key = chapter["key"]
        chosen = [c for c in request.form.getlist(f"check-{key}") if c in CHECK_NAMES]
        positions: dict[str, int] = {}
        for check in chosen:
            raw = request.form.get(f"order-{key}-{check}", "").strip() or "99"
            try:
                positions[check] = int(raw)
            except ValueError:
                raise StoryError(BAD_POSITION) from None
            if not 1 <= positions[check] <= 99:
                raise StoryError(BAD_POSITION)
        ordered = sorted(chosen, key=lambda c: (positions[c], chosen.index(c)))
        result.append({**chapter, "checks": ordered})
    return result


@bp.post("/<slug>/story")
@login_required
def save(slug: str) -> Response:
    """Save the edited locale's chapters and the checks layout as the working draft."""
    access = brand_access(slug, edit=True)
    brand = access.brand
    base = working_copy(db.session, brand)
    locale = _locale_of(brand)
    layout = chapter_layout(brand, base)
    chapters = {loc: dict(texts) for loc, texts in (base.chapters or {}).items()}
    chapters[locale] = {
        c["key"]: {
            "title": request.form.get(f"title-{c['key']}", "").strip(),
            "body": request.form.get(f"body-{c['key']}", "").replace("\r\n", "\n").strip(),
        }
        for c in layout
    }
    unsaved = StoryVersion(brand_id=brand.id, chapters=chapters, layout=layout, version=0)
    try:
        unsaved.layout = _form_layout(layout)
        draft = save_draft(db.session, brand, chapters, unsaved.layout, current_user())
    except StoryError as exc:
        return page.show(slug, 400, error=translated(exc), error_field="story-form", story=unsaved)
    flash(_("Draft saved. It is not public until you publish it."), "ok")
    return page.show(slug, story=draft)


@bp.post("/<slug>/story/publish")
@login_required
def publish_draft(slug: str) -> Response:
    """Publish the draft; open claim findings need a recorded reason."""
    access = brand_access(slug, edit=True)
    return _publish(slug, access.brand, None)


@bp.post("/<slug>/story/versions/<int:number>/rollback")
@login_required
def rollback(slug: str, number: int) -> Response:
    """Publish a new version that copies the earlier version `number`."""
    access = brand_access(slug, edit=True)
    old = version_of(db.session, access.brand, number)
    if old is None:
        raise NotFound("no such story version")
    return _publish(slug, access.brand, old)


def _publish(slug: str, brand: Brand, source: StoryVersion | None) -> Response:
    reason = request.form.get("reason", "")
    try:
        version = publish(db.session, brand, current_user(), reason, source_version=source)
    except StoryError as exc:
        field = "publish-reason" if source is None else f"reason-{source.version}"
        return page.show(slug, 400, error=translated(exc), error_field=field)
    message = _(
        "Version %(num)d is published. Pages and 3D scenes are being rebuilt.", num=version.version
    )
    return page.back(slug, message)


@bp.get("/<slug>/story/preview/<int:batch_id>")
@login_required
def preview(slug: str, batch_id: int) -> Response:
    """The batch's real consumer page with the working draft, marked as a preview."""
    from server.web.routes.batch_page import render_batch_page

    access = brand_access(slug)
    batch = brand_batch(db.session, access.brand.id, batch_id)
    return render_batch_page(batch, draft=working_copy(db.session, access.brand))


@bp.get("/<slug>/story/preview/<int:batch_id>/scene.json")
@login_required
def preview_scene(slug: str, batch_id: int) -> Response:
    """The batch's 3D scene manifest with the draft's chapters, marked as a preview."""
    from server.services.build_outputs import json_blob
    from server.services.scene_inputs import load_public_scene_input

    access = brand_access(slug)
    batch = brand_batch(db.session, access.brand.id, batch_id)
    outputs = batch_outputs(batch)
    if outputs.scene is None or outputs.report is None:
        body = {"preview": True, "status": "building", "detail": _("The scene is being built.")}
        return Response(json.dumps(body), status=409, mimetype="application/json")
    manifest = dict(json_blob(outputs.scene["manifest"]))
    draft = working_copy(db.session, access.brand)
    # The published scene's own reduction: withheld names stay withheld in the preview too.
    scene_input = load_public_scene_input(db.session, batch, outputs.report, draft)
    manifest["chapters"] = [
        {"key": c.key, "site_ids": list(c.site_ids), "text": c.text} for c in scene_input.chapters
    ]
    manifest["preview"] = True
    return Response(
        json.dumps(manifest, ensure_ascii=False),
        mimetype="application/json",
        headers={"X-Robots-Tag": "noindex, nofollow"},
    )


@bp.post("/<slug>/story/images")
@login_required
def upload_image(slug: str) -> Response:
    """Store an image for the story; show the Markdown that places it in a chapter."""
    brand_access(slug, edit=True)
    upload = request.files.get("image")
    data = upload.read(MAX_IMAGE_BYTES + 1) if upload else b""
    error = None
    kind = None
    if not data:
        error = _("Choose an image file (PNG, JPEG or WebP).")
    elif len(data) > MAX_IMAGE_BYTES:
        error = _("The image is larger than 5 MB.")
    else:
        kind = image_type(data)
        if kind is None:
            error = _("This is not a PNG, JPEG or WebP image.")
    if error or kind is None:
        return page.show(slug, 400, error=error, error_field="image")
    sha = store_image(db.session, data, kind)
    alt = _("Describe the image here")
    return page.show(slug, image=f"![{alt}]({url_for('blobs.blob', sha256=sha)})")


@bp.get("/<slug>/story/export")
@login_required
def export(slug: str) -> Response:
    """Download the brand's published story and chapter layout as a story file."""
    brand = brand_access(slug).brand
    doc = story_document(db.session, brand)
    return Response(
        json.dumps(doc, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{brand.slug}-story.json"'},
    )


@bp.post("/<slug>/story/import")
@login_required
def import_file(slug: str) -> Response:
    """Import a story file as the working draft (publish it after the claim check)."""
    access = brand_access(slug, edit=True)
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    try:
        import_story(db.session, access.brand, data, current_user())
    except (StoryFileError, StoryError) as exc:
        return page.show(slug, 400, error=translated(exc), error_field="import-file")
    return page.back(slug, _("The story file is now the draft. Check the findings, then publish."))
