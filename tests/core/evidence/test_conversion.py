"""Tests for the conversion balance check."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from server.core.evidence.conversion import check_conversion_balance
from server.core.evidence.inputs import BatchInputs, Quantity
from server.core.evidence.parameters import DEFAULT_SOURCE
from server.core.evidence.result import CheckResult
from server.core.evidence.trace import build_trace
from server.core.gs1.identifiers import gtin_of

if TYPE_CHECKING:
    from conftest import Kit

WET = gtin_of("https://id.gs1.org/01/09520123000011/10/W")
DRY = gtin_of("https://id.gs1.org/01/09520123000035/10/D")


def run(inputs: BatchInputs) -> CheckResult:
    return check_conversion_balance(inputs, build_trace(inputs))


def with_range(low: float, high: float) -> dict[str, Any]:
    entry = {"from": WET, "to": DRY, "min": low, "max": high, "source": "brand trials"}
    return {"conversion_ratios": [entry]}


def test_chain_within_default_ranges_is_ok(kit: Kit) -> None:
    result = run(kit.inputs())
    assert (result.status, result.value) == ("ok", 1.0)
    assert [row["event"] for row in result.details] == ["t1", "t2"]
    drying, bar = result.details
    assert [(p["from"], p["to"], p["ratio"]) for p in drying["pairs"]] == [
        (WET, DRY, pytest.approx(0.4))
    ]
    # Dried beans and sugar make the bar: total output vs total input, untracked sugar included.
    assert bar["input_kg"] == 1000.0 and bar["tracked_input_kg"] == 600.0
    assert [(p["from"], p["to"], p["ratio"]) for p in bar["pairs"]] == [("*", "*", 1.0)]
    sources = [r["source"] for r in result.parameters["conversion_ratios"]]
    assert sources and all(s.startswith(DEFAULT_SOURCE) for s in sources)
    assert result.evidence == ("t1", "t2")


def test_brand_range_wins_and_a_small_miss_warns(kit: Kit) -> None:
    # 0.4 is 2.4 % below 0.41.
    result = run(kit.inputs(parameters=with_range(0.41, 0.45)))
    drying = result.details[0]
    assert drying["status"] == "warn"
    assert drying["pairs"][0]["deviation"] == round(0.01 / 0.41, 6)  # rows are JSON-ready
    assert drying["pairs"][0]["source"] == "brand trials"
    assert (result.status, result.value) == ("warn", 0.5)


def test_a_miss_beyond_the_tolerance_fails(kit: Kit) -> None:
    result = run(kit.inputs(parameters=with_range(0.25, 0.35)))
    assert result.details[0]["status"] == "fail"
    assert "above the range" in result.details[0]["reason"]
    loose = run(kit.inputs(parameters={**with_range(0.25, 0.35), "conversion_tolerance": 0.2}))
    assert loose.details[0]["status"] == "warn"


def test_missing_mass_is_unknown(kit: Kit) -> None:
    events = kit.chain()
    events[3] = replace(events[3], outputs=(Quantity(kit.dry, 600, "EA"),))
    result = run(kit.inputs(events=events))
    assert result.details[0]["status"] == "unknown"
    assert result.details[0]["reason"] == "a mass is missing or not in a mass unit"
    assert result.status == "unknown"


def test_materials_without_a_known_range_are_unknown(kit: Kit) -> None:
    inputs = kit.inputs()
    renamed = tuple(
        replace(m, name="Thing") if m.gtin in (WET, DRY) else m for m in inputs.materials
    )
    result = run(replace(inputs, materials=renamed))
    assert result.details[0]["status"] == "unknown"
    assert result.details[0]["reason"] == "no expected ratio for Thing -> Thing"
    assert result.details[1]["status"] == "ok"


def test_no_transformation_is_unknown(kit: Kit) -> None:
    inputs = kit.inputs(batch=kit.wet1)
    result = run(inputs)
    assert (result.status, result.value, result.details) == ("unknown", None, ())


def test_same_material_in_and_out_must_keep_its_mass(kit: Kit) -> None:
    repacked = kit.dry.replace("D1", "D2")
    repack = kit.transform("t3", "factory", [(kit.dry, 600)], [(repacked, 500)], kit.at(1, 12))
    result = run(kit.inputs(events=[*kit.chain()[:4], repack], batch=repacked))
    row = result.details[-1]
    assert row["pairs"][0]["ratio"] == pytest.approx(500 / 600)
    assert row["status"] == "fail"


def test_the_band_runs_from_surely_to_possibly_in_range(kit: Kit) -> None:
    result = run(kit.inputs())
    drying, bar = result.details
    # 0.4 weighed 1 % off either way: 0.4 x 0.99 / 1.01 to 0.4 x 1.01 / 0.99, inside 0.33-0.45.
    pair = drying["pairs"][0]
    assert (pair["ratio_low"], pair["ratio_high"]) == pytest.approx(
        (0.4 * 0.99 / 1.01, 0.4 * 1.01 / 0.99)
    )
    assert drying["in_range"] == "surely"
    # Mixing at 1.0 could be 1.0202, above the 0.97-1.01 range: only possibly in range.
    assert bar["in_range"] == "possibly"
    assert result.uncertainty == (0.5, 1.0)
    assert "unconfirmed" in result.parameters["mass_measurement_tolerance"]["source"]


def test_a_ratio_outside_its_range_even_at_best_is_not_in_the_band(kit: Kit) -> None:
    result = run(kit.inputs(parameters=with_range(0.41, 0.45)))
    assert result.details[0]["in_range"] == "not"  # 0.4 x 1.01 / 0.99 = 0.408 < 0.41
    assert result.uncertainty == (0.0, 0.5)
    exact = run(kit.inputs(parameters={"mass_measurement_tolerance": 0}))
    assert exact.uncertainty == (exact.value, exact.value) == (1.0, 1.0)
