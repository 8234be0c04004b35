"""The QR label sheet in a real browser: set the domain by keyboard, print, read each label."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from server.core import qr_codes
from tests.qr_decode import decode_png, needs_zbar
from tests.studio.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

BASE = "https://nkabom.example"


@needs_zbar
def test_printed_labels_show_codes_at_their_size_that_read_back(
    sqlite_app: Flask, live_server: Any, new_context: Callable[..., Any]
) -> None:
    make_user(sqlite_app, "editor@nkabom.example", "nkabom", "editor")
    # 3 device pixels a CSS pixel: a 0.396 mm module is ~4.5 px on the screenshot
    page = new_context(locale="en-GB", device_scale_factor=3).new_page()
    page.goto(live_server.url + "/studio/login")
    page.fill("#email", "editor@nkabom.example")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(live_server.url + "/studio/nkabom/codes")
    page.fill("#base_url", BASE)
    page.check("input[name=ec][value=H]")
    page.press("#quiet_zone", "Enter")  # submit from the keyboard
    page.wait_for_url("**/studio/nkabom/codes")
    assert page.locator(".flash-ok").count() == 1

    page.goto(live_server.url + "/studio/nkabom/codes/sheet")
    page.emulate_media(media="print")
    assert page.locator(".sheet-intro").is_hidden()
    assert page.locator(".studio-top").is_hidden()
    labels = page.locator(".label")
    assert labels.count() >= 3
    px_per_mm = 96 / 25.4
    for index in range(labels.count()):
        label = labels.nth(index)
        image = label.locator("img")
        uri = image.get_attribute("alt")
        assert uri and uri.startswith(BASE + "/01/")
        assert label.locator(".label-uri").inner_text() == uri
        loaded = image.evaluate("img => img.complete && img.naturalWidth > 0")
        assert loaded, uri
        expected_mm = qr_codes.make_symbol(uri, qr_codes.QrOptions("H", 4)).min_size_mm
        box = image.bounding_box()
        assert box is not None
        assert box["width"] / px_per_mm == pytest.approx(expected_mm, abs=0.3)
        assert decode_png(label.screenshot()) == [uri]
