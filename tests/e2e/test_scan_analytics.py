"""Scan analytics end to end: a shopper's scan and 3D entry reach the studio's dashboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import work_queue
from tests.e2e.conftest import BATCH_PATH
from tests.studio.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

# a phone's browser: Playwright's own agent says HeadlessChrome, which is not counted (a bot)
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def _figure(page: Any, label: str) -> str:
    return str(page.locator(".figures div", has_text=label).locator("dd").inner_text())


def test_a_scan_and_a_3d_entry_show_on_the_dashboard(
    built_server: Any, sqlite_app: Any, new_context: Callable[..., Any]
) -> None:
    make_user(sqlite_app, "analyst@nkabom.example", "nkabom", "viewer")
    shopper = new_context(
        locale="en-GB", user_agent=PHONE_UA, viewport={"width": 412, "height": 915}
    )
    page = shopper.new_page()
    beacons: list[Any] = []
    page.on("requestfinished", lambda r: beacons.append(r) if "/api/scan-events" in r.url else None)
    page.goto(built_server.url + BATCH_PATH)
    # (the page's own kind=scan beacon may go first: not counted with SCAN_COUNTING=page)
    with page.expect_request_finished(
        lambda r: "/api/scan-events" in r.url and "kind=3d" in (r.post_data or "")
    ) as sent:
        page.get_by_role("button", name="Explore in 3D").click()
        page.wait_for_selector("#xr-stage[data-state=ready]")
    beacon = sent.value
    assert beacon.method == "POST" and "kind=3d" in (beacon.post_data or "")
    assert beacon.response().status == 204
    assert shopper.cookies() == []  # the shopper's pages set no cookie, analytics included

    work_queue(sqlite_app, ("default",))

    studio = new_context(locale="en-GB").new_page()
    studio.goto(built_server.url + "/studio/nkabom/analytics")
    studio.fill("#email", "analyst@nkabom.example")
    studio.fill("#password", PASSWORD)
    studio.get_by_role("button", name="Sign in").click()
    studio.wait_for_url(re.compile(r"/studio/nkabom/analytics"))
    assert studio.get_by_role("heading", level=1).inner_text() == "Scans"
    # the built_server fixture's own request (a script, counted as a computer) is one scan;
    # the phone is the other
    assert _figure(studio, "Scans") == "2"
    assert _figure(studio, "3D entries") == "1"
    devices = studio.locator("#chart-devices-h").locator("xpath=..")
    devices.get_by_text("Show the figures as a table").click()
    assert devices.get_by_role("row", name="Phone").inner_text().split()[-1] == "1"
    chart = studio.get_by_role("img", name="Scans per day")
    assert chart.is_visible()
    assert [b for b in beacons if "kind=scan" not in (b.post_data or "")] == [beacon]
