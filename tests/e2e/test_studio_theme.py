"""The studio's theme page in Chromium: swatches follow typing (under the page's CSP),
and the consumer page uses the saved theme's colours, logo and font."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.adapters.db import db
from tests.conftest import LiveServer, load_demo, make_app
from tests.e2e.conftest import BATCH_PATH
from tests.studio.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def studio_live(tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any]) -> Iterator[Flask]:
    """The demo app with an editor of the demo brand."""
    app = make_app(tmp_path, redis_url, sqlite_only)
    load_demo(app)
    make_user(app, "editor@nkabom.example", "nkabom", "editor")
    yield app
    db.engine_for(app).dispose()


def test_swatches_follow_typing_and_saved_theme_reaches_the_page(
    studio_live: Flask, new_context: Callable[..., Any]
) -> None:
    with LiveServer(studio_live) as server:
        page = new_context(locale="en-GB").new_page()
        page.goto(server.url + "/studio/login")
        page.fill("#email", "editor@nkabom.example")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(server.url + "/studio/nkabom/theme")
        swatch = page.locator(".swatch-primary")
        assert swatch.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(91, 58, 41)"
        page.fill("#colour-primary", "#123456")
        assert swatch.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(18, 52, 86)"
        header = page.locator(".theme-preview-header")
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(18, 52, 86)"
        page.fill("#colour-accent", "#a0701c")  # the demo accent fails 3:1 on its background
        page.click("button[value=save]")
        assert page.locator(".flash-ok").inner_text() == "Theme saved."
        page.goto(server.url + BATCH_PATH)
        brand = page.locator("header.brand")
        assert brand.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(18, 52, 86)"
