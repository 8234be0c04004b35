"""Tests for the yield plausibility (mass balance) check."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from server.core.evidence.event_reading import class_gtin, mass_kg
from server.core.evidence.harvests import Harvest, Seasons, _Lines
from server.core.evidence.inputs import Plot, Quantity, TraceEvent
from server.core.evidence.trace import build_trace
from server.core.evidence.yield_plausibility import check_yield_plausibility, crop_year, season_of
from server.core.gs1.identifiers import CANONICAL_HOST, gs1_check_digit, lot_class

if TYPE_CHECKING:
    from conftest import Kit

AREA = 1.9729043  # geodesic area of the conftest plots, ha


def run(kit: Kit, wet1_kg: float = 1000, plots: list[Plot] | None = None):  # type: ignore[no-untyped-def]
    events = kit.chain()
    events[0] = kit.harvest(
        "h1", "farm-1", kit.wet1, wet1_kg, kit.at(1), ["plot-1a"], "2024/25 main crop"
    )
    inputs = kit.inputs(events=events, plots=plots)
    return check_yield_plausibility(inputs, build_trace(inputs))


def rows(result) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    return {row["farm"]: row for row in result.details}


def test_plausible_deliveries_are_ok(kit: Kit) -> None:
    result = run(kit)
    farm1 = rows(result)["farm-1"]
    assert farm1["deliveries_kg"] == pytest.approx(400.0)  # 1000 kg wet x 0.4
    assert farm1["area_ha"] == pytest.approx(AREA)
    assert farm1["ratio"] == pytest.approx(400 / (AREA * 450))
    assert farm1["season"] == "2024/2025"
    assert result.status == "ok"
    assert result.value == pytest.approx(400 / (AREA * 450))


def test_180_percent_of_estimate_warns(kit: Kit) -> None:
    wet = 1.8 * AREA * 450 / 0.4
    result = run(kit, wet1_kg=wet)
    assert rows(result)["farm-1"]["ratio"] == pytest.approx(1.8)
    assert rows(result)["farm-1"]["status"] == "warn"
    assert (result.status, result.value) == ("warn", pytest.approx(1.8))


def test_above_regional_maximum_fails(kit: Kit) -> None:
    result = run(kit, wet1_kg=7000)  # 2800 kg dry on 1.97 ha = 1419 kg/ha > 1333
    assert rows(result)["farm-1"]["yield_kg_per_ha"] == pytest.approx(2800 / AREA)
    assert result.status == "fail"


def test_other_harvests_of_the_season_count(kit: Kit) -> None:
    events = [
        *kit.chain(),
        kit.harvest(
            "h9",
            "farm-1",
            kit.wet1.replace("W1", "W9"),
            3000,
            kit.at(20, 2, 2025),
            None,
            "2024/25 main crop",
        ),
    ]
    inputs = kit.inputs(events=events)
    result = check_yield_plausibility(inputs, build_trace(inputs))
    assert rows(result)["farm-1"]["deliveries_kg"] == pytest.approx(1600.0)
    assert rows(result)["farm-1"]["evidence"] == ["h1", "h9"]
    assert result.status == "warn"


def test_point_plot_without_area_is_unknown(kit: Kit) -> None:
    point = Plot("plot-1a", "farm-1", {"type": "Point", "coordinates": [-1.6, 6.5]}, None, "GH")
    result = run(kit, plots=[point, kit.plots()[1]])
    assert rows(result)["farm-1"]["status"] == "unknown"
    assert rows(result)["farm-2"]["status"] == "ok"
    assert result.status == "unknown"


def test_point_plot_uses_declared_area(kit: Kit) -> None:
    point = replace(
        kit.plots()[0], geometry={"type": "Point", "coordinates": [-1.6, 6.5]}, declared_area_ha=0.5
    )
    result = run(kit, plots=[point, kit.plots()[1]])
    assert rows(result)["farm-1"]["ratio"] == pytest.approx(400 / 225)
    assert result.status == "warn"


def test_seasons(kit: Kit) -> None:
    assert crop_year(datetime(2024, 9, 30, tzinfo=UTC)) == "2023/2024"
    assert crop_year(datetime(2024, 10, 1, tzinfo=UTC)) == "2024/2025"
    light = kit.harvest("h", "farm-1", kit.wet1, 1, kit.at(1, 6, 2025), None, "2024/25 light crop")
    assert season_of(light) == "2024/2025"


# The conftest plots are 0.00127-degree squares at 6.5 N: sides of 0.00127 x 111,320 m x
# cos(6.5 deg) = 140.47 m and 0.00127 x 110,590 m = 140.45 m, a perimeter of ~561.8 m.
STRIP_HA = 561.8 * 5.0 / 10_000  # perimeter x the default 5 m GPS accuracy


def test_the_band_spans_gps_area_error_and_mass_tolerance(kit: Kit) -> None:
    result = run(kit)
    farm1 = rows(result)["farm-1"]
    low = 400 * 0.99 / ((AREA + STRIP_HA) * 450)
    high = 400 * 1.01 / ((AREA - STRIP_HA) * 450)
    assert farm1["ratio_low"] == pytest.approx(low, rel=1e-3)
    assert farm1["ratio_high"] == pytest.approx(high, rel=1e-3)
    assert result.uncertainty == pytest.approx((low, high), rel=1e-3)
    assert result.parameters["gps_accuracy_m"]["value"] == 5.0
    assert "unconfirmed" in result.parameters["gps_accuracy_m"]["source"]
    assert "unconfirmed" in result.parameters["declared_area_uncertainty"]["source"]


def test_brand_parameters_set_the_band(kit: Kit) -> None:
    events = kit.chain()
    events[0] = kit.harvest("h1", "farm-1", kit.wet1, 1000, kit.at(1), ["plot-1a"], "2024/25")
    parameters = {**kit.inputs().parameters, "gps_accuracy_m": 0, "mass_measurement_tolerance": 0}
    inputs = kit.inputs(events=events, parameters=parameters)
    result = check_yield_plausibility(inputs, build_trace(inputs))
    assert result.uncertainty == pytest.approx((result.value, result.value))
    assert result.parameters["gps_accuracy_m"] == {"value": 0.0, "source": "brand parameters"}


def test_a_declared_area_carries_its_own_uncertainty(kit: Kit) -> None:
    point = replace(
        kit.plots()[0], geometry={"type": "Point", "coordinates": [-1.6, 6.5]}, declared_area_ha=0.5
    )
    farm1 = rows(run(kit, plots=[point, kit.plots()[1]]))["farm-1"]
    assert farm1["ratio_low"] == pytest.approx(400 * 0.99 / (0.5 * 1.25 * 450))
    assert farm1["ratio_high"] == pytest.approx(400 * 1.01 / (0.5 * 0.75 * 450))


def test_the_band_follows_the_value_the_highest_known_ratio(kit: Kit) -> None:
    point = Plot("plot-1a", "farm-1", {"type": "Point", "coordinates": [-1.6, 6.5]}, None, "GH")
    result = run(kit, plots=[point, kit.plots()[1]])
    farm1, farm2 = rows(result)["farm-1"], rows(result)["farm-2"]
    assert (farm1["ratio"], farm1["ratio_low"], farm1["ratio_high"]) == (None, None, None)
    # The rows are JSON-ready (rounded to 6 places); the check's figures are as computed.
    assert round(result.value, 6) == farm2["ratio"]
    assert result.uncertainty is not None
    assert tuple(round(v, 6) for v in result.uncertainty) == (
        farm2["ratio_low"],
        farm2["ratio_high"],
    )


def test_seasons_read_each_ilmd_as_season_of() -> None:
    ilmds: list[dict[str, Any]] = [
        {},
        {"originxr:plots": ["plot-1a"]},  # one key, no season: the crop year of the time
        {"season": "2024/25 main crop"},  # one key, another: looked up apart
        {"cbv:harvestSeason": "2025 light crop"},
        {"originxr:plots": ["plot-1a"], "season": "2023/24"},
        {"season": ""},
        {"originxr:plots": ["plot-1b"]},
    ]
    seasons = Seasons()
    for month in (3, 11):
        for ilmd in ilmds:
            event = TraceEvent("h", "ObjectEvent", datetime(2024, month, 5, tzinfo=UTC), ilmd=ilmd)
            assert seasons.season(event) == season_of(event), (month, ilmd)


def test_harvest_lines_add_kg_times_yield_factor_as_one_line_at_a_time(kit: Kit) -> None:
    inputs = kit.inputs()
    factors = {m.gtin: (m.tracked, m.yield_basis_factor) for m in inputs.materials}
    wet, sugar = class_gtin(kit.wet1), class_gtin(lot_class(_gtin(7), "S1"))
    assert wet in factors and sugar in factors and not factors[sugar][0]
    lines = [
        Quantity(kit.wet1, 40, "KGM"),
        Quantity(kit.wet2, 0.5, "TNE"),
        Quantity(lot_class(_gtin(7), "S1"), 10, None),  # untracked: not counted
        Quantity(f"{CANONICAL_HOST}/01/{wet}\n", 3, None),  # read whole by class_gtin
        Quantity(f"{CANONICAL_HOST}/01/{wet}\nX", 4, None),  # the same prefix, no GTIN
        Quantity(lot_class(_gtin(555), "X1"), 7, "LBR"),  # no material: tracked, factor 1
        Quantity(kit.wet1, 5, "PCS"),  # not a mass
        Quantity("not a class", 2, "kg"),
    ]
    harvest, expected = Harvest(), 0.0
    added = _Lines(inputs)
    for line in lines * 2:  # the second time from what was read the first
        added.add(harvest, line)
        tracked, factor = factors.get(class_gtin(line.epc_class) or "", (True, 1.0))
        kg = mass_kg(line)
        if tracked and kg is not None:
            expected += kg * factor
    assert expected > 0
    assert harvest.delivered == expected


def _gtin(n: int) -> str:
    body = f"0952012300{n:03d}"
    return body + gs1_check_digit(body)
