"""The story editor: drafts, the claim check, publish with override, roll back, previews,
export and import, and isolation between brands."""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from rq import Queue
from sqlalchemy import func, select

from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.models import Batch, Site, StoryVersion
from tests.conftest import DEMO_PACK, work_queue
from tests.studio.conftest import OTHER_GTIN, StudioClient, make_user

EDITOR = "/studio/nkabom/story"
BATCH = "/01/09520123100025/10/NK25-0227"
LAYOUT = json.loads((DEMO_PACK / "brand.json").read_text())["chapters"]
GERMAN = json.loads((DEMO_PACK / "stories" / "de.json").read_text())["chapters"]
FINDING = re.compile(r'<li class="finding finding-(\w+)" data-locale="(\w+)" data-chapter="(\w+)">')


@pytest.fixture
def studio(studio: StudioClient) -> StudioClient:
    """The demo brand's editor with the story editor open (its CSRF token at hand)."""
    assert studio.get(EDITOR).status_code == 200
    return studio


def german_form(**bodies: str) -> dict[str, Any]:
    """The editor's form for the German text: the pack's story with `bodies` replaced."""
    form: dict[str, Any] = {"locale": "de"}
    for chapter in LAYOUT:
        key = chapter["key"]
        form[f"title-{key}"] = GERMAN[key]["title"]
        form[f"body-{key}"] = bodies.get(key, GERMAN[key]["body"])
        form[f"check-{key}"] = list(chapter["checks"])
        for i, check in enumerate(chapter["checks"], 1):
            form[f"order-{key}-{check}"] = str(i)
    return form


def versions(app: Flask, slug: str = "nkabom") -> list[tuple[int, bool, str]]:
    from server.adapters.models import Brand

    with app.app_context():
        rows = db.session.execute(
            select(StoryVersion.version, StoryVersion.published, StoryVersion.source)
            .join(Brand)
            .where(Brand.slug == slug)
            .order_by(StoryVersion.version)
        ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]


def findings_on(html: str) -> list[tuple[str, str, str]]:
    return FINDING.findall(html)


def consumer_german(app: Flask) -> str:
    client = app.test_client()
    return client.get(BATCH, headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_editor_shows_the_published_german_text(studio: StudioClient) -> None:
    response = studio.get(EDITOR + "?locale=de")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert 'id="body-farms"' in html and GERMAN["farms"]["body"] in html
    assert findings_on(html) == []
    assert "No generic or contradicted claims found." in html


def test_claim_found_blocks_publish_until_a_reason_is_given(
    studio: StudioClient, studio_app: Flask
) -> None:
    claim = "Unser Kakao ist entwaldungsfrei und nachhaltig angebaut."
    saved = studio.post(EDITOR, german_form(farms=claim))
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    # no evidence report yet: "entwaldungsfrei" is never assumed supported
    assert findings_on(html) == [
        ("contradicted", "de", "farms"),
        ("generic", "de", "farms"),
    ]
    assert "no evidence report yet" in html and "NK25-0227" in html
    assert versions(studio_app) == [(1, True, "pack"), (2, False, "studio")]

    refused = studio.post(EDITOR + "/publish", {"reason": "  "})
    assert refused.status_code == 400
    assert 'role="alert" id="story-error"' in refused.get_data(as_text=True)
    assert "2 open findings" in refused.get_data(as_text=True)
    assert versions(studio_app) == [(1, True, "pack"), (2, False, "studio")]
    assert claim not in consumer_german(studio_app)

    published = studio.post(EDITOR + "/publish", {"reason": "Approved by legal, ticket 42"})
    assert published.status_code == 303
    assert versions(studio_app) == [(1, True, "pack"), (2, True, "studio")]
    with studio_app.app_context():
        version = db.session.scalar(select(StoryVersion).where(StoryVersion.version == 2))
        assert version is not None
        assert version.override_reason == "Approved by legal, ticket 42"
        assert [f["phrase"] for f in version.findings] == ["entwaldungsfrei", "nachhaltig"]
        assert version.author_id is not None and version.published_at is not None
    history = studio.get(EDITOR).get_data(as_text=True)
    assert "Published anyway because: Approved by legal, ticket 42" in history
    assert "editor@nkabom.example" in history


def test_published_change_reaches_the_consumer_page_without_a_restart(
    studio: StudioClient, studio_app: Flask
) -> None:
    before = consumer_german(studio_app)
    assert GERMAN["farms"]["body"] in before
    new_text = "Die Bohnen kommen von **kartierten** Parzellen in Ashanti."
    assert studio.post(EDITOR, german_form(farms=new_text)).status_code == 200
    assert new_text not in consumer_german(studio_app)  # a draft is not public
    queue = Queue("builds", connection=_redis(studio_app))
    queued_before = queue.count
    assert studio.post(EDITOR + "/publish", {}).status_code == 303
    after = consumer_german(studio_app)
    assert "Die Bohnen kommen von <strong>kartierten</strong> Parzellen in Ashanti." in after
    assert GERMAN["farms"]["body"] not in after
    # publishing made the scenes stale and enqueued their rebuilds
    assert queue.count > queued_before
    # the English page keeps its text
    english = studio_app.test_client().get(BATCH, headers={"Accept-Language": "en"})
    assert "kartierten" not in english.get_data(as_text=True)


def _redis(app: Flask) -> Any:
    with app.app_context():
        return broker.redis


def test_roll_back_publishes_a_copy_of_an_old_version(
    studio: StudioClient, studio_app: Flask
) -> None:
    studio.post(EDITOR, german_form(farms="Version zwei."))
    studio.post(EDITOR + "/publish", {})
    assert "Version zwei." in consumer_german(studio_app)
    studio.get(EDITOR)
    rolled = studio.post(EDITOR + "/versions/1/rollback", {})
    assert rolled.status_code == 303
    assert versions(studio_app) == [(1, True, "pack"), (2, True, "studio"), (3, True, "rollback:1")]
    page = consumer_german(studio_app)
    assert "Version zwei." not in page and GERMAN["farms"]["body"] in page
    assert "roll back to version 1" in studio.get(EDITOR).get_data(as_text=True)
    assert studio.post(EDITOR + "/versions/99/rollback", {}).status_code == 404


def test_roll_back_keeps_a_pending_draft(studio: StudioClient, studio_app: Flask) -> None:
    studio.post(EDITOR, german_form(farms="Version zwei."))
    studio.post(EDITOR + "/publish", {})
    studio.get(EDITOR)
    studio.post(EDITOR, german_form(farms="Entwurf."))
    assert studio.post(EDITOR + "/versions/1/rollback", {}).status_code == 303
    assert versions(studio_app) == [
        (1, True, "pack"),
        (2, True, "studio"),
        (3, True, "rollback:1"),
        (4, False, "studio"),
    ]
    assert "Entwurf." in studio.get(EDITOR + "?locale=de").get_data(as_text=True)
    assert studio.post(EDITOR + "/publish", {}).status_code == 303
    assert "Entwurf." in consumer_german(studio_app)


def test_check_selection_and_order_reach_the_page(studio: StudioClient, studio_app: Flask) -> None:
    form = german_form()
    form["check-farms"] = ["deforestation", "plot_geometry"]
    form["order-farms-deforestation"] = "2"
    form["order-farms-plot_geometry"] = "1"
    assert studio.post(EDITOR, form).status_code == 200
    assert studio.post(EDITOR + "/publish", {}).status_code == 303
    client = studio_app.test_client()
    client.get(BATCH)
    work_queue(studio_app)
    page = client.get(BATCH).get_data(as_text=True)
    farms = page[page.index('id="chapter-farms"') : page.index('id="chapter-cooperative"')]
    links = re.findall(r'href="#check-(\w+)"', farms)
    assert links == ["plot_geometry", "deforestation"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("order-farms-deforestation", "first"), ("order-farms-deforestation", "0")],
)
def test_bad_positions_are_refused_and_nothing_is_stored(
    studio: StudioClient, studio_app: Flask, field: str, value: str
) -> None:
    form = german_form(farms="Geändert.")
    form[field] = value
    response = studio.post(EDITOR, form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "whole number from 1 to 99" in html and 'role="alert"' in html
    assert versions(studio_app) == [(1, True, "pack")]


def test_too_long_text_is_refused(studio: StudioClient, studio_app: Flask) -> None:
    response = studio.post(EDITOR, german_form(farms="x" * 20_001))
    assert response.status_code == 400
    assert versions(studio_app) == [(1, True, "pack")]


def test_publish_without_a_draft_is_refused(studio: StudioClient) -> None:
    studio.get(EDITOR)
    response = studio.post(EDITOR + "/publish", {})
    assert response.status_code == 400
    assert "no draft to publish" in response.get_data(as_text=True)


def test_preview_shows_the_draft_only_to_the_brand(
    studio: StudioClient, studio_app: Flask, anonymous: StudioClient
) -> None:
    studio.post(EDITOR, german_form(farms="Vorschautext für die Farmen."))
    with studio_app.app_context():
        batch = db.session.scalar(select(Batch).where(Batch.lot == "NK25-0227"))
        rival = db.session.scalar(select(Batch).where(Batch.lot == "RV-1"))
        assert batch is not None and rival is not None
        batch_id, rival_id = batch.id, rival.id
    response = studio.get(f"{EDITOR}/preview/{batch_id}?lang=de")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vorschautext für die Farmen." in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert 'class="preview-banner"' in html
    assert "Vorschautext" not in consumer_german(studio_app)
    # another brand's batch, or nobody signed in: no preview
    assert studio.get(f"{EDITOR}/preview/{rival_id}").status_code == 404
    assert studio.get(f"/studio/rival/story/preview/{rival_id}").status_code == 404
    assert anonymous.get(f"{EDITOR}/preview/{batch_id}").status_code == 302


def test_scene_manifest_preview_carries_the_draft_as_plain_text(
    studio: StudioClient, studio_app: Flask
) -> None:
    with studio_app.app_context():
        batch = db.session.scalar(select(Batch).where(Batch.lot == "NK25-0227"))
        assert batch is not None
        batch_id = batch.id
    pending = studio.get(f"{EDITOR}/preview/{batch_id}/scene.json")
    assert pending.status_code == 409 and pending.json["preview"] is True
    work_queue(studio_app)
    studio.post(EDITOR, german_form(farms="Die *Farmen* in [Ghana](https://example.org)."))
    manifest = studio.get(f"{EDITOR}/preview/{batch_id}/scene.json").json
    assert manifest["preview"] is True
    farms = next(c for c in manifest["chapters"] if c["key"] == "farms")
    assert farms["text"]["de"]["body"] == "Die Farmen in Ghana."
    assert farms["site_ids"]


def test_contradiction_with_built_evidence(studio: StudioClient, studio_app: Flask) -> None:
    client = studio_app.test_client()
    for lot, gtin in (("NK25-0120", "09520123100018"), ("NK25-0227", "09520123100025")):
        client.get(f"/01/{gtin}/10/{lot}")
    client.get("/01/09520123100018/10/NK25-0421")
    work_queue(studio_app)
    html = studio.post(EDITOR, german_form(farms="Entwaldungsfreier Kakao.")).get_data(as_text=True)
    [(kind, locale, chapter)] = findings_on(html)
    assert (kind, locale, chapter) == ("contradicted", "de", "farms")
    assert "Deforestation since 2020" in html
    # only the batch with an unassessed plot is named; the two assessed ones are not
    message = html[html.index("Entwaldungsfreier”") :].split("</li>")[0]
    assert "which is not OK on: NK25-0227 (Unknown)." in message
    assert re.findall(r"NK25-\d{4}", message) == ["NK25-0227"]


def test_export_then_import_round_trips(studio: StudioClient, studio_app: Flask) -> None:
    exported = studio.get(EDITOR + "/export")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    doc = exported.json
    assert doc["format"] == "originxr-story/1" and doc["chapters"] == LAYOUT
    assert doc["stories"]["de"]["chapters"] == GERMAN
    doc["stories"]["de"]["chapters"]["farms"]["body"] = "Importierter Text."
    studio.get(EDITOR)
    upload = (BytesIO(json.dumps(doc).encode()), "story.json")
    response = studio.post(EDITOR + "/import", {"file": upload})
    assert response.status_code == 303
    assert versions(studio_app) == [(1, True, "pack"), (2, False, "studio")]
    assert "Importierter Text." in studio.get(EDITOR + "?locale=de").get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Choose a story file"),
        (b"\xff\xfe not json", "not UTF-8 JSON"),
        (b'{"format": "other"}', "not a story file"),
        (b'{"format": "originxr-story/1", "chapters": []}', "no chapters"),
        (
            b'{"format": "originxr-story/1", "chapters": [{"key": "a", "checks": ["nope"]}],'
            b' "stories": {}}',
            "check that does not exist",
        ),
        (
            b'{"format": "originxr-story/1", "chapters": [{"key": "a"}],'
            b' "stories": {"es": {"chapters": {}}}}',
            "does not use the language es",
        ),
        (
            b'{"format": "originxr-story/1", "chapters": [{"key": "a"}],'
            b' "stories": {"de": {"chapters": {"b": {"title": "x"}}}}}',
            "no chapter b",
        ),
        (
            b'{"format": "originxr-story/1", "chapters": [{"key": "a"}],'
            b' "stories": {"de": {"chapters": {"a": {"title": 5}}}}}',
            "must be text",
        ),
    ],
)
def test_bad_story_files_are_refused(
    studio: StudioClient, studio_app: Flask, content: bytes, message: str
) -> None:
    studio.get(EDITOR)
    response = studio.post(EDITOR + "/import", {"file": (BytesIO(content), "story.json")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'aria-describedby="story-error"' in html
    assert versions(studio_app) == [(1, True, "pack")]


def test_image_upload_gives_markdown_and_refuses_non_images(
    studio: StudioClient, studio_app: Flask
) -> None:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 3), (120, 80, 40)).save(buffer, "PNG")
    studio.get(EDITOR)
    response = studio.post(EDITOR + "/images", {"image": (BytesIO(buffer.getvalue()), "a.png")})
    assert response.status_code == 200
    [url] = re.findall(r"\]\((/blobs/[0-9a-f]{64})\)", response.get_data(as_text=True))
    blob = studio_app.test_client().get(url)
    assert blob.status_code == 200 and blob.mimetype == "image/png"
    bad = studio.post(EDITOR + "/images", {"image": (BytesIO(b"<svg onload=x>"), "a.png")})
    assert bad.status_code == 400
    assert "not a PNG, JPEG or WebP image" in bad.get_data(as_text=True)


def test_other_brand_cannot_reach_the_editor_and_nothing_changes(
    studio: StudioClient, studio_app: Flask
) -> None:
    before = versions(studio_app, "rival")
    studio.get(EDITOR)
    attempts = [
        studio.get("/studio/rival/story"),
        studio.get("/studio/rival/story/export"),
        studio.post("/studio/rival/story", {"locale": "en", "title-farms": "Hacked"}),
        studio.post("/studio/rival/story/publish", {"reason": "x"}),
        studio.post("/studio/rival/story/versions/1/rollback", {"reason": "x"}),
        studio.post("/studio/rival/story/import", {"file": (BytesIO(b"{}"), "x.json")}),
    ]
    assert [r.status_code for r in attempts] == [404] * 6
    for response in attempts:
        assert "Secret text" not in response.get_data(as_text=True)
    assert versions(studio_app, "rival") == before


def test_rival_editor_cannot_reach_the_demo_brand(studio_app: Flask) -> None:
    rival = StudioClient(studio_app.test_client())
    assert rival.login("editor@rival.example").status_code == 303
    assert rival.get(EDITOR).status_code == 404
    assert rival.get("/studio/rival/story").status_code == 200
    assert rival.post(EDITOR, german_form(farms="Hacked")).status_code == 404
    assert versions(studio_app) == [(1, True, "pack")]


def test_viewer_reads_but_cannot_change(studio_app: Flask) -> None:
    viewer = StudioClient(studio_app.test_client())
    assert viewer.login("viewer@nkabom.example").status_code == 303
    page = viewer.get(EDITOR)
    assert page.status_code == 200
    assert "Save draft" not in page.get_data(as_text=True)
    attempts = [
        viewer.post(EDITOR, german_form(farms="Viewer text")),
        viewer.post(EDITOR + "/publish", {"reason": "x"}),
        viewer.post(EDITOR + "/versions/1/rollback", {}),
        viewer.post(EDITOR + "/import", {"file": (BytesIO(b"{}"), "x.json")}),
        viewer.post(EDITOR + "/images", {"image": (BytesIO(b"x"), "x.png")}),
    ]
    assert [r.status_code for r in attempts] == [403] * 5
    assert versions(studio_app) == [(1, True, "pack")]


def test_forms_need_the_csrf_token(studio: StudioClient, studio_app: Flask) -> None:
    response = studio.client.post(EDITOR, data=german_form(farms="No token"))
    assert response.status_code == 400
    with studio_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoryVersion)) == 2


def test_second_user_sees_the_same_draft(studio: StudioClient, studio_app: Flask) -> None:
    make_user(studio_app, "second@nkabom.example", "nkabom", "editor")
    studio.post(EDITOR, german_form(farms="Gemeinsamer Entwurf."))
    other = StudioClient(studio_app.test_client())
    other.login("second@nkabom.example")
    assert "Gemeinsamer Entwurf." in other.get(EDITOR + "?locale=de").get_data(as_text=True)
    assert OTHER_GTIN  # the rival brand exists alongside


def test_pack_import_while_a_draft_is_open(
    studio: StudioClient, studio_app: Flask, copied_pack: Any
) -> None:
    from tests.conftest import load_demo

    studio.post(EDITOR, german_form(farms="Entwurf aus dem Studio."))
    path = copied_pack / "stories" / "de.json"
    story = json.loads(path.read_text())
    story["chapters"]["farms"]["body"] = "Neuer Text aus dem Markenpaket."
    path.write_text(json.dumps(story, ensure_ascii=False))
    load_demo(studio_app, copied_pack)
    assert versions(studio_app) == [(1, True, "pack"), (2, False, "studio"), (3, True, "pack")]
    assert "Neuer Text aus dem Markenpaket." in consumer_german(studio_app)

    studio.get(EDITOR)
    assert studio.post(EDITOR + "/versions/1/rollback", {}).status_code == 303
    assert versions(studio_app) == [
        (1, True, "pack"),
        (3, True, "pack"),
        (4, True, "rollback:1"),
        (5, False, "studio"),
    ]
    assert GERMAN["farms"]["body"] in consumer_german(studio_app)
    assert studio.post(EDITOR + "/publish", {}).status_code == 303
    assert versions(studio_app)[-1] == (5, True, "studio")
    assert "Entwurf aus dem Studio." in consumer_german(studio_app)


def test_scene_preview_withholds_what_the_published_scene_withholds(
    studio: StudioClient, studio_app: Flask
) -> None:
    with studio_app.app_context():
        batch = db.session.scalar(select(Batch).where(Batch.lot == "NK25-0227"))
        farm = db.session.scalar(select(Site).where(Site.kind == "farm").order_by(Site.key))
        assert batch is not None and farm is not None and farm.name
        batch_id, farm_key, farm_name = batch.id, farm.key, farm.name
    assert studio.get(f"{EDITOR}/preview/{batch_id}/scene.json").status_code == 409  # enqueues
    work_queue(studio_app)
    # Farms are never named in public (the default policy): not in a preview either.
    studio.post(EDITOR, german_form(farms=f"Kakao von {farm_name}."))
    manifest = studio.get(f"{EDITOR}/preview/{batch_id}/scene.json").json
    farms = next(c for c in manifest["chapters"] if c["key"] == "farms")
    assert farms["text"]["de"]["body"] == f"Kakao von {farm_key}."
    assert farm_name not in json.dumps(manifest, ensure_ascii=False)
