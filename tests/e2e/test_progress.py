"""Live build progress: the open page follows the builds and swaps in the result, no reload."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.adapters.db import db
from tests.conftest import LiveServer, load_demo, make_app, work_queue
from tests.e2e.conftest import BATCH_PATH, ConsoleLog

pytestmark = pytest.mark.browser

# Records every value the progress bars take, from a MutationObserver set up at load.
WATCH_PROGRESS = """() => {
  window.__marker = 'same document';
  window.__progressSeen = [];
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.matches('progress')) window.__progressSeen.push(Number(r.target.value));
    }
  }).observe(document.querySelector('main'),
             {attributes: true, subtree: true, attributeFilter: ['value']});
}"""


@pytest.fixture
def slow_app(tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any]) -> Iterator[Flask]:
    """The demo app whose builds pause between steps, so progress can be watched."""
    app = make_app(tmp_path, redis_url, sqlite_only, BUILD_STEP_PAUSE=0.3, WS_POLL_SECONDS=0.2)
    load_demo(app)
    yield app
    db.engine_for(app).dispose()


def test_page_follows_builds_and_swaps_in_results(
    slow_app: Flask, new_context: Callable[..., Any], console: ConsoleLog
) -> None:
    # Werkzeug's server (LiveServer) writes an HTTP response after flask-sock closes the
    # socket, which chromium reports at the end of every socket; gunicorn does not
    # (miguelgrinberg/flask-sock issues #20, #77)
    console.allow(r"/ws/builds/\d+' failed: Invalid frame header")
    # the 3D entry's beacon may still be in flight when the server stops after the last step
    console.allow(r"ERR_CONNECTION_RESET \(http://127\.0\.0\.1:\d+/api/scan-events\)")
    with LiveServer(slow_app) as server:
        page = new_context(locale="en-GB").new_page()
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        messages: list[str] = []
        page.on(
            "websocket", lambda ws: ws.on("framereceived", lambda payload: messages.append(payload))
        )
        page.goto(server.url + BATCH_PATH)
        assert page.locator("#progress").is_visible()
        assert page.locator("#evidence .check").count() == 0
        assert page.locator("[data-xr-launch]").count() == 0
        page.evaluate(WATCH_PROGRESS)
        for _ in range(50):  # wait until the socket is open and the first states arrived
            if messages:
                break
            page.wait_for_timeout(100)
        assert messages, "the progress WebSocket sent nothing"

        # RQ's worker installs signal handlers, which only the main thread may do: run it
        # here (blocking) while the browser and the threaded server carry on by themselves
        work_queue(slow_app)

        page.wait_for_selector("main[data-swapped=true]")
        assert page.evaluate("window.__marker") == "same document"
        assert navigations == [server.url + BATCH_PATH], f"the page navigated: {navigations}"
        seen = page.evaluate("window.__progressSeen")
        assert any(0 < value < 1 for value in seen), f"no intermediate progress shown: {seen}"
        assert page.locator("#progress").is_hidden()
        assert page.locator("#check-yield_plausibility.check.warn").is_visible()
        assert page.locator("#check-known_origin_share.check.fail").is_visible()
        assert page.locator("img.poster").count() == 1
        assert page.evaluate(
            "() => [...document.styleSheets].some((s) => (s.href || '').includes('/css/xr.css'))"
        ), "the viewer's stylesheet was not added with the swapped-in content"

        # the swapped-in "Explore in 3D" button is wired by the freshly imported boot script
        page.get_by_role("button", name="Explore in 3D").click()
        page.wait_for_selector("#xr-stage[data-state=ready]")
