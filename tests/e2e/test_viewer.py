"""The 3D viewer: loaded only on demand, renders, and enters an emulated WebXR session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import BATCH_PATH, IWER_BUNDLE
from tests.e2e.pixels import decode_png

pytestmark = pytest.mark.browser

# the viewer bundle is a hashed file in web/static/dist: viewer-<HASH>.js
VIEWER_BUNDLE = "/static/dist/viewer-"
# IWER's UMD build defines window.IWER; forceInstall replaces chromium's own navigator.xr
INSTALL_QUEST3 = "new IWER.XRDevice(IWER.metaQuest3).installRuntime({ forceInstall: true });"


def frames(page: Any) -> int:
    return int(page.locator("#xr-stage").get_attribute("data-frames") or 0)


def wait_for_more_frames(page: Any, than: int) -> None:
    page.wait_for_function(
        "n => Number(document.getElementById('xr-stage').dataset.frames || 0) > n + 2", arg=than
    )


def open_viewer(page: Any) -> None:
    page.get_by_role("button", name="Explore in 3D").click()
    page.wait_for_selector("#xr-stage[data-state=ready]")
    wait_for_more_frames(page, 0)


def test_viewer_loads_on_click_and_renders(built_server: Any, page: Any) -> None:
    requested: list[Any] = []
    page.on("request", lambda request: requested.append(request))
    page.goto(built_server.url + BATCH_PATH)
    # the warm-up waits for an idle main thread, which a busy machine may be slow to have
    page.wait_for_selector("html[data-xr-prefetched]", timeout=60_000)
    assert any("/static/dist/boot-" in r.url for r in requested)
    # at idle the viewer is downloaded into the cache (rel=prefetch), not run
    early = [r for r in requested if VIEWER_BUNDLE in r.url]
    assert early, "the idle warm-up should have fetched the viewer"
    assert all(r.headers.get("sec-purpose") == "prefetch" for r in early), "viewer loaded"
    assert page.locator("#xr-stage canvas").count() == 0

    open_viewer(page)
    assert page.locator("#xr-stage canvas").count() == 1
    # the stage made at idle (renderer, scene, compiled programs) is the one mounted
    assert page.locator("#xr-stage").get_attribute("data-stage-made") == "ahead"
    before = frames(page)
    wait_for_more_frames(page, before)

    image = decode_png(page.locator("#xr-stage").screenshot())
    height, width, _ = image.shape
    assert width > 200 and height > 150
    rgb = image[..., :3].astype(float)
    # a blank or single-colour canvas has (almost) no variance; the diorama has plenty
    assert rgb.std(axis=(0, 1)).mean() > 8.0, f"canvas looks empty: std {rgb.std(axis=(0, 1))}"
    assert len({tuple(p) for p in image[::8, ::8, :3].reshape(-1, 3)}) > 50


def test_enter_and_exit_emulated_vr(built_server: Any, new_context: Callable[..., Any]) -> None:
    context = new_context(locale="en-GB")
    # init scripts run before the page's own scripts and are not subject to its CSP
    context.add_init_script(path=str(IWER_BUNDLE))
    context.add_init_script(INSTALL_QUEST3)
    page = context.new_page()
    page.goto(built_server.url + BATCH_PATH)
    open_viewer(page)

    enter = page.locator("#xr-stage button[data-xr-mode=immersive-vr]")
    enter.wait_for()
    assert enter.text_content() == "Enter VR"
    enter.click()
    page.wait_for_function(
        "() => document.querySelector('[data-xr-mode=immersive-vr]').textContent === 'Exit'"
    )
    before = frames(page)
    wait_for_more_frames(page, before)  # frames now come from the XR session's loop

    # IWER shows the session full-window over the page, as a headset would hide it: the
    # button is covered, so send its click event directly (ending needs no user gesture)
    enter.dispatch_event("click")
    page.wait_for_function(
        "() => document.querySelector('[data-xr-mode=immersive-vr]').textContent === 'Enter VR'"
    )
    before = frames(page)
    wait_for_more_frames(page, before)
    assert page.locator("#xr-stage canvas.xr-canvas").count() == 1


# Opens into the stage, but the stage cannot show it: critical.css gives #xr-stage
# `aspect-ratio: 4/3; overflow: hidden`, while xr.css makes the canvas min(70vh, 36rem)
# tall and puts the site list, chapter panel and Enter VR/AR buttons below the canvas.
def test_viewer_canvas_and_controls_are_visible(built_server: Any, page: Any) -> None:
    page.goto(built_server.url + BATCH_PATH)
    open_viewer(page)
    # (an overflow:hidden box can still be scrolled by script, as Playwright's clicks do, but
    # not by a finger or a mouse wheel: measure before anything scrolls it)
    layout = page.evaluate(
        """() => {
          const stage = document.getElementById('xr-stage').getBoundingClientRect();
          const canvas = document.querySelector('#xr-stage canvas').getBoundingClientRect();
          const ui = document.querySelector('#xr-stage .xr-ui').getBoundingClientRect();
          return {stage: [stage.top, stage.bottom], canvas: [canvas.top, canvas.bottom],
                  ui: [ui.top, ui.bottom]};
        }"""
    )
    stage_bottom = layout["stage"][1] + 1
    assert layout["canvas"][1] <= stage_bottom, f"the stage clips the canvas: {layout}"
    assert layout["ui"][1] <= stage_bottom, f"the stage clips the viewer's controls: {layout}"


# Counts how often a canvas's size is set (each time, even to the size it has, a WebGL
# canvas reallocates its drawing buffer), from before the page's scripts.
COUNT_CANVAS_SIZING = """
(() => {
  window.__sized = 0;
  for (const name of ['width', 'height']) {
    const own = Object.getOwnPropertyDescriptor(HTMLCanvasElement.prototype, name);
    Object.defineProperty(HTMLCanvasElement.prototype, name, {
      ...own,
      set(value) {
        if (this.closest('#xr-stage')) window.__sized += 1;
        own.set.call(this, value);
      },
    });
  }
})();
"""


def test_the_mounted_stage_is_sized_once(
    built_server: Any, new_context: Callable[..., Any]
) -> None:
    """The stage made at idle is sized once when mounted: the ResizeObserver's first call,
    which repeats the viewer's own, sets nothing again (viewer.js `sized`)."""
    context = new_context(locale="en-GB")
    context.add_init_script(COUNT_CANVAS_SIZING)
    page = context.new_page()
    page.goto(built_server.url + BATCH_PATH)
    page.wait_for_selector("html[data-xr-prefetched]", timeout=60_000)
    open_viewer(page)
    wait_for_more_frames(page, frames(page))
    # three.js's setSize sets the width and the height: one sizing is two sets
    assert page.evaluate("window.__sized") == 2
