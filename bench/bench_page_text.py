"""Measure how much a shopper must scroll and read on the demo batch page before the verdict.

Run from the repository root (or from a ``git worktree`` of another commit, to compare)::

    .venv/bin/python -m bench.bench_page_text [--lot NK25-0120] [--lang en]
        [--redis-url redis://127.0.0.1:6379/10] [--chromium /usr/bin/chromium]

It builds the demo brand as ``bench.screenshot`` does, opens the batch page in Debian's
Chromium on a 412 × 915 phone screen and prints, in CSS pixels from the top of the page:
the end of the verdict (``#verdict``; a page without one has no verdict but the check
cards, so its verdict ends where they end), the end of the check summary (the last check
card), the end of the poster and 3D buttons (the first screen should hold them) and the
page's height; and the words shown before any interaction: to the end of the verdict, to
the end of the check summary, and in all.
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
from bench.screenshot import VIEWPORT, built_app
from server.adapters.db import db

GTIN = "09520123100018"

# Words (whitespace-separated runs of the rendered text, closed <details> excluded) from the
# top of <body> to the end of `el`, and the bottom of `el` in page pixels.
MEASURE = """() => {
  const all = document.body.innerText;
  const words = (text) => text.split(/\\s+/).filter(Boolean).length;
  const upTo = (el) => {
    if (!el) return null;
    const own = el.innerText.trim();
    const at = all.indexOf(own);
    return at < 0 ? null : words(all.slice(0, at + own.length));
  };
  const bottom = (el) => el ? Math.round(el.getBoundingClientRect().bottom + window.scrollY) : null;
  const cards = [...document.querySelectorAll('ul.checks')];
  const summary = cards[cards.length - 1] || null;
  const verdict = document.querySelector('#verdict') || summary;
  const launches = [...document.querySelectorAll('.xr-launch, figure.map')];
  const poster = document.querySelector('figure.map');
  return {
    has_verdict: !!document.querySelector('#verdict'),
    verdict_end_px: bottom(verdict),
    summary_end_px: bottom(summary),
    poster_end_px: bottom(poster),
    first_screen_end_px: launches.length ? Math.max(...launches.map(bottom)) : null,
    page_px: document.documentElement.scrollHeight,
    words_to_verdict: upTo(verdict),
    words_to_summary: upTo(summary),
    words_total: words(all),
  };
}"""


def measure(base_url: str, path: str, lang: str, chromium: str) -> dict[str, Any]:
    """Return the figures of the page at `path` in `lang` (see the module docstring)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        phone = {"viewport": VIEWPORT, "is_mobile": True, "has_touch": True}
        page = browser.new_page(**phone, locale=lang)
        page.goto(f"{base_url}{path}?lang={lang}", wait_until="networkidle")
        figures: dict[str, Any] = page.evaluate(MEASURE)
        browser.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Build the demo, serve it and print the page figures of one batch."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lot", default="NK25-0120")
    parser.add_argument("--gtin", default=GTIN)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--redis-url", default=None, help="default: an embedded Redis")
    parser.add_argument(
        "--chromium", default=os.environ.get("ORIGINXR_CHROMIUM", "/usr/bin/chromium")
    )
    args = parser.parse_args(argv)
    path = f"/01/{args.gtin}/10/{args.lot}"
    with tempfile.TemporaryDirectory(prefix="originxr-text-") as tmp:
        app = built_app(Path(tmp), args.redis_url)
        app.test_client().get(path)  # enqueue this batch's builds too, then run them
        with app.app_context():
            from server.adapters.broker import broker
            from workers.worker import run_worker

            run_worker(app, broker.redis, ["builds"], burst=True)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            figures = measure(
                f"http://127.0.0.1:{server.server_port}", path, args.lang, args.chromium
            )
        finally:
            server.shutdown()
            thread.join(timeout=10)
            db.engine_for(app).dispose()
    print(f"batch {args.lot}, {args.lang}, {VIEWPORT['width']} x {VIEWPORT['height']} px")
    for name, value in figures.items():
        print(f"  {name:22} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
