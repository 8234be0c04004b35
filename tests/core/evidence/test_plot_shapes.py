"""Shapes made for all plots at once are those shapely makes one by one."""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape

from bench.synthetic_chain import ChainSize, batch_inputs
from server.core.evidence.inputs import Plot
from server.core.evidence.plots import prime_shapes, shape_of


def _plot(key: str, geometry: dict[str, Any]) -> Plot:
    return Plot(key, "farm-1", geometry, None, "GH")


def test_primed_shapes_are_shapely_s_own() -> None:
    odd = [
        {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 1], [0, 0]]]},  # ints
        {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 1], [0, 1]]]},  # not closed
        {"type": "Polygon", "coordinates": [[[0, 0, 5], [2, 0, 5], [2, 1, 5], [0, 0, 5]]]},
        {
            "type": "Polygon",
            "coordinates": [
                [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]],
                [[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 1.0]],
            ],
        },
        {"type": "Point", "coordinates": [1.5, 2.5]},
    ]
    plots = [_plot(f"odd-{i}", g) for i, g in enumerate(odd)]
    plots += list(batch_inputs(ChainSize(40, 400, batches=1, big_batch_farms=40)).plots)
    memo: dict[Any, Any] = {}
    prime_shapes(plots, memo)
    assert len([k for k in memo if k != "primed"]) == 40 + 1  # a polygon a farm, the int one
    for plot in plots:
        if plot.geometry["type"] == "Polygon":
            assert shape_of(plot.geometry, memo).wkb == shape(plot.geometry).wkb
