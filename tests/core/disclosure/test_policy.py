"""Disclosure policy: parsing, defaults, grid snapping and the redaction of public data."""

from __future__ import annotations

import json
import math

import pytest

from server.core.disclosure.policy import (
    DEFAULT_POLICY,
    DisclosureError,
    DisclosurePolicy,
    coarse_km,
    parse_policy,
    policy_of,
    snap,
)
from server.core.disclosure.redaction import (
    SiteInfo,
    public_names,
    redact_events,
    redact_report,
    scrub,
)

SITES = [
    SiteInfo("farm-1", "farm", "Farm GH-AS-0569, Nyinahin"),
    SiteInfo("coop-1", "cooperative", "Nyinahin Cocoa Farmers' Cooperative"),
    SiteInfo("factory-1", "factory", "Nkabom Chocolate factory, Zaandam"),
]


def test_absent_or_unreadable_policy_is_the_safe_default() -> None:
    assert policy_of(None) == DEFAULT_POLICY
    assert policy_of({}) == DEFAULT_POLICY
    assert policy_of({"disclosure": {"location": "street"}}) == DEFAULT_POLICY
    assert policy_of({"disclosure": "exact"}) == DEFAULT_POLICY
    assert DEFAULT_POLICY.location == "grid_1km"
    assert not DEFAULT_POLICY.names("farm-1", "farm")
    assert DEFAULT_POLICY.names("coop-1", "cooperative")


def test_policy_round_trips_and_its_digest_changes_with_it() -> None:
    policy = parse_policy(
        {"location": "country", "named_kinds": "port, factory", "withheld_sites": "b\na\na"}
    )
    assert policy.withheld_sites == ("a", "b") and policy.named_kinds == ("port", "factory")
    assert parse_policy(policy.to_json()) == policy
    assert policy.digest() != DEFAULT_POLICY.digest()
    assert parse_policy({"show_prices": "no"}).show_prices is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"location": "street"}, "location"),
        ({"named_kinds": ["farm"]}, "named_kinds"),
        ({"named_kinds": ["bank"]}, "named_kinds"),
        ({"withheld_sites": "x"}, "withheld_sites"),
        ({"withheld_sites": [str(i) for i in range(201)]}, "withheld_sites"),
        ({"show_prices": "maybe"}, "show_prices"),
        ({"show_prices": 3}, "show_prices"),
    ],
)
def test_bad_policies_name_their_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(DisclosureError) as caught:
        parse_policy(data, known_sites={"coop-1"})
    assert caught.value.field == field


@pytest.mark.parametrize("precision", ["grid_1km", "grid_10km"])
@pytest.mark.parametrize("point", [(6.620711, -2.104393), (52.439812, 4.821537), (-33.9, 18.4)])
def test_snapping_gives_the_cell_centre(precision: str, point: tuple[float, float]) -> None:
    lat, lon = point
    centre = snap(lat, lon, precision)
    assert snap(*centre, precision) == centre  # a centre is its own cell's centre
    cell = {"grid_1km": 1.0, "grid_10km": 10.0}[precision]
    north_km = abs(centre[0] - lat) * 111.32
    east_km = abs(centre[1] - lon) * 111.32 * math.cos(math.radians(centre[0]))
    assert north_km <= cell / 2 + 1e-6 and east_km <= cell / 2 + 0.01 * cell
    assert centre != (lat, lon)
    # Neighbours within the same cell share its centre.
    assert snap(lat + 1e-5, lon + 1e-5, precision) in (centre, snap(lat + 1e-5, lon, precision))


def test_country_precision_and_exact() -> None:
    assert snap(6.62, -2.1, "country", "GH") == (7.95, -1.0)
    assert snap(6.62, -2.1, "country", "ZZ") == (6.5, -2.5)
    assert snap(6.620711, -2.104393, "exact") == (6.620711, -2.104393)
    assert coarse_km(37.89, "grid_1km") == 38.0 and coarse_km(37.89, "grid_10km") == 40.0
    assert coarse_km(37.89, "country") is None and coarse_km(37.89, "exact") == 37.89


def _report() -> dict[str, object]:
    return {
        "checks": [
            {
                "key": "farmgate_price",
                "value": 1.31,
                "uncertainty": [1.2, 1.4],
                "status": "ok",
                "details": [
                    {
                        "farm": "farm-1",
                        "ratio": 1.3,
                        "payments": [{"amount": 3928.32, "price_per_kg": 3.11, "paid_on": "x"}],
                    }
                ],
            },
            {
                "key": "transport_emissions",
                "details": [
                    {
                        "from": "farm-1",
                        "to": "coop-1",
                        "distance_km": 37.892067,
                        "great_circle_km": 29.147744,
                        "emissions_kg": 0.810548,
                    }
                ],
            },
            {
                "key": "plot_geometry",
                "details": [{"issues": [{"message": "Self-intersection[-2.104393 6.620711]"}]}],
            },
        ],
        "consumer_summary": [{"key": "farmgate_price", "status": "ok", "value": 1.31}],
        "evidence_records": [{"issuer": "Nyinahin Cocoa Farmers' Cooperative CLMRS"}],
    }


def test_redacted_report_says_what_it_withheld() -> None:
    strict = DisclosurePolicy("grid_10km", ("factory",), (), False)
    public = redact_report(_report(), strict, SITES, "f" * 64)
    text = json.dumps(public)
    for withheld in ("3928.32", "3.11", "1.31", "Cooperative", "-2.104393", "37.89", "29.14"):
        assert withheld not in text, withheld
    price, legs, geometry = public["checks"]
    assert price["withheld"] is True and price["status"] == "ok" and price["value"] is None
    assert price["details"][0]["payments"][0] == {"paid_on": "x"}
    assert legs["details"][0]["distance_km"] == 40.0
    assert legs["details"][0]["emissions_kg"] == pytest.approx(0.810548 * 40 / 37.892067)
    assert "[location withheld]" in geometry["details"][0]["issues"][0]["message"]
    assert public["consumer_summary"][0] == {
        "key": "farmgate_price",
        "status": "ok",
        "value": None,
        "withheld": True,
    }
    assert public["evidence_records"][0]["issuer"] == "coop-1 CLMRS"
    assert public["disclosure"]["derived_from"] == "f" * 64
    assert len(public["disclosure"]["notes"]) == 3


def test_default_policy_keeps_prices_and_named_suppliers() -> None:
    public = redact_report(_report(), DEFAULT_POLICY, SITES, "f" * 64)
    assert public["checks"][0]["value"] == 1.31
    assert public["evidence_records"][0]["issuer"].startswith("Nyinahin Cocoa")
    assert public["checks"][1]["details"][0]["great_circle_km"] == 29.0


def test_public_names_and_scrub() -> None:
    names = public_names(SITES, DEFAULT_POLICY)
    assert names["farm-1"] == "farm-1" and names["factory-1"].startswith("Nkabom")
    assert scrub(
        {"a": ["Farm GH-AS-0569, Nyinahin grows"]}, {"Farm GH-AS-0569, Nyinahin": "farm-1"}
    ) == {"a": ["farm-1 grows"]}


def test_events_lose_precise_geo_and_money() -> None:
    events = [
        {
            "readPoint": {"id": "geo:6.620711,-2.104393"},
            "ilmd": {"originxr:pricePerKg": 3.11, "originxr:farm": "farm-1"},
            "note": "from Farm GH-AS-0569, Nyinahin",
        }
    ]
    strict = DisclosurePolicy("grid_1km", (), (), False)
    public = redact_events(events, strict, SITES)
    assert public[0]["readPoint"]["id"] == "geo:{},{}".format(
        *snap(6.620711, -2.104393, "grid_1km")
    )
    assert public[0]["ilmd"] == {"originxr:farm": "farm-1"}
    assert public[0]["note"] == "from farm-1"
    assert events[0]["ilmd"]["originxr:pricePerKg"] == 3.11  # the input is left alone
