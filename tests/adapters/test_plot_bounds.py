"""Bounding boxes of plot geometries, as stored for the nearby-plots query."""

from __future__ import annotations

from typing import Any

import pytest

from server.adapters.models import Plot
from server.core.evidence.plots import bounds


@pytest.mark.parametrize(
    ("geometry", "box"),
    [
        ({"type": "Point", "coordinates": [-1.5, 6.25]}, (-1.5, 6.25, -1.5, 6.25)),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]]]},
            (0.0, 0.0, 2.0, 1.0),
        ),
        (
            {
                "type": "MultiPolygon",
                "coordinates": [
                    [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                    [[[-3, 5], [-2, 5], [-2, 7], [-3, 5]]],
                ],
            },
            (-3.0, 0.0, 1.0, 7.0),
        ),
        ({"type": "Polygon", "coordinates": [[["a", "b"]]]}, None),
        ({"type": "Point"}, None),
        ({}, None),
    ],
)
def test_bounds(geometry: dict[str, Any], box: tuple[float, ...] | None) -> None:
    assert bounds(geometry) == box


def test_a_plot_keeps_the_box_of_its_geometry_when_it_changes() -> None:
    plot = Plot(key="p", site_key="f", geometry={"type": "Point", "coordinates": [1, 2]})
    assert (plot.min_lon, plot.min_lat, plot.max_lon, plot.max_lat) == (1.0, 2.0, 1.0, 2.0)
    plot.geometry = {"type": "Polygon", "coordinates": [[[0, 0], [3, 0], [3, 4], [0, 0]]]}
    assert (plot.min_lon, plot.min_lat, plot.max_lon, plot.max_lat) == (0.0, 0.0, 3.0, 4.0)
    plot.geometry = {}
    assert plot.min_lon is None and plot.max_lat is None
