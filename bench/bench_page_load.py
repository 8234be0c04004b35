"""Measure what a shopper's phone sees: batch page paint, 3D viewer start, a site's splats.

Run from the repository root::

    .venv/bin/python -m bench.bench_page_load [--runs 3]
        [--redis-url redis://127.0.0.1:6379/14] [--save F] [--baseline F]
        [--chromium /usr/bin/chromium]

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
- tap "Explore in 3D": time from the tap to ``#xr-stage[data-state=ready]`` and to the first
  rendered frame (``dataset.frames`` ≥ 1), bytes and requests finished by then;
- batch NK25-0120: tap "Explore in 3D", wait until ready, pick farm-01 in the site list, time
  from the pick to ``#xr-stage[data-snapshot=farm-01]`` (splats loaded), bytes by kind (Spark
  chunk, tileset, tiles, other) finished by then, and all bytes once the network is idle
  (the tiles refined after the first ones show).
"""

from __future__ import annotations

import argparse
import os
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
TIMEOUT_MS = 180_000

# Installed before any page script: collects paint and LCP entries as they happen.
INIT_SCRIPT = """
window.__bench = {lcp: null, lcpTag: null};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.__bench.lcp = e.startTime;
    window.__bench.lcpTag = e.element ? e.element.tagName.toLowerCase() : (e.url ? 'img?' : null);
  }
}).observe({type: 'largest-contentful-paint', buffered: true});
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
    if url.endswith(tileset):
        return "tileset"
    if "/blobs/" in url:
        return "tiles"
    return "other"


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


def built_app(instance: Path, redis_url: str) -> Any:
    """Return an app on `instance`: demo brand, builds done, demo snapshots tiled and built."""
    from redis import Redis

    from server import create_app
    from server.blobs import BlobStore
    from server.brand_pack import load_pack
    from server.broker import broker
    from server.db import db
    from server.demo_snapshots import add_demo_snapshots
    from server.migrate import upgrade
    from server.snapshots import SnapshotLimits
    from workers.worker import run_worker

    Redis.from_url(redis_url).flushdb()
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "REDIS_URL": redis_url,
            "DATABASE_URL": f"sqlite:///{instance}/bench.sqlite3",
        }
    )
    upgrade(db.engine_for(app))
    store = BlobStore(app.config["BLOB_PATH"])
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


def _new_page(browser: Any) -> tuple[Any, Any, Traffic]:
    context = browser.new_context(
        viewport=VIEWPORT,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="en",
        extra_http_headers={"Accept-Language": "en"},
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(INIT_SCRIPT)
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


def _tap_3d(page: Any, site: str | None) -> float:
    page.evaluate(WATCH_STAGE, site)
    start: float = page.evaluate("performance.now()")
    page.get_by_role("button", name="Explore in 3D").click()
    return start


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


def run_once(browser: Any, base_url: str, tileset: str) -> tuple[dict[str, float], dict[str, Any]]:
    """One cold-cache pass over the three phases; returns figures and notes (LCP tag...)."""
    figures: dict[str, float] = {}
    notes: dict[str, Any] = {}

    # batch page NK25-0227, then its 3D viewer
    context, page, traffic = _new_page(browser)
    page.goto(base_url + PAGE_BATCH, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)  # let the last LCP candidate be reported
    paint = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return {fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd,
                  load: nav.loadEventEnd, lcp: window.__bench.lcp, tag: window.__bench.lcpTag};
        }"""
    )
    page_traffic = traffic.since(0)  # the document included
    figures["page: FCP (ms)"] = paint["fcp"]
    figures["page: LCP (ms)"] = paint["lcp"]
    figures["page: DOMContentLoaded (ms)"] = paint["dcl"]
    figures["page: load event (ms)"] = paint["load"]
    figures["page: transferred (bytes)"] = float(sum(s for _, s in page_traffic))
    figures["page: requests"] = float(len(page_traffic))
    notes["lcp_tag"] = paint["tag"]
    notes["page_requests"] = page_traffic

    cursor = traffic.mark()
    start = _tap_3d(page, None)
    ready = _wait_mark(page, "ready")
    frame = _wait_mark(page, "frame")
    figures["3D: tap → ready (ms)"] = ready - start
    figures["3D: tap → first frame (ms)"] = frame - start
    page.wait_for_load_state("networkidle")
    got = traffic.since(cursor, _epoch(page, max(ready, frame)))
    figures["3D: transferred by first frame (bytes)"] = float(sum(s for _, s in got))
    figures["3D: requests by first frame"] = float(len(got))
    notes["3d_requests"] = got
    context.close()

    # batch NK25-0120: 3D, then pick farm-01 in the site list
    context, page, traffic = _new_page(browser)
    page.goto(base_url + SNAPSHOT_BATCH, wait_until="load")
    page.wait_for_load_state("networkidle")
    _tap_3d(page, SNAPSHOT_SITE)
    _wait_mark(page, "ready")
    _wait_mark(page, "frame")
    page.wait_for_load_state("networkidle")
    cursor = traffic.mark()
    start = page.evaluate("performance.now()")
    page.locator(f"#xr-stage button[data-site-id='{SNAPSHOT_SITE}']").click()
    loaded = _wait_mark(page, "snapshot")
    page.wait_for_load_state("networkidle")  # tiles refined after the first ones show
    got = traffic.since(cursor, _epoch(page, loaded))
    figures["splats: pick → loaded (ms)"] = loaded - start
    figures["splats: transferred by loaded (bytes)"] = float(sum(s for _, s in got))
    figures["splats: requests by loaded"] = float(len(got))
    by_kind: Counter[str] = Counter()
    for url, size in got:
        by_kind[_kind(url, tileset)] += size
    for kind in ("spark chunk", "tileset", "tiles", "other"):
        figures[f"splats: {kind} by loaded (bytes)"] = float(by_kind[kind])
    _wait_quiet(page, traffic)
    settled = traffic.since(cursor)
    figures["splats: transferred, settled (bytes)"] = float(sum(s for _, s in settled))
    figures["splats: requests, settled"] = float(len(settled))
    notes["splat_requests"] = got
    notes["splat_settled"] = settled
    context.close()
    return figures, notes


def measure(runs: int, redis_url: str, chromium: str) -> tuple[dict[str, float], list[Any]]:
    """Return the median figures over `runs` cold-cache passes, and each pass's notes."""
    from playwright.sync_api import sync_playwright
    from redis import Redis

    from server.db import db

    with tempfile.TemporaryDirectory(prefix="originxr-pageload-") as tmp:
        app = built_app(Path(tmp), redis_url)
        tileset = tileset_url(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        samples: list[dict[str, float]] = []
        notes = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                for _ in range(runs):
                    figures, note = run_once(
                        browser, f"http://127.0.0.1:{server.server_port}", tileset
                    )
                    samples.append(figures)
                    notes.append(note)
                browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
            db.engine_for(app).dispose()
            Redis.from_url(redis_url).flushdb()
    medians = {name: statistics.median(s[name] for s in samples) for name in samples[0]}
    for note, sample in zip(notes, samples, strict=True):
        note["figures"] = sample
    return medians, notes


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally save or compare figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="flushed")
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    parser.add_argument(
        "--chromium", default=os.environ.get("ORIGINXR_CHROMIUM", "/usr/bin/chromium")
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every response")
    args = parser.parse_args(argv)
    figures, notes = measure(args.runs, args.redis_url, args.chromium)
    units = {name: "ms" if "(ms)" in name else "B" if "(bytes)" in name else "" for name in figures}
    print_table(figures, load_baseline(args.baseline), units)
    tags = Counter(note["lcp_tag"] for note in notes)
    print(f"LCP element: {', '.join(f'<{tag}> ×{n}' for tag, n in tags.items())}")
    if args.verbose:
        for label in ("page_requests", "3d_requests", "splat_requests", "splat_settled"):
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
