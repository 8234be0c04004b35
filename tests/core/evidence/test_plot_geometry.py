"""Tests for the EUDR plot geolocation check."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from server.core.evidence.geometry import check_plot_geometry
from server.core.evidence.inputs import Plot
from server.core.evidence.trace import build_trace

if TYPE_CHECKING:
    from conftest import Kit


def issues(kit: Kit, plots: list[Plot]) -> dict[str, list[str]]:
    inputs = kit.inputs(plots=plots)
    result = check_plot_geometry(inputs, build_trace(inputs))
    return {row["plot"]: [i["rule"] for i in row["issues"]] for row in result.details}


def test_good_plots_pass(kit: Kit) -> None:
    inputs = kit.inputs()
    result = check_plot_geometry(inputs, build_trace(inputs))
    assert (result.status, result.value) == ("ok", 1.0)
    assert result.parameters["area_tolerance"] == {"value": 0.1, "source": "originxr default"}


def test_overlap_between_farms_fails_both(kit: Kit) -> None:
    one, two = kit.plots()
    two = replace(two, geometry=kit.square(-1.5994, 6.5, 0.00127))  # shifted onto plot-1a
    inputs = kit.inputs(plots=[one, two])
    result = check_plot_geometry(inputs, build_trace(inputs))
    assert result.status == "fail"
    found = {row["plot"]: row["issues"] for row in result.details}
    assert [i["other_plot"] for i in found["plot-1a"]] == ["plot-2a"]
    assert found["plot-2a"][0]["overlap_ha"] == pytest.approx(1.97 * (0.00067 / 0.00127), rel=0.01)


def test_plots_of_one_farm_may_touch(kit: Kit) -> None:
    one, _ = kit.plots()
    same = replace(one, id="plot-1b", geometry=kit.square(-1.5994, 6.5, 0.00127))
    assert issues(kit, [one, same]) == {"plot-1a": [], "plot-1b": []}


def test_self_intersecting_polygon_is_invalid(kit: Kit) -> None:
    bowtie: dict[str, Any] = {
        "type": "Polygon",
        "coordinates": [
            [[-1.6, 6.5], [-1.598731, 6.501271], [-1.598731, 6.5], [-1.6, 6.501271], [-1.6, 6.5]]
        ],
    }
    inputs = kit.inputs(plots=[replace(kit.plots()[0], geometry=bowtie), kit.plots()[1]])
    result = check_plot_geometry(inputs, build_trace(inputs))
    bad = next(row for row in result.details if row["plot"] == "plot-1a")
    assert bad["issues"][0]["rule"] == "invalid_geometry"
    assert "Self-intersection" in bad["issues"][0]["message"]
    assert (result.status, result.value) == ("fail", 0.5)


def test_five_decimal_coordinates_fail(kit: Kit) -> None:
    coarse = {
        "type": "Polygon",
        "coordinates": [
            [[-1.6, 6.5], [-1.59873, 6.5], [-1.59873, 6.50127], [-1.6, 6.50127], [-1.6, 6.5]]
        ],
    }
    found = issues(kit, [replace(kit.plots()[0], geometry=coarse), kit.plots()[1]])
    assert found["plot-1a"] == ["precision"]


def test_points_unclosed_rings_and_area_mismatch(kit: Kit) -> None:
    one, two = kit.plots()
    big_point = replace(
        one, geometry={"type": "Point", "coordinates": [-1.600001, 6.500001]}, declared_area_ha=5.5
    )
    nameless = replace(
        one,
        id="plot-1c",
        declared_area_ha=None,
        geometry={"type": "Point", "coordinates": [-1.600001, 6.520001]},
    )
    ring = two.geometry["coordinates"][0]
    unclosed = replace(two, geometry={"type": "Polygon", "coordinates": [ring[:-1]]})
    far = replace(two, id="plot-2b", declared_area_ha=3.0, geometry=kit.square(-1.54, 6.5, 0.00127))
    found = issues(kit, [big_point, nameless, unclosed, far])
    assert found == {
        "plot-1a": ["polygon_required"],
        "plot-1c": ["point_area_undeclared"],
        "plot-2a": ["ring_not_closed"],
        "plot-2b": ["area_mismatch"],
    }
