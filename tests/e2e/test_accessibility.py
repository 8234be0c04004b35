"""axe-core on every kind of page, in Debian's chromium, under the app's own CSP.

axe-core (npm devDependency, read from node_modules) is evaluated in each page through the
DevTools protocol, so the page's Content-Security-Policy stays as served. The test fails on
any serious or critical finding and lists each one: rule, impact, page and the offending
elements. Consumer pages (batch, product, a check, a site), the API docs and the studio
(signed out: login; signed in: every section of the demo brand).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.e2e.conftest import BATCH_PATH, ROOT
from tests.e2e.test_studio import sign_in
from tests.studio.conftest import make_user

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

CONSUMER_PAGES = (
    BATCH_PATH,
    "/01/09520123100025",
    "/batches/09520123100025/NK25-0227/checks/yield_plausibility",
    "/414/9520123000028",
    "/api/docs",
    "/api/docs/ui",
    "/studio/login",
)
STUDIO_PAGES = tuple(
    "/studio/nkabom/" + section
    for section in (
        "",
        "story",
        "disclosure",
        "theme",
        "codes",
        "snapshots",
        "analytics",
        "people",
        "tokens",
    )
)


def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run scripts/setup (npm ci)")
    return Path(AXE).read_text(encoding="utf-8")


def findings(page: Any, source: str, path: str) -> list[str]:
    """Run axe-core on the page now shown; return its serious and critical findings."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))"
    )
    found = []
    for violation in violations:
        if violation["impact"] not in BLOCKING:
            continue
        targets = "\n      ".join(violation["targets"][:5])
        found.append(
            f"{path}: {violation['impact']} {violation['id']} ({violation['help']})\n"
            f"      {targets}"
        )
    return found


def test_no_serious_or_critical_axe_findings(
    sqlite_app: Flask, built_server: Any, new_context: Callable[..., Any]
) -> None:
    source = axe_source()
    make_user(sqlite_app, "editor@nkabom.example", "nkabom", "editor")
    base = built_server.url
    page = new_context(locale="en-GB").new_page()
    # the check itself can fail: an image without a text alternative is a critical finding
    page.set_content('<html lang="en"><title>t</title><main><img src="data:,"></main></html>')
    assert any("critical image-alt" in f for f in findings(page, source, "probe"))
    found: list[str] = []
    seen = 0
    for path in CONSUMER_PAGES:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        if path == "/api/docs/ui":  # Swagger UI mounted under the CSP (no console errors)
            page.locator(".opblock").first.wait_for()
            assert page.locator(".opblock").count() >= 30
        found += findings(page, source, path)
        seen += 1
    sign_in(page, base, "editor@nkabom.example")
    for path in STUDIO_PAGES:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert "/studio/login" not in page.url, f"{path}: not signed in"
        found += findings(page, source, path)
        seen += 1
    print(f"axe-core: {seen} pages, {len(found)} serious or critical findings")
    assert not found, "axe-core found serious or critical problems:\n" + "\n".join(found)
