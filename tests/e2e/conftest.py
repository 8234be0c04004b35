"""Browser fixtures: one Debian chromium per session, a fresh context per test.

Every page opened in a test's context has its console errors and uncaught exceptions
collected; a test fails at teardown if any were seen that it did not declare expected.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.chromium import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
DIST_MANIFEST = ROOT / "web" / "static" / "dist" / "manifest.json"
IWER_BUNDLE = ROOT / "node_modules" / "iwer" / "build" / "iwer.js"
# IWER's synthetic-environment module (UMD, global IWER_SEM): planes and meshes to hit-test
IWER_SEM_BUNDLE = ROOT / "node_modules" / "@iwer" / "sem" / "build" / "iwer-sem.min.js"
BATCH_PATH = "/01/09520123100025/10/NK25-0227"


def chromium_path() -> str | None:
    """Return the chromium to drive: $ORIGINXR_CHROMIUM, else /usr/bin/chromium, if it exists."""
    for candidate in (os.environ.get("ORIGINXR_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip every browser test up front, with the reason, when there is no chromium."""
    if chromium_path() is not None:
        return
    skip = pytest.mark.skip(
        reason="no chromium to drive: set ORIGINXR_CHROMIUM, or install Debian's chromium "
        "(/usr/bin/chromium)"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def built_bundles() -> Path:
    """The front-end bundles in web/static/dist, built once with `npm run build` if missing."""
    if not DIST_MANIFEST.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("web/static/dist/manifest.json is missing and npm is not on PATH")
        done = subprocess.run(
            [npm, "run", "build"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode != 0 or not DIST_MANIFEST.is_file():
            pytest.fail(
                f"`npm run build` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
    return DIST_MANIFEST.parent


@pytest.fixture(scope="session")
def browser(built_bundles: Path) -> Iterator[Any]:
    """One headless Debian chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:  # pytest_collection_modifyitems skipped these already
        pytest.skip("no chromium: set ORIGINXR_CHROMIUM or install Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class ConsoleLog:
    """Console errors and page exceptions seen in one browser context."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Declare console errors matching `pattern` (a regex) expected in this test."""
        self.allowed.append(re.compile(pattern))

    def record(self, text: str) -> None:
        self.errors.append(text)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def console() -> ConsoleLog:
    """The console errors of this test's browser contexts (see `new_context`)."""
    return ConsoleLog()


@pytest.fixture
def new_context(browser: Any, console: ConsoleLog) -> Iterator[Callable[..., Any]]:
    """Make browser contexts (closed after the test); console errors must stay empty."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 800, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)

        def on_console(message: Any) -> None:
            if message.type == "error":
                console.record(f"console: {message.text} ({message.location.get('url', '')})")

        context.on("console", on_console)
        context.on("weberror", lambda error: console.record(f"pageerror: {error.error}"))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    unexpected = console.unexpected()
    assert not unexpected, "console errors in the browser:\n" + "\n".join(unexpected)


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    """A page in a fresh default (English) context."""
    return new_context(locale="en-GB").new_page()


@pytest.fixture
def built_server(sqlite_app: Any, live_server: Any) -> Any:
    """The demo app served over HTTP after the batch's builds (evidence, scene) have run."""
    from tests.conftest import work_queue

    # builds are enqueued by the first request for the page, then a worker runs them
    assert sqlite_app.test_client().get(BATCH_PATH).status_code == 200
    work_queue(sqlite_app)
    return live_server
