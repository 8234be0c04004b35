"""The story editor in a real browser: sign in, edit the German farm chapter, see the claim
check, fix it, preview, publish, then scan the batch in German and see the new text; a
second brand's editor cannot reach the first brand's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.conftest import work_queue
from tests.e2e.conftest import BATCH_PATH, ConsoleLog
from tests.e2e.test_batch_page import german_catalog
from tests.studio.conftest import PASSWORD, add_other_brand, make_user

pytestmark = pytest.mark.browser

CLAIM = "Unser Kakao ist nachhaltig angebaut, auf vermessenen Parzellen."
FIXED = "Unser Kakao wächst auf 43 vermessenen Parzellen, geprüft gegen Waldkarten von 2020."


@pytest.fixture
def studio_server(sqlite_app: Flask, built_server: Any) -> Any:
    """The live demo app (builds done) with a rival brand and an editor at each brand."""
    add_other_brand(sqlite_app)
    make_user(sqlite_app, "editor@nkabom.example", "nkabom", "editor")
    make_user(sqlite_app, "editor@rival.example", "rival", "editor")
    return built_server


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/studio/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_edit_check_preview_publish_and_scan(
    studio_server: Any, sqlite_app: Flask, new_context: Callable[..., Any], console: ConsoleLog
) -> None:
    console.allow(r"status of 400")  # the refused publish without a reason
    base = studio_server.url
    page = new_context(locale="en-GB").new_page()
    sign_in(page, base, "editor@nkabom.example")
    page.get_by_role("navigation", name="Studio sections").get_by_role("link", name="Story").click()
    page.wait_for_load_state()
    assert page.url.endswith("/studio/nkabom/story")
    page.get_by_role("navigation", name="Language of the text you edit").get_by_role(
        "link", name="Deutsch"
    ).click()
    page.wait_for_load_state()

    farms = page.locator("#chapter-farms")
    farms.get_by_label("Text (Markdown)").fill(CLAIM)
    page.get_by_role("button", name="Save draft and check claims").click()
    page.wait_for_load_state()
    finding = page.locator("li.finding")
    assert finding.count() == 1
    assert "“nachhaltig”" in finding.inner_text() and "2024/825" in finding.inner_text()
    assert page.get_by_role("alert").first.is_visible()

    # publishing now needs a reason: without one it is refused and says why
    page.get_by_role("button", name="Publish the draft").click()
    page.wait_for_load_state()
    error = page.locator("#story-error")
    assert "open findings" in error.inner_text()
    assert page.locator("#publish-reason").get_attribute("aria-describedby") == "story-error"

    # fix the claim: the finding disappears
    page.goto(base + "/studio/nkabom/story?locale=de")
    page.locator("#body-farms").fill(FIXED)
    page.get_by_role("button", name="Save draft and check claims").click()
    page.wait_for_load_state()
    assert page.locator("li.finding").count() == 0
    assert page.get_by_text("No generic or contradicted claims found.").is_visible()

    # preview on the batch: the real page with the draft, marked and not indexed
    page.get_by_role("link", name="Preview page NK25-0227").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "de"
    assert (
        page.locator(".preview-banner")
        .inner_text()
        .startswith(german_catalog().gettext("Preview — not published"))
    )
    assert FIXED in page.locator("#chapter-farms").inner_text()
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"

    # the public page still shows the published text
    public = new_context(extra_http_headers={"Accept-Language": "de"}, locale="de-DE").new_page()
    public.goto(base + BATCH_PATH)
    assert FIXED not in public.locator("#chapter-farms").inner_text()
    # closed now: left open, its idle warm-up (the 3D stage made ahead, shaders compiled in
    # software) competes with the studio page below on a loaded machine
    public.context.close()

    page.goto(base + "/studio/nkabom/story?lang=en")
    page.get_by_role("button", name="Publish the draft").click()
    # The click starts a form POST and its redirect: wait for the answer's status line
    # (wait_for_load_state alone may return on the page still showing before it).
    published = page.get_by_role("status").filter(has_text="is published")
    # up to a minute: a loaded CI machine (SwiftShader compiling the preview's warm-up in
    # the shared GPU process) has taken over 15 s to show it
    published.wait_for(timeout=60_000)
    assert published.count() == 1
    assert page.locator("#version-2").get_by_text("editor@nkabom.example").count() == 1

    # scan the batch URI in German once the rebuild the publish asked for is done (until
    # then the published page stays as it was): the new text, with no restart in between
    work_queue(sqlite_app)
    public = new_context(extra_http_headers={"Accept-Language": "de"}, locale="de-DE").new_page()
    public.goto(base + BATCH_PATH)
    assert public.locator("html").get_attribute("lang") == "de"
    assert FIXED in public.locator("#chapter-farms").inner_text()
    assert public.locator(".preview-banner").count() == 0


def test_second_brand_editor_cannot_reach_the_first_brand(
    studio_server: Any, new_context: Callable[..., Any], console: ConsoleLog
) -> None:
    console.allow(r"status of 404")
    page = new_context(locale="en-GB").new_page()
    sign_in(page, studio_server.url, "editor@rival.example")
    assert page.url.endswith("/studio/rival/")
    for path in ("/studio/nkabom/story", "/studio/nkabom/story/export", "/studio/nkabom/"):
        response = page.goto(studio_server.url + path)
        assert response is not None and response.status == 404
        assert "Nkabom" not in page.locator("main").inner_text()
    response = page.goto(studio_server.url + "/studio/nkabom/story/preview/1")
    assert response is not None and response.status == 404
