"""Tests for the known-origin share check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from server.core.evidence.origin import check_known_origin_share
from server.core.evidence.trace import build_trace

if TYPE_CHECKING:
    from conftest import Kit


def run(kit: Kit, **changes: object):  # type: ignore[no-untyped-def]
    inputs = kit.inputs(**changes)  # type: ignore[arg-type]
    return check_known_origin_share(inputs, build_trace(inputs))


def test_fully_registered_batch_is_ok(kit: Kit) -> None:
    result = run(kit)
    assert (result.status, result.value) == ("ok", pytest.approx(1.0))
    assert set(result.evidence) == {"h1", "h2"}


def test_farm_without_plots_lowers_the_share(kit: Kit) -> None:
    result = run(kit, plots=[p for p in kit.plots() if p.farm == "farm-1"])
    assert result.value == pytest.approx(2 / 3)
    assert result.status == "fail"


def test_small_unknown_share_warns(kit: Kit) -> None:
    events = kit.chain()
    events[3] = kit.transform(
        "t1",
        "ferm",
        [(kit.wet1, 1000), (kit.wet2, 500), (kit.dry.replace("D1", "X9"), 80)],
        [(kit.dry, 600)],
        kit.at(10),
    )
    result = run(kit, events=events)
    assert result.value == pytest.approx(1500 / 1580)
    assert result.status == "warn"
    assert {row.get("unknown") for row in result.details} >= {"missing_upstream"}


def test_nothing_traced_is_unknown(kit: Kit) -> None:
    result = run(kit, events=[])
    assert (result.status, result.value) == ("unknown", None)


def test_the_band_weighs_known_and_unknown_mass_each_way(kit: Kit) -> None:
    events = kit.chain()
    events[3] = kit.transform(
        "t1",
        "ferm",
        [(kit.wet1, 1000), (kit.wet2, 500), (kit.dry.replace("D1", "X9"), 80)],
        [(kit.dry, 600)],
        kit.at(10),
    )
    result = run(kit, events=events)
    known, unknown = 1500 / 1580, 80 / 1580
    low = known * 0.99 / (known * 0.99 + unknown * 1.01)
    high = known * 1.01 / (known * 1.01 + unknown * 0.99)
    assert result.uncertainty == pytest.approx((low, high))
    assert "unconfirmed" in result.parameters["mass_measurement_tolerance"]["source"]


def test_a_wholly_registered_batch_has_no_width_and_brands_set_the_tolerance(kit: Kit) -> None:
    assert run(kit).uncertainty == pytest.approx((1.0, 1.0))
    plots = [p for p in kit.plots() if p.farm == "farm-1"]
    parameters = {**kit.inputs().parameters, "mass_measurement_tolerance": 0.05}
    result = run(kit, plots=plots, parameters=parameters)
    low = (2 / 3 * 0.95) / (2 / 3 * 0.95 + 1 / 3 * 1.05)
    assert result.uncertainty[0] == pytest.approx(low)
    assert result.parameters["mass_measurement_tolerance"]["value"] == 0.05
