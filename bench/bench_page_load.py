"""Measure what a shopper's phone sees: batch page paint, 3D viewer start, a site's splats.

Run from the repository root::

    .venv/bin/python -m bench.bench_page_load [--runs 3]
        [--redis-url redis://127.0.0.1:6379/10] [--save F] [--baseline F]
        [--chromium /usr/bin/chromium] [--only page|tour] [--dist DIR] [--old-dist DIR]

It builds the demo brand into a throw-away instance (SQLite in a temporary folder, the
Redis database at ``--redis-url`` flushed before and after), adds the demo reality
snapshots, runs the tiling (``default``) and the builds (``builds``) queues, serves the app
with a threaded Werkzeug server and drives Debian's chromium through Playwright under
Lighthouse's slow-4G profile (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up, via CDP
``Network.emulateNetworkConditions``) and 4× CPU slowdown (``Emulation.setCPUThrottlingRate``).
Each run uses a fresh browser context (cold cache); figures are medians over the runs.
It prints figures (ms and bytes) and asserts nothing.

Phases:

- batch page NK25-0227: FCP, LCP (and the LCP element's tag), DOMContentLoaded, bytes
  transferred (encoded body + headers of every response, document included) and requests;
  with the idle warm-up, also what it costs the main thread until Spark is started: long
  tasks (over 50 ms) after the load event, the longest, and their blocking time; and FCP and
  LCP once more in a browser rastering on the CPU (``--disable-gpu-rasterization``):
  SwiftShader, which WebGL needs here, rasters the page too, in software in the GPU process
  (~0.27 s of the first paint on a 2-core machine), which a phone's GPU does not cost; neither
  figure throttles raster 4× as it does the main thread;
- tap "Explore in 3D": time from the tap to ``#xr-stage[data-state=ready]`` and to the first
  rendered frame (``dataset.frames`` ≥ 1), bytes and requests finished by then;
- batch NK25-0120: tap "Explore in 3D", wait until ready, pick farm-01 in the site list, time
  from the pick to ``#xr-stage[data-snapshot=farm-01]`` (splats loaded), bytes by kind (Spark
  chunk, Spark's WebAssembly, tileset, tiles, other) finished by then, and all bytes once
  the network is idle (the tiles refined after the first ones show);
- tour, batch NK25-0120: tap "Take the tour", then "Next place" as soon as the tour shows
  (again until a stop with a snapshot; Playwright's ``force`` click: no wait for the button
  to hold still over two frames, which no finger waits for), time from the tap to the
  tour's first stop and to
  the first frame with splats drawn (``dataset.splats`` > 0, set after that frame rendered;
  and, to see what Spark's sort adds, to the first tiles handed to Spark,
  ``dataset.splatsLoaded`` > 0 — what ``dataset.splats`` meant before it waited for the sort),
  and the bytes finished by then by kind (viewer and three.js chunks, tour chunk, Spark
  chunk and WebAssembly, GLB, manifest, tileset, tiles, other) — what dominates the wait.

Each timed tap is measured in up to three ways in the same run (same server, same
browser), so each change shows beside what it replaced:

- *cold*: nothing cached and no idle warm-up (the page is told Save-Data, which
  web/xr/warmCache.js honours), the bundles brotli-compressed (Chromium's own
  ``Accept-Encoding``);
- *gzip*: cold, with ``Accept-Encoding: gzip, deflate``: the bundles as they were sent
  before brotli siblings existed;
- *prefetched*: the page left to warm its cache at idle (``html[data-xr-prefetched]``:
  ``viewer`` for the 3D tap, ``splats`` for the tour, then ``spark`` once Spark has been
  started at idle) before the tap.

Every tap's time is its click event's own time stamp (``event.timeStamp``), not the moment
the bench called Playwright's ``click()``: between the two are Playwright's checks and round
trips (0.1–0.4 s here, more on a busy page), no part of what a shopper waits for. The
tour prints what they came to (``click asked → tap``), left out of its figures; a figure
of a run before 8 December 2026 includes it.

The tour's "first frame with splats" is the first frame after which the stage's
``data-splats`` is above 0: web/xr/viewer.js sets it only once Spark has sorted the shown
tiles (its draw count, ``activeSplats``, is theirs), not as soon as a tile has decoded.

The site-pick phase runs cold. Run ``--only tour`` for the tour phases alone, ``--only
page`` for the batch page's paint (FCP, LCP) alone.

``--old-dist DIR`` measures a saved copy of the built bundles (``cp -r web/static/dist
/tmp/dist-old`` before a change) beside the current ones in the same run: one pass of each
in turn, ``--runs`` times, each on a fresh instance; the old figures are printed as the
baseline, with the ratio new/old.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.serving import make_server

from bench.chromium import CHROMIUM_ARGS
from bench.figures import load_baseline, print_table, save

ROOT = Path(__file__).resolve().parents[1]
PAGE_BATCH = "/01/09520123100025/10/NK25-0227"
SNAPSHOT_BATCH = "/01/09520123100018/10/NK25-0120"  # its farms include farm-01
SNAPSHOT_SITE = "farm-01"
VIEWPORT = {"width": 412, "height": 915}
SLOW_4G = {
    "offline": False,
    "latency": 150,  # ms round trip
    "downloadThroughput": 1.6e6 / 8,  # bytes/s (applies to worker fetches too)
    "uploadThroughput": 750e3 / 8,
}
CPU_SLOWDOWN = 4
# SwiftShader (which WebGL needs here) also rasters the page in the GPU process, in software:
# ~0.27 s of the first paint on this machine, a cost a phone's GPU does not have. The page's
# paint is measured again in a second browser that rasters on the CPU's raster threads.
CPU_RASTER = "--disable-gpu-rasterization"
TIMEOUT_MS = 180_000
SPARK_WAIT_MS = 20_000
GZIP_ONLY = {"Accept-Encoding": "gzip, deflate"}
# what a browser in data-saver mode tells the page: the idle warm-up stays off
SAVE_DATA = (
    "Object.defineProperty(Navigator.prototype, 'connection',"
    " {get: () => ({saveData: true, effectiveType: '4g'})});"
)
# the variants of a timed tap: (figure prefix, Accept-Encoding override, Save-Data, wait for)
VARIANTS = (
    ("", None, True, None),
    ("gzip ", GZIP_ONLY, True, None),
    ("prefetched ", None, False, "prefetched"),
)

# Installed before any page script: collects paint and LCP entries as they happen.
INIT_SCRIPT = """
window.__bench = {lcp: null, lcpTag: null, lcpUrl: null};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.__bench.lcp = e.startTime;
    window.__bench.lcpTag = e.element ? e.element.tagName.toLowerCase() : (e.url ? 'img?' : null);
    window.__bench.lcpUrl = e.url || null;
  }
}).observe({type: 'largest-contentful-paint', buffered: true});
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
}).observe({type: 'longtask', buffered: true});
window.__taps = [];
document.addEventListener('click', (e) => window.__taps.push(e.timeStamp), true);
"""

# Records performance.now() at the first moment the stage reaches each milestone.
WATCH_STAGE = """
(site) => {
  const stage = document.getElementById('xr-stage');
  const marks = (window.__marks = {});
  const check = () => {
    const now = performance.now();
    if (stage.dataset.state === 'ready' && marks.ready === undefined) marks.ready = now;
    if (stage.dataset.state === 'failed' && marks.failed === undefined) marks.failed = now;
    if (Number(stage.dataset.frames || 0) >= 1 && marks.frame === undefined) marks.frame = now;
    if (site && stage.dataset.snapshot === site && marks.snapshot === undefined)
      marks.snapshot = now;
    if (stage.dataset.tour === 'on' && marks.tour === undefined) marks.tour = now;
    if (Number(stage.dataset.splats || 0) > 0 && marks.splats === undefined) marks.splats = now;
    // bundles from before data-splats-loaded: their data-splats had its meaning
    const loaded = stage.dataset.splatsLoaded ?? (stage.dataset.splats || '0');
    if (Number(loaded) > 0 && marks.loaded === undefined) marks.loaded = now;
    if (stage.dataset.snapshot === 'failed' && marks.snapshotFailed === undefined)
      marks.snapshotFailed = now;
  };
  new MutationObserver(check).observe(stage, {attributes: true});
  check();
}
"""


class Traffic:
    """Every finished HTTP request of a browser context, dedicated workers' included
    (Spark fetches the splat tiles from a worker, which a page CDP session does not see)."""

    def __init__(self, context: Any) -> None:
        self.requests: list[Any] = []
        context.on("requestfinished", self._finished)

    def _finished(self, request: Any) -> None:
        self.requests.append(request)

    def mark(self) -> int:
        """Return a cursor: requests finished from now on are after it."""
        return len(self.requests)

    def since(self, cursor: int, until_epoch_ms: float | None = None) -> list[tuple[str, int]]:
        """(url, bytes on the wire) of http(s) requests after `cursor`, ended by `until`.

        Bytes are the encoded body plus the response headers, as Chromium received them."""
        got = []
        for request in self.requests[cursor:]:
            if not request.url.startswith("http"):
                continue  # blob: and data: worker scripts cost no network
            timing = request.timing
            end = timing["startTime"] + timing["responseEnd"]
            if until_epoch_ms is not None and end > until_epoch_ms:
                continue
            sizes = request.sizes()
            size = max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
            got.append((request.url, size))
        return got


def _kind(url: str, tileset: str) -> str:
    if "/static/dist/splats-" in url:
        return "spark chunk"
    if "/static/dist/spark-" in url and url.endswith(".wasm"):
        return "spark wasm"
    if url.endswith(tileset):
        return "tileset"
    if "/blobs/" in url:
        return "tiles"
    return "other"


TOUR_KINDS = (
    "viewer chunk",
    "three.js chunk",
    "tour chunk",
    "spark chunk",
    "spark wasm",
    "glb",
    "manifest",
    "tileset",
    "tiles",
    "other",
)


def _tour_kind(url: str, scene: dict[str, Any]) -> str:
    """What a response of the tour phase was, for the bytes-by-kind breakdown."""
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    path = "/" + path.split("?", 1)[0]
    for prefix, kind in (
        ("/static/dist/viewer-", "viewer chunk"),
        ("/static/dist/chunk-", "three.js chunk"),
        ("/static/dist/tour-", "tour chunk"),
        ("/static/dist/splats-", "spark chunk"),
        ("/static/dist/spark-", "spark wasm"),  # web/build.mjs takes it out of the chunk
    ):
        if path.startswith(prefix):
            return kind
    if path == scene["glb"]:
        return "glb"
    if path == scene["manifest"]:
        return "manifest"
    if path in scene["tilesets"]:
        return "tileset"
    if path.startswith("/blobs/"):
        return "tiles"
    return "other"


def scene_urls(app: Any, batch: str) -> dict[str, Any]:
    """The manifest and GLB paths of `batch`'s page, and its snapshot sites' tilesets."""
    client = app.test_client()
    html = client.get(batch).get_data(as_text=True)
    urls = {}
    for name in ("manifest", "glb"):
        start = html.index(f'data-{name}-url="') + len(f'data-{name}-url="')
        urls[name] = html[start : html.index('"', start)]
    manifest = client.get(urls["manifest"]).get_json(force=True)
    tilesets = {s["site"]: s["tileset"] for s in manifest.get("snapshots", [])}
    return {**urls, "tilesets": set(tilesets.values()), "sites": set(tilesets)}


def tileset_url(app: Any) -> str:
    """The tileset path of SNAPSHOT_SITE in SNAPSHOT_BATCH's scene manifest."""
    client = app.test_client()
    html = client.get(SNAPSHOT_BATCH).get_data(as_text=True)
    start = html.index('data-manifest-url="') + len('data-manifest-url="')
    manifest = client.get(html[start : html.index('"', start)]).get_json(force=True)
    for snapshot in manifest.get("snapshots", []):
        if snapshot["site"] == SNAPSHOT_SITE:
            return str(snapshot["tileset"])
    raise RuntimeError(f"{SNAPSHOT_SITE} has no snapshot in the {SNAPSHOT_BATCH} manifest")


def built_app(instance: Path, redis_url: str, dist_from: Path | None = None) -> Any:
    """Return an app on `instance`: demo brand, builds done, demo snapshots tiled and built;
    its bundles are a copy of `dist_from` (default: web/static/dist)."""
    from redis import Redis

    from server.adapters.blobs import blob_store
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.services.brand_pack import load_pack
    from server.services.demo_snapshots import add_demo_snapshots
    from server.services.snapshots import SnapshotLimits
    from server.web import create_app
    from workers.worker import run_worker

    Redis.from_url(redis_url).flushdb()
    # a copy of the built bundles: a rebuild during the run cannot pull them from under it
    dist = instance / "dist"
    shutil.copytree(dist_from or ROOT / "web" / "static" / "dist", dist)
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "REDIS_URL": redis_url,
            "DATABASE_URL": f"sqlite:///{instance}/bench.sqlite3",
            "STATIC_DIST": str(dist),
        }
    )
    upgrade(db.engine_for(app))
    store = blob_store(app)
    with app.app_context():
        load_pack(db.session, store, ROOT / "brands" / "nkabom")
    client = app.test_client()
    for uri in (PAGE_BATCH, SNAPSHOT_BATCH):  # the first request enqueues the builds
        if client.get(uri).status_code != 200:
            raise RuntimeError(f"{uri} did not answer 200 before the builds")
    with app.app_context():
        run_worker(app, broker.redis, ["builds"], burst=True)
        add_demo_snapshots(
            db.session, store, broker.redis, "nkabom", SnapshotLimits.from_config(app.config)
        )
        run_worker(app, broker.redis, ["default"], burst=True)  # tiling
        run_worker(app, broker.redis, ["builds"], burst=True)  # scenes with snapshots
    html = client.get(SNAPSHOT_BATCH).get_data(as_text=True)
    if "data-manifest-url=" not in html:
        raise RuntimeError(f"{SNAPSHOT_BATCH} has no 3D manifest after the builds")
    return app


def _new_page(
    browser: Any, headers: dict[str, str] | None = None, save_data: bool = False
) -> tuple[Any, Any, Traffic]:
    context = browser.new_context(
        viewport=VIEWPORT,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="en",
        extra_http_headers={"Accept-Language": "en", **(headers or {})},
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(INIT_SCRIPT)
    if save_data:
        page.add_init_script(SAVE_DATA)
    traffic = Traffic(context)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return context, page, traffic


def _epoch(page: Any, mark: float) -> float:
    """Wall-clock ms (as in Playwright request timing) of the page's performance.now() `mark`."""
    return float(page.evaluate("performance.timeOrigin")) + mark


def _wait_quiet(page: Any, traffic: Traffic, quiet_ms: int = 3000, cap_ms: int = 60_000) -> None:
    """Wait until no request has finished for `quiet_ms` (the splat layer re-selects tiles
    every 15 frames, so gaps longer than networkidle's 500 ms are normal)."""
    seen, still, waited = traffic.mark(), 0, 0
    while still < quiet_ms and waited < cap_ms:
        page.wait_for_timeout(250)
        waited += 250
        now = traffic.mark()
        still = still + 250 if now == seen else 0
        seen = now


def _warm_up_blocking(page: Any, load_ms: float) -> dict[str, float]:
    """What the idle warm-up costs the main thread of a slow phone (4× CPU): the long tasks
    (over 50 ms) from the load event until Spark has been started at idle — their count, the
    longest, and their blocking time (what each holds the thread past 50 ms, as in Total
    Blocking Time): a tap or a scroll meanwhile waits up to the longest."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_selector("html[data-xr-prefetched=spark]", timeout=SPARK_WAIT_MS)
    page.wait_for_timeout(200)  # the last long task's entry is reported after it ends
    tasks = [d for start, d in page.evaluate("window.__longTasks") if start >= load_ms]
    name = "page with warm-up: warm-up"
    return {
        f"{name} long tasks": float(len(tasks)),
        f"{name} longest task (ms)": max(tasks, default=0.0),
        f"{name} blocking time (ms)": sum(d - 50 for d in tasks),
    }


def _tap(page: Any, target: str | Any, force: bool = False) -> tuple[float, float]:
    """Click `target` (a button's name, or a locator); return when the bench asked for the
    click and the click event's own time stamp (performance.now() time): the tap, as the
    page received it.

    Between the two are Playwright's round trips and (unless `force`) its wait for the
    button to hold still over two animation frames, which no finger waits for. The time
    stamp is when the browser took the input: a busy main thread's delay in handling it
    comes after, so it stays in every figure measured from the tap."""
    locator = page.get_by_role("button", name=target) if isinstance(target, str) else target
    taps = int(page.evaluate("window.__taps.length"))
    asked: float = page.evaluate("performance.now()")
    locator.click(force=force)
    page.wait_for_function(f"() => window.__taps.length > {taps}", polling=50)
    tapped: float = page.evaluate(f"window.__taps[{taps}]")
    return asked, tapped


def _tap_3d(page: Any, site: str | None) -> tuple[float, float]:
    page.evaluate(WATCH_STAGE, site)
    return _tap(page, "Explore in 3D")


def _wait_mark(page: Any, name: str) -> float:
    page.wait_for_function(
        f"() => window.__marks.{name} !== undefined || window.__marks.failed !== undefined"
        " || window.__marks.snapshotFailed !== undefined",
        polling=100,
        timeout=TIMEOUT_MS,
    )
    marks: dict[str, float] = page.evaluate("window.__marks")
    if name not in marks:
        raise RuntimeError(f"stage failed before {name!r}: {marks}")
    return marks[name]


def _open(
    browser: Any, url: str, headers: dict[str, str] | None, save_data: bool, warm: str | None
) -> tuple[Any, Any, Traffic]:
    """Open `url` in a fresh context; with `warm`, wait until the idle warm-up did it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context, page, traffic = _new_page(browser, headers, save_data)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    if warm:  # "viewer" is set first, then "splats" (for a scene with snapshots)
        wanted = "html[data-xr-prefetched]"
        if warm == "splats":  # it may be "spark" already by the time it is looked at
            wanted = "html[data-xr-prefetched=splats], html[data-xr-prefetched=spark]"
        page.wait_for_selector(wanted, timeout=TIMEOUT_MS)
        if warm == "splats":
            # then "spark" once Spark has been started at idle (bundles built before that
            # step never say it: a --dist of them waits SPARK_WAIT_MS for nothing)
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_selector("html[data-xr-prefetched=spark]", timeout=SPARK_WAIT_MS)
        page.wait_for_load_state("networkidle")
    return context, page, traffic


def run_tour(
    browser: Any,
    base_url: str,
    scene: dict[str, Any],
    figures: dict[str, float],
    prefix: str = "",
    headers: dict[str, str] | None = None,
    save_data: bool = True,
    warm: str | None = None,
) -> list[tuple[str, int]]:
    """Tap "Take the tour" on SNAPSHOT_BATCH, step to the first stop with a snapshot, and
    record tap → tour and tap → first frame with splats; return the responses by then."""
    context, page, traffic = _open(
        browser, base_url + SNAPSHOT_BATCH, headers, save_data, warm and "splats"
    )
    page.evaluate(WATCH_STAGE, None)
    cursor = traffic.mark()
    asked, start = _tap(page, "Take the tour")
    shown = _wait_mark(page, "tour")
    # the shopper goes on at once: "Next place" until a stop has a snapshot (a tap as soon
    # as the stop shows it: no wait for the button to hold still over two frames)
    stage = page.locator("#xr-stage")
    waits = []
    for _ in range(12):
        if stage.get_attribute("data-tour-site") in scene["sites"]:
            break
        waits.append(_tap(page, "Next place", force=True))
    else:
        raise RuntimeError("no tour stop with a snapshot within 12 stops")
    splats = _wait_mark(page, "splats")
    loaded = _wait_mark(page, "loaded")
    got = traffic.since(cursor, _epoch(page, splats))
    figures[f"tour {prefix}: tap → first stop (ms)".replace(" :", ":")] = shown - start
    figures[f"tour {prefix}: tap → first frame with splats (ms)".replace(" :", ":")] = (
        splats - start
    )
    figures[f"tour {prefix}: tap → first tiles handed to Spark (ms)".replace(" :", ":")] = (
        loaded - start
    )
    figures[f"tour {prefix}: transferred by splats (bytes)".replace(" :", ":")] = float(
        sum(size for _, size in got)
    )
    # the page's own share: less the wait, between the first stop shown and the "Next place"
    # tap, for the bench to tap (what a shopper reading the first stop takes far longer for);
    # with one such tap (more would leave page time between them unaccounted)
    if len(waits) == 1:
        figures[
            f"tour {prefix}: tap → first splats, less the wait for Next (ms)".replace(" :", ":")
        ] = splats - start - (waits[-1][1] - shown)
    # what the bench's clicks took beyond the taps, left out of the figures above
    figures[f"tour {prefix}: click asked → tap, both taps (ms)".replace(" :", ":")] = (
        start - asked + sum(tapped - at for at, tapped in waits)
    )
    if prefix:  # the breakdown by kind is the cold run's
        context.close()
        return got
    figures["tour: requests by splats"] = float(len(got))
    by_kind: Counter[str] = Counter()
    for url, size in got:
        by_kind[_tour_kind(url, scene)] += size
    for kind in TOUR_KINDS:
        figures[f"tour: {kind} by splats (bytes)"] = float(by_kind[kind])
    context.close()
    return got


def run_3d(
    browser: Any,
    base_url: str,
    figures: dict[str, float],
    notes: dict[str, Any],
    prefix: str = "",
    headers: dict[str, str] | None = None,
    save_data: bool = True,
    warm: str | None = None,
) -> None:
    """Tap "Explore in 3D" on PAGE_BATCH: tap → ready and → first frame, bytes by then."""
    context, page, traffic = _open(
        browser, base_url + PAGE_BATCH, headers, save_data, warm and "viewer"
    )
    cursor = traffic.mark()
    _, start = _tap_3d(page, None)
    ready = _wait_mark(page, "ready")
    frame = _wait_mark(page, "frame")
    name = f"3D {prefix}".strip()
    figures[f"{name}: tap → ready (ms)"] = ready - start
    figures[f"{name}: tap → first frame (ms)"] = frame - start
    page.wait_for_load_state("networkidle")
    got = traffic.since(cursor, _epoch(page, max(ready, frame)))
    figures[f"{name}: transferred by first frame (bytes)"] = float(sum(s for _, s in got))
    if not prefix:
        figures["3D: requests by first frame"] = float(len(got))
        notes["3d_requests"] = got
    context.close()


def _paint(page: Any) -> dict[str, Any]:
    """Wait for the page to settle; return its FCP, LCP (and element), DCL and load event."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)  # let the last LCP candidate be reported
    paint: dict[str, Any] = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return {fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd,
                  load: nav.loadEventEnd, lcp: window.__bench.lcp,
                  tag: window.__bench.lcpTag, url: window.__bench.lcpUrl};
        }"""
    )
    return paint


def run_once(
    browser: Any,
    base_url: str,
    tileset: str,
    scene: dict[str, Any],
    only: str | None = None,
    raster_browser: Any = None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """One cold-cache pass over the phases; returns figures and notes (LCP tag...).

    With `raster_browser` (a Chromium rastering pages on the CPU), the batch page's paint
    is measured in it too."""
    figures: dict[str, float] = {}
    notes: dict[str, Any] = {"lcp_tag": None}
    if only == "tour":
        _tours(browser, base_url, scene, figures, notes)
        return figures, notes

    # one unmeasured load first: the server's caches (rendered pages, compressed blobs) and
    # the browser's start-up are then not charged to whichever phase happens to go first
    context, page, _ = _new_page(browser, save_data=True)
    page.goto(base_url + PAGE_BATCH, wait_until="load")
    context.close()
    # batch page NK25-0227: without the idle warm-up (Save-Data), then with it
    for name, save_data in (("page", True), ("page with warm-up", False)):
        context, page, traffic = _new_page(browser, save_data=save_data)
        page.goto(base_url + PAGE_BATCH, wait_until="load")
        paint = _paint(page)
        # the page's own bytes: what finished by its load event (the document included)
        page_traffic = traffic.since(0, _epoch(page, paint["load"]))
        figures[f"{name}: FCP (ms)"] = paint["fcp"]
        figures[f"{name}: LCP (ms)"] = paint["lcp"]
        figures[f"{name}: load event (ms)"] = paint["load"]
        figures[f"{name}: transferred by load (bytes)"] = float(sum(s for _, s in page_traffic))
        if save_data:
            figures["page: DOMContentLoaded (ms)"] = paint["dcl"]
            figures["page: requests by load"] = float(len(page_traffic))
            notes["lcp_tag"] = paint["tag"]
            notes["lcp_url"] = paint["url"]
            notes["page_requests"] = page_traffic
        else:
            warmed = traffic.since(len(page_traffic))
            figures["page with warm-up: warm-up transferred (bytes)"] = float(
                sum(s for _, s in warmed)
            )
            figures.update(_warm_up_blocking(page, paint["load"]))
        context.close()
    if raster_browser is not None:
        # the same page painted by a browser rastering on the CPU, not through SwiftShader
        context, page, _ = _new_page(raster_browser, save_data=True)
        page.goto(base_url + PAGE_BATCH, wait_until="load")
        paint = _paint(page)
        figures["page, CPU raster: FCP (ms)"] = paint["fcp"]
        figures["page, CPU raster: LCP (ms)"] = paint["lcp"]
        context.close()
    if only == "page":
        return figures, notes
    for prefix, headers, save_data, warm in VARIANTS:
        run_3d(browser, base_url, figures, notes, prefix, headers, save_data, warm)

    # batch NK25-0120: 3D, then pick farm-01 in the site list
    context, page, traffic = _new_page(browser, save_data=True)
    page.goto(base_url + SNAPSHOT_BATCH, wait_until="load")
    page.wait_for_load_state("networkidle")
    _tap_3d(page, SNAPSHOT_SITE)
    _wait_mark(page, "ready")
    _wait_mark(page, "frame")
    page.wait_for_load_state("networkidle")
    cursor = traffic.mark()
    _, start = _tap(page, page.locator(f"#xr-stage button[data-site-id='{SNAPSHOT_SITE}']"))
    loaded = _wait_mark(page, "snapshot")
    page.wait_for_load_state("networkidle")  # tiles refined after the first ones show
    got = traffic.since(cursor, _epoch(page, loaded))
    figures["splats: pick → loaded (ms)"] = loaded - start
    figures["splats: transferred by loaded (bytes)"] = float(sum(s for _, s in got))
    figures["splats: requests by loaded"] = float(len(got))
    by_kind: Counter[str] = Counter()
    for url, size in got:
        by_kind[_kind(url, tileset)] += size
    for kind in ("spark chunk", "spark wasm", "tileset", "tiles", "other"):
        figures[f"splats: {kind} by loaded (bytes)"] = float(by_kind[kind])
    _wait_quiet(page, traffic)
    settled = traffic.since(cursor)
    figures["splats: transferred, settled (bytes)"] = float(sum(s for _, s in settled))
    figures["splats: requests, settled"] = float(len(settled))
    notes["splat_requests"] = got
    notes["splat_settled"] = settled
    context.close()

    _tours(browser, base_url, scene, figures, notes)
    return figures, notes


def _tours(
    browser: Any,
    base_url: str,
    scene: dict[str, Any],
    figures: dict[str, float],
    notes: dict[str, Any],
) -> None:
    for prefix, headers, save_data, warm in VARIANTS:
        got = run_tour(browser, base_url, scene, figures, prefix, headers, save_data, warm)
        if not prefix:
            notes["tour_requests"] = got


def measure(
    runs: int, redis_url: str, chromium: str, only: str | None = None, dist: Path | None = None
) -> tuple[dict[str, float], list[Any]]:
    """Return the median figures over `runs` cold-cache passes, and each pass's notes."""
    from playwright.sync_api import sync_playwright
    from redis import Redis

    from server.adapters.db import db

    with tempfile.TemporaryDirectory(prefix="originxr-pageload-") as tmp:
        app = built_app(Path(tmp), redis_url, dist)
        tileset = tileset_url(app)
        scene = scene_urls(app, SNAPSHOT_BATCH)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        samples: list[dict[str, float]] = []
        notes = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                raster = None
                if only != "tour":
                    raster = playwright.chromium.launch(
                        executable_path=chromium, args=[*CHROMIUM_ARGS, CPU_RASTER]
                    )
                for _ in range(runs):
                    figures, note = run_once(
                        browser,
                        f"http://127.0.0.1:{server.server_port}",
                        tileset,
                        scene,
                        only,
                        raster,
                    )
                    samples.append(figures)
                    notes.append(note)
                browser.close()
                if raster is not None:
                    raster.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
            db.engine_for(app).dispose()
            Redis.from_url(redis_url).flushdb()
    # a figure the browser did not report (no LCP entry, say) is left out of its median
    medians = _medians(samples)
    _missing(samples, "measured")
    for note, sample in zip(notes, samples, strict=True):
        note["figures"] = sample
    return medians, notes


def _medians(samples: list[dict[str, float]]) -> dict[str, float]:
    """Return each figure's median over the passes that reported it (NaN: none did).

    A NaN among the values would make the median depend on where the sort put it; a figure
    some passes missed is printed, with how many, by `_missing`.
    """
    medians = {}
    for name in samples[0]:
        values = [s[name] for s in samples if s.get(name) is not None and s[name] == s[name]]
        medians[name] = statistics.median(values) if values else float("nan")
    return medians


def _missing(samples: list[dict[str, Any]], label: str) -> None:
    """Print the figures some passes did not report (a paint the browser never timed, say)."""
    for name in samples[0]:
        gone = sum(1 for s in samples if s.get(name) is None or s[name] != s[name])
        if gone:
            print(f"{label}: {name} missing in {gone} of {len(samples)} passes")


def measure_beside(
    args: argparse.Namespace, old_dist: Path
) -> tuple[dict[str, float], list[Any], dict[str, float]]:
    """Measure `old_dist` and the current bundles a pass each in turn, `args.runs` times:
    return the current medians and notes, and the old medians."""
    new_notes: list[Any] = []
    old_samples: list[dict[str, float]] = []
    for _ in range(args.runs):
        _, old_note = measure(1, args.redis_url, args.chromium, args.only, old_dist)
        old_samples.append(old_note[0]["figures"])
        _, note = measure(1, args.redis_url, args.chromium, args.only, args.dist)
        new_notes.extend(note)
    figures = _medians([note["figures"] for note in new_notes])
    _missing([note["figures"] for note in new_notes], "now")
    _missing(old_samples, "baseline")
    return figures, new_notes, _medians(old_samples)


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally save or compare figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10", help="flushed")
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    parser.add_argument(
        "--chromium", default=os.environ.get("ORIGINXR_CHROMIUM", "/usr/bin/chromium")
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every response")
    parser.add_argument(
        "--only", choices=["page", "tour"], help="run only the batch page or the tour phases"
    )
    parser.add_argument(
        "--dist",
        type=Path,
        help="serve these built bundles instead of web/static/dist (a copy kept from before"
        " a change: before and after measured alternately, in the same conditions)",
    )
    parser.add_argument(
        "--old-dist",
        type=Path,
        help="also measure these built bundles (a copy kept from before a change), a pass"
        " of each in turn; printed as the baseline",
    )
    args = parser.parse_args(argv)
    if args.old_dist:
        figures, notes, old = measure_beside(args, args.old_dist)
        baseline = old
        print(f"baseline: {args.old_dist} (the same run, passes alternated)")
    else:
        figures, notes = measure(args.runs, args.redis_url, args.chromium, args.only, args.dist)
        baseline = load_baseline(args.baseline)
    units = {name: "ms" if "(ms)" in name else "B" if "(bytes)" in name else "" for name in figures}
    print_table(figures, baseline, units)
    tags = Counter(note["lcp_tag"] for note in notes if note["lcp_tag"])
    if tags:
        print(f"LCP element: {', '.join(f'<{tag}> ×{n}' for tag, n in tags.items())}")
        print(f"LCP resource (run 1): {notes[0].get('lcp_url')}")
    tour_bytes = {
        k: v
        for k, v in figures.items()
        if k.startswith("tour: ") and " by " in k and "transferred" not in k
    }
    total = figures.get("tour: transferred by splats (bytes)", 0.0)
    if tour_bytes and total:
        biggest = sorted(tour_bytes.items(), key=lambda item: -item[1])[:4]
        print(
            "tour, biggest by the first splat frame: "
            + ", ".join(
                f"{name[6:].split(' by ')[0]} {value / 1000:,.0f} kB ({value / total:.0%})"
                for name, value in biggest
            )
        )
    if args.verbose:
        labels = ["page_requests"] if args.only == "page" else ["tour_requests"]
        if args.only is None:
            labels = ["page_requests", "3d_requests", "splat_requests", "splat_settled", *labels]
        for label in labels:
            print(f"{label} (run 1):")
            for url, size in notes[0][label]:
                print(f"  {size:>10}  {url}")
    save(
        args.save,
        figures,
        runs=args.runs,
        network="slow 4G: 150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up",
        cpu_slowdown=CPU_SLOWDOWN,
        lcp_element=dict(tags),
        per_run=[note["figures"] for note in notes],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
