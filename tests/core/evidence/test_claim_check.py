"""The claim check: generic and contradicted claims per locale, from chapter text."""

from __future__ import annotations

import json

import pytest

from server.core.evidence.claim_check import CLAIMS, NO_REPORT, check_claims, find_phrases
from tests.conftest import DEMO_PACK

LAYOUT = [
    {"key": "farms", "checks": ["known_origin_share", "deforestation"]},
    {"key": "cooperative", "checks": ["farmgate_price", "child_labour"]},
    {"key": "shipping", "checks": ["transport_emissions"]},
]
ALL_OK = {
    "NK-1": {"deforestation": "ok", "child_labour": "ok", "transport_emissions": "ok"},
    "NK-2": {"deforestation": "ok", "child_labour": "ok", "transport_emissions": "ok"},
}


def claims_in(text: str, locale: str) -> list[tuple[str, str]]:
    return [(claim.key, phrase) for claim, phrase in find_phrases(text, locale)]


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        (
            "en",
            "An eco-friendly, sustainable bar.",
            [("eco_friendly", "eco-friendly"), ("sustainable", "sustainable")],
        ),
        (
            "en",
            "Sustainably grown, responsibly sourced.",
            [("sustainable", "Sustainably"), ("responsible", "responsibly")],
        ),
        ("en", "Our Carbon Neutral factory", [("carbon_neutral", "Carbon Neutral")]),
        (
            "en",
            "Deforestation–free and child labor free",
            [
                ("deforestation_free", "Deforestation–free"),
                ("child_labour_free", "child labor free"),
            ],
        ),
        (
            "de",
            "Nachhaltiger Anbau, umweltfreundliche Verpackung",
            [("sustainable", "Nachhaltiger"), ("eco_friendly", "umweltfreundliche")],
        ),
        (
            "de",
            "Klimaneutral und CO₂-neutral hergestellt",
            [("carbon_neutral", "Klimaneutral"), ("carbon_neutral", "CO₂-neutral")],
        ),
        (
            "de",
            "Entwaldungs-freier Kakao ohne Kinderarbeit",
            [
                ("deforestation_free", "Entwaldungs-freier"),
                ("child_labour_free", "ohne Kinderarbeit"),
            ],
        ),
        ("de", "Kinderarbeitsfreie Lieferkette", [("child_labour_free", "Kinderarbeitsfreie")]),
        (
            "fr",
            "Un cacao durable et écoresponsable",
            [("sustainable", "durable"), ("eco_friendly", "écoresponsable")],
        ),
        (
            "fr",
            "Usine neutre en carbone, zéro déforestation",
            [("carbon_neutral", "neutre en carbone"), ("deforestation_free", "zéro déforestation")],
        ),
        (
            "nl",
            "Duurzame cacao, milieuvriendelijk verpakt",
            [("sustainable", "Duurzame"), ("eco_friendly", "milieuvriendelijk")],
        ),
        (
            "nl",
            "Klimaatneutraal en ontbossingsvrij",
            [("carbon_neutral", "Klimaatneutraal"), ("deforestation_free", "ontbossingsvrij")],
        ),
        ("de", "Our eco-friendly bar", [("eco_friendly", "eco-friendly")]),  # English loan words
    ],
)
def test_phrases_per_locale(locale: str, text: str, expected: list[tuple[str, str]]) -> None:
    assert claims_in(text, locale) == expected


def test_soft_hyphen_and_line_break_do_not_hide_a_claim() -> None:
    assert claims_in("klima\u00adneutral", "de") == [("carbon_neutral", "klima\u00adneutral")]
    assert claims_in("deforestation-\nfree", "en") == [
        ("deforestation_free", "deforestation-\nfree")
    ]


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "The cooperative is responsible for weighing each delivery."),
        ("en", "Greenhouse gas from transport is measured per kg."),
        ("de", "Gemeindebetreuer erfassen Kinderarbeit und kommen wieder."),
        ("fr", "La durée du voyage est de trois semaines."),
        ("nl", "De coöperatie betaalt de prijs die het Ghana Cocoa Board vaststelt."),
    ],
)
def test_factual_text_is_not_flagged(locale: str, text: str) -> None:
    assert claims_in(text, locale) == []


def test_the_demo_stories_raise_no_findings() -> None:
    brand = json.loads((DEMO_PACK / "brand.json").read_text())
    chapters = {
        locale: json.loads((DEMO_PACK / "stories" / f"{locale}.json").read_text())["chapters"]
        for locale in brand["locales"]
    }
    assert check_claims(chapters, brand["chapters"], ALL_OK) == []


def test_generic_claims_are_findings_in_every_locale() -> None:
    chapters = {
        "en": {"farms": {"title": "Farms", "body": "Sustainable cocoa."}},
        "de": {"farms": {"title": "Farmen", "body": "Nachhaltiger Kakao."}},
        "fr": {"farms": {"title": "Fermes", "body": "Cacao durable."}},
        "nl": {"farms": {"title": "Boerderijen", "body": "Duurzame cacao."}},
    }
    findings = check_claims(chapters, LAYOUT, ALL_OK)
    assert [(f.locale, f.chapter, f.phrase, f.kind) for f in findings] == [
        ("de", "farms", "Nachhaltiger", "generic"),
        ("en", "farms", "Sustainable", "generic"),
        ("fr", "farms", "durable", "generic"),
        ("nl", "farms", "Duurzame", "generic"),
    ]
    stored = findings[0].as_dict()
    assert stored["message"]["params"] == {"phrase": "Nachhaltiger"}
    assert "%(phrase)s" in stored["message"]["template"]


def test_carbon_neutral_is_never_supported_by_transport_emissions() -> None:
    chapters = {"en": {"shipping": {"title": "Shipping", "body": "Carbon-neutral shipping."}}}
    [finding] = check_claims(chapters, LAYOUT, ALL_OK)
    assert finding.kind == "generic" and finding.check is None


def test_deforestation_free_supported_when_linked_and_ok_everywhere() -> None:
    chapters = {"en": {"farms": {"title": "Farms", "body": "Deforestation-free cocoa."}}}
    assert check_claims(chapters, LAYOUT, ALL_OK) == []


def test_claim_in_a_chapter_without_the_check_is_generic() -> None:
    chapters = {"en": {"shipping": {"title": "Shipping", "body": "Deforestation-free cocoa."}}}
    [finding] = check_claims(chapters, LAYOUT, ALL_OK)
    assert (finding.kind, finding.check) == ("generic", "deforestation")


def test_contradiction_names_the_batches_and_the_check() -> None:
    statuses = {
        **ALL_OK,
        "NK-3": {"deforestation": "unknown", "child_labour": "warn"},
        "NK-4": None,  # no evidence report yet: never assumed OK
    }
    chapters = {
        "de": {
            "farms": {"title": "Entwaldungsfrei", "body": "Alles gut."},
            "cooperative": {"title": "Genossenschaft", "body": "Ohne Kinderarbeit."},
        }
    }
    findings = check_claims(chapters, LAYOUT, statuses)
    assert [(f.chapter, f.kind, f.check, f.batches) for f in findings] == [
        ("farms", "contradicted", "deforestation", (("NK-3", "unknown"), ("NK-4", NO_REPORT))),
        ("cooperative", "contradicted", "child_labour", (("NK-3", "warn"), ("NK-4", NO_REPORT))),
    ]
    assert findings[0].as_dict()["batches"] == [
        {"batch": "NK-3", "status": "unknown"},
        {"batch": "NK-4", "status": NO_REPORT},
    ]


def test_the_same_phrase_twice_is_one_finding() -> None:
    chapters = {"en": {"farms": {"title": "Sustainable", "body": "sustainable, sustainable"}}}
    assert len(check_claims(chapters, LAYOUT, ALL_OK)) == 1


def test_every_claim_has_phrases_in_the_four_locales() -> None:
    for claim in CLAIMS:
        assert {"en", "de", "fr", "nl"} <= claim.patterns.keys(), claim.key


def test_a_brand_without_batches_cannot_support_a_claim() -> None:
    chapters = {"en": {"farms": {"title": "Farms", "body": "Deforestation-free cocoa."}}}
    [finding] = check_claims(chapters, LAYOUT, {})
    assert (finding.kind, finding.check, finding.batches) == ("generic", "deforestation", ())
    assert "no batches" in finding.template
