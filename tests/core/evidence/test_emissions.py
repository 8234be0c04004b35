"""Tests for the transport emissions check."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from server.core.evidence.emissions import (
    attributed_mass,
    check_transport_emissions,
    great_circle_km,
    transport_mode,
)
from server.core.evidence.inputs import BatchInputs, Site
from server.core.evidence.result import CheckResult
from server.core.evidence.trace import build_trace

if TYPE_CHECKING:
    from conftest import Kit

KM_PER_DEGREE = 111.19508  # along a meridian, on the mean Earth radius of 6371.0088 km


def placed(kit: Kit, **kwargs: Any) -> BatchInputs:
    """Return the kit's inputs with the farms and fermentary in Ghana, the factory in NL."""
    spots = {
        "farm-1": ("GH", 6.5, -1.6),
        "farm-2": ("GH", 6.6, -1.6),
        "ferm": ("GH", 6.7, -1.6),
        "factory": ("NL", 52.4, 4.8),
    }
    inputs = kit.inputs(**kwargs)
    sites = tuple(
        replace(s, country=spots[s.id][0], lat=spots[s.id][1], lon=spots[s.id][2])
        for s in inputs.sites
    )
    return replace(inputs, sites=sites)


def run(inputs: BatchInputs) -> CheckResult:
    return check_transport_emissions(inputs, build_trace(inputs))


def test_great_circle_distance() -> None:
    assert great_circle_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(KM_PER_DEGREE, rel=1e-6)
    assert great_circle_km(0.0, 0.0, 0.0, 90.0) == pytest.approx(90 * KM_PER_DEGREE, rel=1e-6)
    assert great_circle_km(6.5, -1.6, 6.5, -1.6) == 0.0


def test_transport_mode() -> None:
    def at(kind: str, country: str | None) -> Site:
        return Site(kind, kind, kind, None, country, 0.0, 0.0)

    assert transport_mode(at("farm", "GH"), at("port", "GH")) == "road"
    assert transport_mode(at("port", "GH"), at("port", "GH")) == "sea"
    assert transport_mode(at("port", "GH"), at("factory", "NL")) == "sea"
    assert transport_mode(at("farm", "CI"), at("factory", "GH")) == "road"
    assert transport_mode(at("farm", "GH"), at("factory", None)) is None
    assert transport_mode(at("farm", "GH"), at("factory", "ZZ")) is None


def test_legs_distances_and_value(kit: Kit) -> None:
    result = run(placed(kit))
    legs = {(r["from"], r["to"]): r for r in result.details}
    assert list(legs) == [("farm-1", "ferm"), ("farm-2", "ferm"), ("ferm", "factory")]
    farm1 = legs[("farm-1", "ferm")]
    assert farm1["great_circle_km"] == pytest.approx(0.2 * KM_PER_DEGREE, rel=1e-6)
    assert (farm1["mode"], farm1["mass_kg"], farm1["factor"]) == ("road", 1000.0, 0.105)
    expected_farm1 = 0.2 * KM_PER_DEGREE * 1.3 * 1.0 * 0.105
    assert farm1["emissions_kg"] == pytest.approx(expected_farm1, rel=1e-6)
    ship = legs[("ferm", "factory")]
    assert (ship["mode"], ship["mass_kg"], ship["factor"]) == ("sea", 600.0, 0.016)
    assert ship["distance_km"] == pytest.approx(ship["great_circle_km"] * 1.2)
    total = sum(r["emissions_kg"] for r in result.details)
    assert (result.status, result.unit) == ("ok", "kg CO2e/kg")
    assert result.value == pytest.approx(total / 1000.0)
    assert result.value is not None
    assert result.uncertainty == (
        pytest.approx(result.value * 0.7),
        pytest.approx(result.value * 1.3),
    )
    assert "GLEC" in result.parameters["emission_factors"]["road"]["source"]
    assert result.evidence == ("h1", "h2", "r1", "r2", "t1")


def test_brand_factors_replace_the_defaults(kit: Kit) -> None:
    factor = {"value": 0.032, "unit": "kg CO2e/t-km", "source": "carrier data 2024"}
    result = run(placed(kit, parameters={"emission_factors": {"sea": factor}}))
    ship = next(r for r in result.details if r["mode"] == "sea")
    assert ship["factor"] == 0.032
    assert result.parameters["emission_factors"]["sea"]["source"] == "carrier data 2024"
    assert result.parameters["emission_factors"]["road"]["value"] == 0.105


def test_missing_coordinates_make_the_leg_and_check_unknown(kit: Kit) -> None:
    inputs = placed(kit)
    sites = tuple(replace(s, lat=None) if s.id == "farm-2" else s for s in inputs.sites)
    result = run(replace(inputs, sites=sites))
    leg = next(r for r in result.details if r["from"] == "farm-2")
    assert (leg["status"], leg["emissions_kg"]) == ("unknown", None)
    assert result.status == "unknown"
    assert result.value is not None  # the legs that could be computed are still shown


def test_only_the_part_of_a_lot_the_batch_uses_counts(kit: Kit) -> None:
    ins, outs = [(kit.dry, 300.0), (kit.sugar, 200.0)], [(kit.bar, 500.0)]
    events = [*kit.chain()[:5], kit.transform("t2", "factory", ins, outs, kit.at(17, 3, 2025))]
    inputs = placed(kit, events=events)
    inputs = replace(inputs, batch_quantity_kg=500.0)
    mass = attributed_mass(inputs, build_trace(inputs))
    assert mass[kit.dry] == pytest.approx(300.0)
    assert mass[kit.wet1] == pytest.approx(500.0)
    assert mass[kit.wet2] == pytest.approx(250.0)


def test_untraced_batch_is_unknown_and_report_rows_are_json(kit: Kit) -> None:
    result = run(placed(kit, events=[]))
    assert (result.status, result.value, result.uncertainty) == ("unknown", None, None)
    json.dumps(run(placed(kit)).to_json(), sort_keys=True)
