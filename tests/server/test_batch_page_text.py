"""The batch page's verdict and findings in words: every locale, with and without JS."""

from __future__ import annotations

import html as html_lib
import itertools
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import textstat
from flask import Flask
from flask_babel import force_locale

from server.core.evidence.verdict import Sentence
from server.web.findings_text import MESSAGES, sentence_text
from tests.conftest import work_queue

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "evidence"))
from test_verdict import rows_without_reason  # type: ignore[import-not-found]

CLEAN = "/01/09520123100018/10/NK25-0120"
FLAGGED = "/01/09520123100025/10/NK25-0227"
LOCALES = ("en", "de", "fr", "nl")
# Plain language, about CEFR B1, on each language's own Flesch scale over all generated
# shopper texts: 60 is the bottom of "plain English" (Flesch 60-70, readers of 13-15); the
# Amstad (de) and Douma (nl) scales score the same text about 10 points lower (long
# compounds), so 50 is their "mittelschwer"/"redelijk makkelijk" floor; Kandel-Moles (fr)
# reads like Flesch, so 60.
READABILITY_FLOOR = {"en": 60.0, "de": 50.0, "fr": 60.0, "nl": 50.0}


def text_of(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def verdict_on(html: str) -> list[str]:
    block = html.split('<ul class="verdict">', 1)[1].split("</ul>", 1)[0]
    return [text_of(li) for li in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)]


@pytest.fixture
def built(sqlite_app: Flask) -> Flask:
    client = sqlite_app.test_client()
    for path in (CLEAN, FLAGGED):
        client.get(path)
    work_queue(sqlite_app)
    return sqlite_app


def test_no_non_ok_row_of_the_demo_reports_lacks_a_reason(built: Flask) -> None:
    client = built.test_client()
    for path in (CLEAN, FLAGGED, "/01/09520123100018/10/NK25-0421"):
        client.get(path)
    work_queue(built)
    for path in (CLEAN, FLAGGED, "/01/09520123100018/10/NK25-0421"):
        _, _01, gtin, _10, lot = path.split("/")
        report = client.get(f"/api/v1/batches/{gtin}/{lot}/evidence").get_json()
        assert report["checks"], path
        assert list(rows_without_reason(report)) == [], path


EXPECTED_EN = [
    "All of the cocoa in this batch is traced to 13 farms in Ghana.",
    "All 17 plots were checked: no forest was cleared on them after December 31, 2020.",
    "9 of 13 farms have no dated exchange rate for a payment, so the price they got cannot be "
    "compared yet.",
    "1 of 13 farms had no child-labour monitoring visit in the last 24 months.",
]


def test_the_verdict_comes_first_and_links_each_sentence_to_its_check(built: Flask) -> None:
    html = built.test_client().get(CLEAN + "?lang=en").get_data(as_text=True)
    assert verdict_on(html) == EXPECTED_EN
    assert html.index('id="verdict"') < html.index('class="poster"') < html.index('id="evidence"')
    links = re.findall(r'<ul class="verdict">.*?</ul>', html, re.S)[0]
    assert re.findall(r'href="#check-(\w+)"', links) == [
        "known_origin_share",
        "deforestation",
        "farmgate_price",
        "child_labour",
    ]
    assert html.index('id="evidence"') < html.index('id="journey"')


@pytest.mark.parametrize("lang", LOCALES)
def test_verdict_and_findings_render_in_every_locale(built: Flask, lang: str) -> None:
    html = built.test_client().get(f"{CLEAN}?lang={lang}").get_data(as_text=True)
    said = verdict_on(html)
    assert 2 <= len(said) <= 4
    assert all("%(" not in s and s for s in said)
    if lang != "en":
        assert said != EXPECTED_EN  # translated, not the English msgids
    assert "13" in said[0] and ("Ghana" in said[0] or "Gana" in said[0])
    price = html.split('id="check-farmgate_price"', 1)[1].split("</li>\n", 1)[0]
    findings = re.findall(r'<p class="finding">(.*?)</p>', price)
    assert len(findings) == 2 and findings[0].startswith("9 ")
    assert "130" in findings[1]


def test_cards_are_grouped_and_their_details_fold_without_javascript(built: Flask) -> None:
    html = built.test_client().get(CLEAN + "?lang=en").get_data(as_text=True)
    groups = re.findall(r'<h3 id="group-(\w+)">', html)
    assert groups == ["people", "land", "traceability", "climate"]
    assert html.count("<details>") >= 9 and html.count("<summary>") >= 9
    assert html.count('<li class="check ') == 9
    price = html.split('id="check-farmgate_price"', 1)[1].split("</details>", 1)[0]
    assert "cannot be compared" in price and 'lang="en"' in price  # the report's own reason
    headings = [int(h) for h in re.findall(r"<h([1-6])", html.split("<main", 1)[1])]
    assert all(b - a <= 1 for a, b in itertools.pairwise(headings))


def test_the_flagged_batch_tells_its_gap_and_what_else_needs_a_look(built: Flask) -> None:
    said = verdict_on(built.test_client().get(FLAGGED + "?lang=en").get_data(as_text=True))
    assert said[0].startswith("83% of the cocoa")
    assert "17% of the cocoa cannot be traced to a farm" in said[2]
    assert said[3] == "2 more checks need a look: Yield plausibility and Deforestation since 2020."


def test_the_check_page_names_what_is_missing(built: Flask) -> None:
    client = built.test_client()
    page = client.get("/batches/09520123100018/NK25-0120/checks/farmgate_price?lang=en")
    html = page.get_data(as_text=True)
    assert "9 of 13 farms have no dated exchange rate for a payment" in html
    assert "What is missing or wrong" in html
    assert html.count("payments cannot be compared: no exchange rate dated on or before") >= 9
    origin = client.get("/batches/09520123100018/NK25-0120/checks/known_origin_share?lang=de")
    assert "13 Farmen in Ghana" in origin.get_data(as_text=True)


SAMPLE: dict[str, Any] = {
    "num": 3,
    "total": 13,
    "share": 0.83,
    "value": 1.3,
    "places": ("GH", "CI"),
    "cause": "missing_upstream",
    "cutoff": "2020-12-31",
    "months": 24,
    "checks": ("yield_plausibility", "deforestation"),
    "status": "OK",
}


def shopper_texts(lang: str) -> list[str]:
    """Return every generated shopper text in `lang`, singular and plural forms."""
    texts = []
    with force_locale(lang):
        for code in MESSAGES:
            for num in (1, 3):
                values = {**SAMPLE, "num": num}
                texts.append(sentence_text(Sentence(code, "known", None, values)))
    return texts


@pytest.mark.parametrize("lang", LOCALES)
def test_shopper_texts_are_plain_language(sqlite_app: Flask, lang: str) -> None:
    with sqlite_app.test_request_context():
        texts = shopper_texts(lang)
    assert all("%(" not in t for t in texts)
    textstat.set_lang(lang)
    score = textstat.flesch_reading_ease(" ".join(texts))
    print(f"readability {lang}: {score:.1f} (floor {READABILITY_FLOOR[lang]})")
    assert score >= READABILITY_FLOOR[lang], (lang, score)
