"""The guided tour in a real browser: map → site → site, splats, immersive VR under IWER.

The scene is synthetic and small (two sites, a 6K-splat snapshot each), served by the splat
tests' server (splat_server.py) on the tour test page (splat_page/tour_page.js), which wires
the built boot bundle to the same two buttons the batch page has.
"""

from __future__ import annotations

import colorsys
import json
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from server.core.splats.tiling import build_tiles
from tests.e2e.conftest import DIST_MANIFEST, IWER_BUNDLE, IWER_SEM_BUNDLE
from tests.e2e.pixels import decode_png
from tests.e2e.splat_server import SplatServer, app_csp, coloured_ball, tiny_glb

pytestmark = pytest.mark.browser

SPLATS_PER_SITE = 6_000  # two sites: 12K splats in all, within the 20K a test may draw
# IWER's Quest 3, kept where the test can reach it (init scripts are not under the CSP)
INSTALL_QUEST3 = (
    "window.__xrDevice = new IWER.XRDevice(IWER.metaQuest3);"
    "window.__xrDevice.installRuntime({ forceInstall: true });"
)
STAGE = "document.getElementById('xr-stage')"
# what a browser in data-saver mode tells the page: no speculative downloads
SAVE_DATA = (
    "Object.defineProperty(Navigator.prototype, 'connection',"
    " {get: () => ({saveData: true, effectiveType: '4g'})});"
)


def scene_manifest(tilesets: dict[str, str]) -> dict[str, Any]:
    """A manifest as workers/scene/manifest.py writes it: two chapters, a site each."""
    return {
        "schema": "test",
        "batch": {"gtin": "", "lot": "L1", "product_name": "Test bar", "uri": ""},
        "sites": [
            {
                "id": "farm-1",
                "node": "site:farm-1",
                "kind": "farm",
                "name": "Farm One",
                "panel": "",
                "position": [0.4, 0.01, 0.2],
                "chapter": "farms",
            },
            {
                "id": "port-1",
                "node": "site:port-1",
                "kind": "port",
                "name": "Port One",
                "panel": "",
                "position": [-0.4, 0.01, -0.3],
                "chapter": "shipping",
            },
        ],
        "chapters": [
            {
                "key": "farms",
                "site_ids": ["farm-1"],
                "checks": ["deforestation", "child_labour"],
                "text": {"en": {"title": "The farms", "body": "Grown by families."}},
            },
            {
                "key": "shipping",
                "site_ids": ["port-1"],
                "checks": [],
                "text": {"en": {"title": "", "body": "By sea."}},
            },
        ],
        "evidence": [{"key": "deforestation", "status": "warn", "value": None, "unit": None}],
        "labels": {
            "en": {
                "checks": {"deforestation": "Deforestation since 2020"},
                "statuses": {"ok": "OK", "warn": "Warning", "unknown": "Unknown"},
                "chapters": {"shipping": "Shipping"},
                "kinds": {"farm": "Farm", "port": "Port"},
            }
        },
        "locales": ["en"],
        "bounds": {"min": [-1, 0, -1], "max": [1, 0, 1]},
        "snapshots": [{"site": site, "tileset": url} for site, url in tilesets.items()],
    }


@pytest.fixture(scope="module")
def bundles(built_bundles: Any) -> dict[str, str]:
    """Entry name → built file (web/static/dist/manifest.json)."""
    manifest = json.loads(DIST_MANIFEST.read_text())
    return {name: entry["file"] for name, entry in manifest.items()}


@pytest.fixture
def tour_server() -> Iterator[SplatServer]:
    server = SplatServer(app_csp())
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_tour_is_its_own_chunk_reached_only_through_import(bundles: dict[str, str]) -> None:
    dist = DIST_MANIFEST.parent
    entries = json.loads(DIST_MANIFEST.read_text())
    viewer = (dist / bundles["viewer"]).read_text()
    assert f'import("./{bundles["tour"]}")' in viewer
    assert bundles["tour"] not in entries["viewer"]["imports"]
    # the tour itself does not bring Spark: the viewer's snapshots import it when needed
    tour = (dist / bundles["tour"]).read_text()
    assert bundles["splats"] not in tour and "SparkRenderer" not in tour
    boot = (dist / bundles["boot"]).read_text()
    # boot names the lazy chunks (to hint them) but imports neither the tour nor Spark
    assert f'import("./{bundles["tour"]}")' not in boot
    assert f'import("./{bundles["splats"]}")' not in boot and "SparkRenderer" not in boot
    assert entries["boot"]["imports"] == []
    # the page's boot bundle stays tiny: two buttons' wiring and the lazy entries' file
    # names (for modulepreload and the idle warm-up, itself a chunk), nothing of the tour's
    # (1.6 KB: with the WebGL probe handed to the renderer and the scene asked for at the tap)
    assert (dist / f"{bundles['boot']}.gz").stat().st_size < 1600


def test_idle_warm_up_caches_the_viewer_and_starts_spark_alone(
    tour_server: SplatServer, bundles: dict[str, str], new_context: Callable[..., Any]
) -> None:
    """Once the page has loaded and is idle, the viewer's bundles, the scene and (the scene
    has snapshots) the tour and Spark are downloaded; the viewer's stage is made unmounted
    and Spark runs on it, decoding the first tour snapshot's root tile; neither the viewer
    nor the tour is mounted. The tap takes them from the HTTP cache: each is asked of the
    server once."""
    context = new_context(locale="en-GB")
    page = context.new_page()
    page.goto(tour_url(tour_server, bundles))
    page.wait_for_selector("html[data-xr-prefetched=spark]", timeout=60_000)
    fetched = tour_server.requested
    for entry in ("viewer", "tour", "splats"):
        assert fetched.count(f"/static/dist/{bundles[entry]}") == 1, entry
    assert page.locator("#xr-stage canvas").count() == 0, "the viewer was mounted"
    assert page.evaluate("() => document.getElementById('xr-stage').dataset.state") is None
    # Spark ran: its module fetched its WebAssembly itself (the prefetch was a <link>)
    initiators = page.evaluate(
        """() => performance.getEntriesByType('resource')
            .filter((e) => e.name.endsWith('.wasm')).map((e) => e.initiatorType)"""
    )
    assert "fetch" in initiators, initiators
    page.get_by_role("button", name="Take the tour").click()
    page.wait_for_selector("#xr-stage[data-tour-stop='0']", timeout=60_000)
    page.get_by_role("button", name="Next place").click()
    page.wait_for_selector("#xr-stage[data-snapshot='farm-1']", timeout=90_000)
    for entry in ("viewer", "tour", "splats"):
        assert fetched.count(f"/static/dist/{bundles[entry]}") == 1, f"{entry} asked again"
    blobs = [p for p in fetched if p.startswith("/blobs/")]
    assert len(blobs) == len(set(blobs)), "a blob was asked for twice"


# Counts the WebGL 2 contexts the page makes, the shader programs it links, and the link
# logs it reads (three.js reads a program's on its first use: where the context has no
# KHR_parallel_shader_compile, as here, that is where the compile is waited for), from
# before the page's scripts (init scripts are not under the CSP).
COUNT_GL = """
(() => {
  window.__gl = {contexts: 0, links: 0, logs: 0};
  const made = new WeakSet();
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
    const context = getContext.call(this, type, ...rest);
    if (type === 'webgl2' && context && !made.has(context)) {
      made.add(context);
      window.__gl.contexts += 1;
    }
    return context;
  };
  const link = WebGL2RenderingContext.prototype.linkProgram;
  WebGL2RenderingContext.prototype.linkProgram = function (program) {
    window.__gl.links += 1;
    return link.call(this, program);
  };
  const log = WebGL2RenderingContext.prototype.getProgramInfoLog;
  WebGL2RenderingContext.prototype.getProgramInfoLog = function (program) {
    window.__gl.logs += 1;
    return log.call(this, program);
  };
})();
"""


def test_one_renderer_made_at_idle_draws_every_snapshot(
    tour_server: SplatServer, bundles: dict[str, str], new_context: Callable[..., Any]
) -> None:
    """The stage made at idle (its GL context, scene and compiled programs, Spark's
    included) is the one the tour draws on, for every snapshot: one WebGL context in all
    (boot's WebGL 2 probe becomes the renderer's), and no program linked after the tap —
    a renderer, or a SparkRenderer on another context, made per snapshot layer would
    make a context and link its programs again. Each program's first use (three.js reading
    its link log, which waits for the compile) was at idle too, and the context draws
    without multisampling (glContext.js)."""
    context = new_context(locale="en-GB")
    context.add_init_script(COUNT_GL)
    page = context.new_page()
    page.goto(tour_url(tour_server, bundles))
    page.wait_for_selector("html[data-xr-prefetched=spark]", timeout=60_000)
    at_idle = page.evaluate("() => ({...window.__gl})")
    assert at_idle["contexts"] == 1, at_idle
    assert at_idle["links"] >= 3, f"the diorama's, the panel's and Spark's programs: {at_idle}"

    page.get_by_role("button", name="Take the tour").click()
    page.wait_for_selector("#xr-stage[data-tour-stop='0']", timeout=60_000)
    assert stage(page, "stageMade") == "ahead", "the viewer made a stage of its own"
    for site in ("farm-1", "port-1"):
        page.get_by_role("button", name="Next place").click()
        page.wait_for_selector(f"#xr-stage[data-snapshot='{site}']", timeout=90_000)
        page.wait_for_function(f"() => Number({STAGE}.dataset.splats) > 0", timeout=90_000)
        wait_frames(page)
    after = page.evaluate("() => ({...window.__gl})")
    assert after["contexts"] == 1, f"another WebGL context was made: {after}"
    assert after["links"] == at_idle["links"], f"programs linked after the tap: {after}"
    assert after["logs"] == at_idle["logs"], f"a program's first use after the tap: {after}"
    attributes = page.evaluate(
        "() => document.querySelector('#xr-stage canvas').getContext('webgl2')"
        ".getContextAttributes()"
    )
    assert attributes["antialias"] is False, attributes


def test_without_the_idle_warm_up_the_tap_draws_on_the_probes_context(
    tour_server: SplatServer, bundles: dict[str, str], new_context: Callable[..., Any]
) -> None:
    """On Save-Data nothing is made at idle: the tap makes the stage on the context boot's
    WebGL 2 probe made, and the second snapshot is drawn with the programs of the first."""
    context = new_context(locale="en-GB")
    context.add_init_script(COUNT_GL)
    context.add_init_script(SAVE_DATA)
    page = context.new_page()
    open_tour(page, tour_url(tour_server, bundles))
    assert stage(page, "stageMade") == "on-tap"
    counts = []
    for site in ("farm-1", "port-1"):
        page.get_by_role("button", name="Next place").click()
        page.wait_for_selector(f"#xr-stage[data-snapshot='{site}']", timeout=90_000)
        page.wait_for_function(f"() => Number({STAGE}.dataset.splats) > 0", timeout=90_000)
        wait_frames(page)
        counts.append(page.evaluate("() => ({...window.__gl})"))
    assert counts[1]["contexts"] == 1, f"more than one WebGL context: {counts}"
    assert counts[1]["links"] == counts[0]["links"], f"programs linked again: {counts}"


def tour_url(server: SplatServer, bundles: dict[str, str], snapshots: bool = True) -> str:
    tilesets = {}
    if snapshots:
        for seed, site in enumerate(("farm-1", "port-1")):
            tileset = build_tiles(
                coloured_ball(SPLATS_PER_SITE, seed=seed),
                max_splats_per_tile=2_000,
                root_cap=1_500,
            )
            for tile in tileset.tiles:
                server.add(tile.content)
            tilesets[site] = "/blobs/" + server.add(json.dumps(tileset.to_json()).encode())
    manifest_sha = server.add(json.dumps(scene_manifest(tilesets)).encode())
    glb_sha = server.add(tiny_glb("farm-1", "port-1"))
    return (
        f"{server.url}/tour?boot=/static/dist/{bundles['boot']}"
        f"&manifest=/blobs/{manifest_sha}&glb=/blobs/{glb_sha}"
    )


def stage(page: Any, key: str) -> str | None:
    value: str | None = page.evaluate(f"k => {STAGE}.dataset[k] ?? null", key)
    return value


def wait_frames(page: Any, more: int = 2, key: str = "frames") -> None:
    now = int(stage(page, key) or 0)
    page.wait_for_function(
        f"([k, n]) => Number({STAGE}.dataset[k] || 0) > n", arg=[key, now + more], timeout=90_000
    )


def hue_bins(image: np.ndarray) -> int:
    """How many of 36 hue bins (10° each) the saturated, lit pixels of `image` fill.

    The snapshots are balls coloured by direction: every hue. The diorama is grey on beige
    and the panel adds a few flat badge colours, so a view without splats fills only a few.
    """
    rgb = image[::2, ::2, :3].reshape(-1, 3) / 255.0
    bins = set()
    for r, g, b in rgb:
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        if s > 0.35 and v > 0.25:
            bins.add(int(h * 36) % 36)
    return len(bins)


def open_tour(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-booted]")
    page.get_by_role("button", name="Take the tour").click()
    page.wait_for_selector("#xr-stage[data-tour-stop='0']", timeout=60_000)


def test_tour_visits_sites_with_splats_and_enters_vr(
    tour_server: SplatServer, bundles: dict[str, str], new_context: Callable[..., Any]
) -> None:
    context = new_context(locale="en-GB")
    context.add_init_script(path=str(IWER_BUNDLE))
    context.add_init_script(INSTALL_QUEST3)
    context.add_init_script(SAVE_DATA)  # no warm-up at idle: nothing loads before the tap
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    url = tour_url(tour_server, bundles)
    page.goto(url)
    page.wait_for_selector("body[data-booted]")
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise((done) => requestIdleCallback(() => setTimeout(done, 50)))")
    assert not any(
        bundles["viewer"] in u or bundles["tour"] in u or bundles["splats"] in u for u in requested
    )

    page.get_by_role("button", name="Take the tour").click()
    page.wait_for_selector("#xr-stage[data-tour-stop='0']", timeout=60_000)
    assert any(bundles["tour"] in u for u in requested), "the tour chunk should have loaded"
    # the tour will show snapshots: Spark is fetched from its start, beside the tour's chunk
    page.wait_for_function(
        "n => performance.getEntriesByType('resource').some(e => e.name.includes(n))",
        arg=bundles["splats"],
    )
    tour = page.get_by_role("region", name="Guided tour")
    assert tour.locator(".xr-tour-counter").text_content() == "Stop 1 of 3"
    assert tour.locator("h2").text_content() == "Test bar"
    assert tour.locator("h3").text_content() == "The whole journey"
    assert tour.locator(".xr-tour-body").text_content() == "The farms → Shipping"
    assert tour.get_by_role("button", name="Previous place").is_disabled()
    assert page.evaluate("() => document.activeElement.textContent") == "Next place"
    assert "Stop 1 of 3" in (tour.get_by_role("status").text_content() or "")
    wait_frames(page)
    map_view = decode_png(page.locator("#xr-stage canvas").screenshot())
    assert hue_bins(map_view) <= 6, "the map view should show no splats"

    # next site, by keyboard: stop 2, farm-1, streams its snapshot
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#xr-stage[data-tour-site='farm-1']")
    assert tour.locator(".xr-tour-counter").text_content() == "Stop 2 of 3"
    assert tour.locator("h2").text_content() == "Farm One"
    assert tour.locator("h3").text_content() == "The farms"
    badges = tour.locator(".xr-badge")
    assert badges.count() == 2
    assert badges.nth(0).get_attribute("data-status") == "warn"
    assert badges.nth(0).text_content() == "Warning Deforestation since 2020"
    # no result for child labour in the manifest: shown as unknown, never left out
    assert badges.nth(1).get_attribute("data-status") == "unknown"
    assert badges.nth(1).locator("strong").text_content() == "Unknown"
    assert "Farm One" in (tour.get_by_role("status").text_content() or "")
    page.wait_for_selector("#xr-stage[data-snapshot='farm-1']", timeout=90_000)
    assert any(bundles["splats"] in u for u in requested)
    page.wait_for_function(f"() => Number({STAGE}.dataset.splats) > 0")
    page.wait_for_function(f"() => {STAGE}.dataset.tourMoving === undefined", timeout=30_000)
    wait_frames(page)
    site_view = decode_png(page.locator("#xr-stage canvas").screenshot())
    assert hue_bins(site_view) >= 15, f"splats not visible: {hue_bins(site_view)} hue bins"

    # immersive VR, started by a click (a user gesture)
    enter = page.locator("#xr-stage button[data-xr-mode=immersive-vr]")
    enter.click()
    page.wait_for_selector("#xr-stage[data-xr=immersive-vr]")
    wait_frames(page)
    wait_frames(page, key="xrSplatFrames")  # XR frames rendered with splats drawn
    xr_view = decode_png(page.screenshot())
    assert hue_bins(xr_view) >= 12, f"no splats in the XR view: {hue_bins(xr_view)} hue bins"

    # hold the right controller by the head, point it at the panel's Next button (the panel
    # faces the user) and pull the trigger
    page.evaluate(
        """() => {
          const [x, y, z] = document.getElementById('xr-stage').dataset.tourNextAt
            .split(',').map(Number);
          const c = window.__xrDevice.controllers.right;
          c.position.set(0.2, 1.4, -0.2);
          // rotate -z onto the direction to the button
          const d = [x - c.position.x, y - c.position.y, z - c.position.z];
          const n = Math.hypot(...d);
          const to = d.map((v) => v / n);
          const from = [0, 0, -1];
          const axis = [from[1] * to[2] - from[2] * to[1], from[2] * to[0] - from[0] * to[2],
                        from[0] * to[1] - from[1] * to[0]];
          const w = 1 + (from[0] * to[0] + from[1] * to[1] + from[2] * to[2]);
          const q = [...axis, w];
          const m = Math.hypot(...q);
          c.quaternion.set(q[0] / m, q[1] / m, q[2] / m, q[3] / m);
        }"""
    )
    wait_frames(page)
    page.evaluate("() => window.__xrDevice.controllers.right.updateButtonValue('trigger', 1)")
    wait_frames(page)
    page.evaluate("() => window.__xrDevice.controllers.right.updateButtonValue('trigger', 0)")
    page.wait_for_selector("#xr-stage[data-tour-site='port-1']", timeout=30_000)
    page.wait_for_selector("#xr-stage[data-snapshot='port-1']", timeout=90_000)
    wait_frames(page, key="xrSplatFrames")
    assert stage(page, "xr") == "immersive-vr"

    # snap turn (thumbstick right) and teleport (forward, then release)
    right = "window.__xrDevice.controllers.right"
    page.evaluate(f"() => {right}.updateAxes('thumbstick', 0.9, 0)")
    page.wait_for_selector("#xr-stage[data-xr-turns='1']")
    page.evaluate(f"() => {right}.updateAxes('thumbstick', 0, 0)")
    page.evaluate(f"() => {right}.quaternion.set(0, 0, 0, 1)")
    page.evaluate(f"() => {right}.updateAxes('thumbstick', 0, -0.9)")
    wait_frames(page)
    assert page.locator("#xr-stage").get_attribute("data-xr-teleports") is None
    page.evaluate(f"() => {right}.updateAxes('thumbstick', 0, 0)")
    page.wait_for_selector("#xr-stage[data-xr-teleports='1']")
    assert stage(page, "xrTurns") == "1", "one push turns once"

    # hands: pinch pointing at the floor, away from the panel, and release to teleport
    page.evaluate("() => { window.__xrDevice.primaryInputMode = 'hand'; }")
    wait_frames(page)
    hand = "window.__xrDevice.hands.right"
    # tilted 45° down, so the arc meets the floor ahead
    page.evaluate(f"() => {hand}.quaternion.set(-0.3827, 0, 0, 0.9239)")
    wait_frames(page)
    page.evaluate(f"() => {hand}.updatePinchValue(1)")
    wait_frames(page)
    assert stage(page, "xrTeleports") == "1", "a pinch aims; the release teleports"
    page.evaluate(f"() => {hand}.updatePinchValue(0)")
    page.wait_for_selector("#xr-stage[data-xr-teleports='2']")
    assert stage(page, "tourSite") == "port-1", "a pinch away from the panel is no select"


# Records whether the stage ever said the camera was flying, from before the page's scripts.
WATCH_MOVING = """
new MutationObserver(() => {
  const stage = document.getElementById('xr-stage');
  if (stage && stage.dataset.tourMoving === 'true') window.__flew = true;
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-tour-moving']});
"""


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_reduced_motion_cuts_between_stops_and_holds_still(
    tour_server: SplatServer,
    bundles: dict[str, str],
    new_context: Callable[..., Any],
    motion: str,
) -> None:
    context = new_context(locale="en-GB", reduced_motion=motion)
    context.add_init_script(WATCH_MOVING)
    page = context.new_page()
    open_tour(page, tour_url(tour_server, bundles, snapshots=False))
    assert stage(page, "tourMotion") == ("cut" if motion == "reduce" else "fly")

    canvas = page.locator("#xr-stage canvas")
    wait_frames(page, 3)
    first = decode_png(canvas.screenshot())
    wait_frames(page, 10)
    later = decode_png(canvas.screenshot())
    moved = np.abs(first.astype(int) - later.astype(int)).max()
    if motion == "reduce":
        assert moved == 0, "the map should hold still: no auto-rotation"
    else:
        assert moved > 0, "the map turns slowly when motion is welcome"

    page.get_by_role("button", name="Next place").click()
    page.wait_for_selector("#xr-stage[data-tour-site='farm-1']")
    wait_frames(page, 3)
    at_stop = decode_png(canvas.screenshot())
    wait_frames(page, 3)
    still = decode_png(canvas.screenshot())
    settled = np.array_equal(at_stop, still)
    flew = page.evaluate("() => window.__flew === true")
    if motion == "reduce":
        assert not flew, "with reduced motion the camera cuts, it never flies"
        assert settled, "after a cut the view is already in place"
    else:
        assert flew, "the camera should fly between stops"
        page.wait_for_function(f"() => {STAGE}.dataset.tourMoving === undefined")


def test_exit_tour_restores_the_viewer(
    tour_server: SplatServer, bundles: dict[str, str], page: Any
) -> None:
    open_tour(page, tour_url(tour_server, bundles, snapshots=False))
    assert page.locator("#xr-stage .xr-sites").is_hidden(), "the tour replaces the site list"
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#xr-stage[data-tour-site='farm-1']")
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector("#xr-stage[data-tour-site='map']")
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => {STAGE}.dataset.tour === undefined")
    assert page.evaluate("() => document.activeElement.textContent") == "Take the tour"
    assert page.get_by_role("region", name="Guided tour").count() == 0
    assert page.locator("#xr-stage .xr-sites").is_visible()
    # and it starts again, and its Exit button leaves it too
    page.get_by_role("button", name="Take the tour").click()
    page.wait_for_selector("#xr-stage[data-tour-stop='0']")
    page.get_by_role("button", name="Exit tour").click()
    page.wait_for_function(f"() => {STAGE}.dataset.tour === undefined")


def test_clicking_the_3d_panels_next_button_moves_on(
    tour_server: SplatServer, bundles: dict[str, str], page: Any
) -> None:
    open_tour(page, tour_url(tour_server, bundles, snapshots=False))
    page.wait_for_function(f"() => {STAGE}.dataset.tourNextNdc")
    box = page.locator("#xr-stage canvas").bounding_box()
    x, y = (float(v) for v in stage(page, "tourNextNdc").split(","))
    at = (box["x"] + (x + 1) / 2 * box["width"], box["y"] + (1 - y) / 2 * box["height"])
    page.mouse.click(*at)
    page.wait_for_selector("#xr-stage[data-tour-site='farm-1']")


def test_tour_on_the_german_batch_page_speaks_german(
    built_server: Any, new_context: Callable[..., Any]
) -> None:
    """The real page, scene and manifest: every word of the tour comes from the server."""
    from babel.support import Translations

    from server.core.checks_text import CHECK_NAMES, STATUS_NAMES
    from tests.e2e.conftest import BATCH_PATH, ROOT

    de = Translations.load(str(ROOT / "translations"), ["de"])
    page = new_context(
        locale="de-DE", extra_http_headers={"Accept-Language": "de"}, reduced_motion="reduce"
    ).new_page()
    page.goto(built_server.url + BATCH_PATH)
    page.get_by_role("button", name=de.gettext("Take the tour")).click()
    page.wait_for_selector("#xr-stage[data-tour-stop='0']", timeout=60_000)
    tour = page.get_by_role("region", name=de.gettext("Guided tour"))
    counter = tour.locator(".xr-tour-counter").text_content() or ""
    assert counter.startswith("Station 1 von "), counter
    assert tour.locator("h3").text_content() == de.gettext("The whole journey")
    assert tour.locator("h2").text_content() == page.locator("h1").text_content()

    page.get_by_role("button", name=de.gettext("Next place")).click()
    page.wait_for_selector("#xr-stage[data-tour-stop='1']")
    story = json.loads((ROOT / "brands/nkabom/stories/de.json").read_text())["chapters"]
    assert tour.locator("h3").text_content() == story["farms"]["title"]
    badges = tour.locator(".xr-badge")
    names = {de.gettext(name): key for key, name in CHECK_NAMES.items()}
    statuses = {de.gettext(name): key for key, name in STATUS_NAMES.items()}
    assert badges.count() == 4  # brands/nkabom/brand.json: the farms chapter's checks
    seen = {}
    for i in range(badges.count()):
        badge = badges.nth(i)
        status_word = badge.locator("strong").text_content() or ""
        assert statuses.get(status_word) == badge.get_attribute("data-status"), status_word
        rest = (badge.text_content() or "")[len(status_word) :].strip()
        # the name, then the figure in brackets when the check has one
        name = next((n for n in names if rest == n or rest.startswith(f"{n} (")), None)
        assert name, f"{rest!r} does not start with a German check name"
        seen[names[name]] = badge.get_attribute("data-status")
    # the page's own evidence section says the same
    assert seen["known_origin_share"] == "fail"
    assert seen["yield_plausibility"] == "warn"


NO_WEBGL2 = """
HTMLCanvasElement.prototype.getContext = ((original) => function (type, ...rest) {
  return type === 'webgl2' ? null : original.call(this, type, ...rest);
})(HTMLCanvasElement.prototype.getContext);
"""


def test_without_webgl2_the_tour_keeps_the_poster_and_says_why(
    built_server: Any, new_context: Callable[..., Any]
) -> None:
    from tests.e2e.conftest import BATCH_PATH

    context = new_context(locale="en-GB")
    context.add_init_script(NO_WEBGL2)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(built_server.url + BATCH_PATH)
    page.get_by_role("button", name="Take the tour").click()
    page.wait_for_selector("#xr-stage[data-state=unsupported]")
    status = page.locator("#xr-stage .xr-status")
    assert status.is_visible()
    assert "WebGL 2 is missing" in (status.text_content() or "")
    assert page.locator("img.poster").is_visible()
    assert page.locator("img.poster").evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("#xr-stage canvas").count() == 0, "no blank canvas"
    assert not any("/static/dist/viewer-" in u or "/static/dist/tour-" in u for u in requested)


def test_tour_in_immersive_ar_without_surfaces_says_where_the_diorama_is(
    tour_server: SplatServer, bundles: dict[str, str], new_context: Callable[..., Any]
) -> None:
    """IWER grants 'hit-test' but finds no surfaces without its synthetic-environment module:
    the tour's visible fallback (diorama in front of the user, and a note) is what runs."""
    context = new_context(locale="en-GB")
    context.add_init_script(path=str(IWER_BUNDLE))
    context.add_init_script(INSTALL_QUEST3)
    page = context.new_page()
    open_tour(page, tour_url(tour_server, bundles, snapshots=False))
    page.locator("#xr-stage button[data-xr-mode=immersive-ar]").click()
    page.wait_for_selector("#xr-stage[data-xr=immersive-ar]")
    page.wait_for_selector("#xr-stage[data-ar-hit-test=false]")
    note = page.locator("#xr-stage .xr-tour-status")  # in the session's DOM overlay
    assert note.text_content() == "No surfaces"
    assert note.is_visible()
    wait_frames(page)
    # the tour goes on in AR (IWER covers the page: send the click event itself)
    page.get_by_role("button", name="Next place").dispatch_event("click")
    page.wait_for_selector("#xr-stage[data-tour-site='farm-1']")
    wait_frames(page)
    page.locator("#xr-stage button[data-xr-mode=immersive-ar]").dispatch_event("click")
    page.wait_for_function(f"() => {STAGE}.dataset.xr === undefined")
    assert note.is_hidden(), "the AR note goes with the session"


# A room of one surface for IWER's synthetic-environment module (its capture JSON format, as
# in @iwer/sem/captures/): a 3 m table top 0.75 m above the floor, in front of the user.
TABLE_TOP = 0.75
ONE_TABLE_ROOM = {
    "type": "scene",
    "version": 1,
    "spatialEntities": [
        {
            "uuid": "0b7c1b5e-7f1e-4d8e-9a55-5f3a3c6d2a10",
            "semanticLabel_META": "TABLE",
            # facing up, as the captures' floors and tables are (180° about x)
            "locatable_META": {
                "orientation": {"x": 1.0, "y": 0.0, "z": 0.0, "w": 0.0},
                "position": {"x": 0.0, "y": TABLE_TOP, "z": -1.0},
            },
            "bounded2D_META": {
                "offset": {"x": -1.5, "y": -1.5},
                "extent": {"width": 3.0, "height": 3.0},
            },
        }
    ],
}
# the headset 1.6 m up, looking 45° down: its viewer ray meets the table 0.85 m ahead
LOOK_DOWN = (
    "window.__xrDevice.installSEM(IWER_SEM.SyntheticEnvironmentModule);"
    f"window.__xrDevice.sem.loadEnvironment({json.dumps(ONE_TABLE_ROOM)});"
    "window.__xrDevice.position.set(0, 1.6, 0);"
    "window.__xrDevice.quaternion.set(-0.3826834, 0, 0, 0.9238795);"
)


def test_tour_in_immersive_ar_places_the_diorama_on_a_found_surface(
    tour_server: SplatServer, bundles: dict[str, str], new_context: Callable[..., Any]
) -> None:
    """With IWER's synthetic environment, hit-test finds the table the headset looks at:
    the tour asks for a tap, and a controller's select puts the diorama on the table."""
    context = new_context(locale="en-GB")
    context.add_init_script(path=str(IWER_BUNDLE))
    context.add_init_script(path=str(IWER_SEM_BUNDLE))
    context.add_init_script(INSTALL_QUEST3)
    context.add_init_script(LOOK_DOWN)
    page = context.new_page()
    open_tour(page, tour_url(tour_server, bundles, snapshots=False))
    page.locator("#xr-stage button[data-xr-mode=immersive-ar]").click()
    page.wait_for_selector("#xr-stage[data-xr=immersive-ar]")
    page.wait_for_selector("#xr-stage[data-ar-hit-test=true]")
    note = page.locator("#xr-stage .xr-tour-status")
    assert note.text_content() == "Tap to place"
    assert stage(page, "arPlaced") is None
    wait_frames(page)  # hit-test results come with frames: the reticle is on the table
    page.evaluate("() => window.__xrDevice.controllers.right.updateButtonValue('trigger', 1)")
    wait_frames(page, 1)
    page.evaluate("() => window.__xrDevice.controllers.right.updateButtonValue('trigger', 0)")
    page.wait_for_function(f"() => {STAGE}.dataset.arPlaced !== undefined")
    x, y, z = (float(v) for v in (stage(page, "arPlaced") or "").split(","))
    # the point the viewer's ray meets the table top, 45° below the eyes
    assert abs(y - TABLE_TOP) < 0.02, f"placed at height {y}, not on the table"
    assert abs(x) < 0.02 and abs(z - -(1.6 - TABLE_TOP)) < 0.05, (x, z)
    assert note.is_hidden(), "the request to tap goes once the diorama is placed"
    wait_frames(page)  # and the session renders on with the diorama on the table
    page.locator("#xr-stage button[data-xr-mode=immersive-ar]").dispatch_event("click")
    page.wait_for_function(f"() => {STAGE}.dataset.xr === undefined")
    assert stage(page, "arPlaced") is None
