"""The batch page in a real browser: German, without JavaScript, by keyboard, bad links."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from babel.support import NullTranslations, Translations

from tests.e2e.conftest import BATCH_PATH, ROOT, ConsoleLog

pytestmark = pytest.mark.browser

# what has the keyboard focus: the language switcher, "Explore in 3D", or another tag
FOCUSED = """() => {
  const el = document.activeElement;
  if (el.closest('nav.lang')) return 'lang';
  return el.matches('[data-xr-launch]') ? 'xr' : el.tagName;
}"""
GERMAN = {"extra_http_headers": {"Accept-Language": "de"}, "locale": "de-DE"}


def german_catalog() -> NullTranslations:
    """The compiled German catalog the server uses (a null one while there is none)."""
    return Translations.load(str(ROOT / "translations"), ["de"])


def german_story() -> dict[str, dict[str, str]]:
    path = ROOT / "brands" / "nkabom" / "stories" / "de.json"
    chapters: dict[str, dict[str, str]] = json.loads(path.read_text())["chapters"]
    return chapters


def test_german_page_shows_story_and_evidence(
    built_server: Any, new_context: Callable[..., Any]
) -> None:
    page = new_context(**GERMAN).new_page()
    response = page.goto(built_server.url + BATCH_PATH)
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "de"

    # UI strings come from the German catalog (English msgids while one is untranslated)
    de = german_catalog()
    assert page.locator("#evidence-h").text_content() == de.gettext(
        "What was checked, and what was found"
    )
    assert page.locator("#journey-h").text_content() == de.gettext("The journey of this batch")
    story = german_story()
    for key in ("farms", "fermentation"):
        chapter = page.locator(f"#chapter-{key}")
        assert chapter.locator("h3").text_content() == story[key]["title"]
        assert story[key]["body"] in chapter.inner_text()

    yield_check = page.locator("#check-yield_plausibility")
    assert yield_check.evaluate("el => [...el.classList]") == ["check", "warn"]
    assert yield_check.locator(".status").text_content() == de.gettext("Warning")
    origin = page.locator("#check-known_origin_share")
    assert origin.evaluate("el => el.matches('.check.fail')")
    assert origin.locator(".status").text_content() == de.gettext("Problem found")

    # the verdict comes first, in German, each sentence a link to its check's card
    verdict = page.locator("#verdict li a")
    assert 2 <= verdict.count() <= 4
    assert verdict.first.inner_text().startswith("83")
    assert "Ghana" in verdict.first.inner_text()
    assert verdict.first.get_attribute("href") == "#check-known_origin_share"
    finding = yield_check.locator(".finding").first.inner_text()
    assert finding == de.ngettext(
        "%(num)d of %(total)d farms delivered more cocoa than its plots usually grow. Beans "
        "from elsewhere may be mixed in.",
        "%(num)d of %(total)d farms delivered more cocoa than their plots usually grow. Beans "
        "from elsewhere may be mixed in.",
        1,
    ) % {"num": 1, "total": 13}
    # the method is one tap away, folded in <details>: opened by keyboard
    link = yield_check.get_by_role(
        "link", name=de.gettext("See the evidence and how it was checked")
    )
    assert not link.is_visible()
    yield_check.locator("summary").focus()
    page.keyboard.press("Enter")
    assert link.is_visible()
    link.click()
    page.wait_for_load_state()
    assert "/checks/yield_plausibility" in page.url
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("h1").text_content() == de.gettext("Yield plausibility")
    assert page.locator("table").filter(has_text="farm-17").count() >= 1


def test_page_works_without_javascript(built_server: Any, new_context: Callable[..., Any]) -> None:
    context = new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(built_server.url + BATCH_PATH)
    assert page.locator("#chapter-farms h3").text_content() == "The farms"
    assert page.locator("#progress").is_hidden()
    assert page.locator("ul.checks > li.check").count() >= 6
    # the verdict and each card's finding are plain HTML, read without any script
    said = page.locator("#verdict li").all_inner_texts()
    assert said[0].startswith("83% of the cocoa in this batch is traced to 13 farms")
    assert "cannot be traced to a farm" in said[2]
    finding = page.locator("#check-farmgate_price .finding").first.inner_text()
    assert finding == "All 13 farms were paid at least the living-income reference price."
    page.locator("#check-yield_plausibility summary").click()
    assert page.locator("#check-yield_plausibility .figure").is_visible()
    assert page.locator("img.poster").evaluate("img => img.complete && img.naturalWidth > 0")

    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    assert len(hrefs) > 10
    for href in dict.fromkeys(hrefs):
        if "#" in href:
            fragment = href.split("#", 1)[1]
            assert page.locator(f"[id='{fragment}']").count() == 1, f"dead in-page link {href}"
            continue
        response = context.request.get(href)
        assert response.ok, f"{href} answered {response.status}"


def test_keyboard_reaches_language_switcher_and_viewer(built_server: Any, page: Any) -> None:
    page.goto(built_server.url + BATCH_PATH)
    seen: list[str] = []
    for _ in range(15):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused)
        if focused == "xr":
            break
    assert "lang" in seen, f"Tab order never reached the language switcher: {seen}"
    assert seen[-1] == "xr", f"Tab order never reached Explore in 3D: {seen}"
    page.keyboard.press("Enter")
    page.wait_for_selector("#xr-stage[data-state=ready]")
    assert page.locator("#xr-stage canvas").count() == 1


def test_wrong_check_digit_is_a_400_page(live_server: Any, page: Any, console: ConsoleLog) -> None:
    console.allow(r"status of 400")
    response = page.goto(live_server.url + "/01/09520123100026/10/X")
    assert response is not None and response.status == 400
    assert "text/html" in response.headers["content-type"]
    assert "wrong check digit" in page.locator("main").inner_text()
    assert "09520123100026" in page.locator("main").inner_text()


def test_unknown_lot_is_a_german_404_page(
    live_server: Any, new_context: Callable[..., Any], console: ConsoleLog
) -> None:
    console.allow(r"status of 404")
    page = new_context(**GERMAN).new_page()
    response = page.goto(live_server.url + "/01/09520123100025/10/NOPE-1")
    assert response is not None and response.status == 404
    assert page.locator("html").get_attribute("lang") == "de"
    de = german_catalog()
    assert page.locator("h1").text_content() == de.gettext("We could not find this product")
    unknown_lot = (
        "We know this product but not its batch %(lot)s. The batch number is printed next "
        "to the best-before date; please compare it with the code you scanned."
    )  # server/catalog.py
    assert page.locator("main p").first.text_content() == de.gettext(unknown_lot) % {
        "lot": "NOPE-1"
    }
