"""Figures of plots computed for all at once are those of the one-by-one functions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from shapely.geometry import shape

from bench.synthetic_chain import ChainSize, batch_inputs
from server.core.evidence.dates import DateReader
from server.core.evidence.event_reading import class_gtin
from server.core.evidence.inputs import Plot
from server.core.evidence.parameters import to_date
from server.core.evidence.plot_columns import coordinate_decimals, plot_columns
from server.core.evidence.plots import area_perimeter, decimals, max_decimals
from server.core.gs1.identifiers import gtin_of


def _plot(key: str, geometry: dict[str, Any]) -> Plot:
    return Plot(key, "farm-1", geometry, None, "GH")


ODD: list[dict[str, Any]] = [
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
    {  # a bowtie: invalid
        "type": "Polygon",
        "coordinates": [
            [[-1.6, 6.5], [-1.5987, 6.5013], [-1.5987, 6.5], [-1.6, 6.5013], [-1.6, 6.5]]
        ],
    },
    {
        "type": "Polygon",
        "coordinates": [[[1e-7, 2.5e-5], [3e16, 0.5], [1.25, 1.0], [1e-7, 2.5e-5]]],
    },
    {"type": "Point", "coordinates": [1.5, 2.123456789]},
    {"type": "Point", "coordinates": [1, 2]},
    {"type": "Point", "coordinates": [1.5, 2.5, 3.0]},
    {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]},
]


def _plots() -> list[Plot]:
    plots = [_plot(f"odd-{i}", g) for i, g in enumerate(ODD)]
    return plots + list(batch_inputs(ChainSize(40, 400, batches=1, big_batch_farms=40)).plots)


def test_coordinate_decimals_are_those_of_the_shortest_text() -> None:
    rng = np.random.default_rng(13)
    base = rng.uniform(-180, 180, 20_000)
    values = [np.round(base, k % 13) for k in range(26)] + [base, base * 1e-6, base * 1e12]
    specials = np.array([0.0, -0.0, 1e-7, 2.5e-5, 1e16, 1e22, 123456.0, np.nan, np.inf, -np.inf])
    for array in [*values, specials]:
        # through text and back, as coordinates arrive in JSON
        array = np.array([float(repr(float(v))) for v in array])
        assert coordinate_decimals(array).tolist() == [decimals(float(v)) for v in array]


def test_columns_give_the_one_by_one_figures() -> None:
    plots = _plots()
    memo: dict[Any, Any] = {}
    columns = plot_columns(tuple(plots), memo)
    columns.shapes(memo)
    columns.measure((p.geometry for p in plots), memo)
    simple = 0
    for plot in plots:
        geometry = plot.geometry
        assert columns.max_decimals(geometry) == max_decimals(geometry)
        if not columns.is_simple_polygon(geometry):
            continue
        simple += 1
        own = shape(geometry)
        assert columns.is_valid(geometry, memo) == own.is_valid
        assert memo[("shape", id(geometry))][1].wkb == own.wkb
        # to the bit: the area and perimeter pyproj gives from the shapely shape
        assert columns.area_perimeter(geometry, memo) == area_perimeter(geometry)
    assert simple == 40 + 3  # a polygon a farm; the int ring, the bowtie, the odd numbers


def test_class_gtin_is_gtin_of() -> None:
    host = "https://id.gs1.org/01/"
    classes = [
        f"{host}09520123000014/10/LOT-1",
        f"{host}09520123000014/10/LOT-2",
        f"{host}09520123000014",
        f"{host}095201230000141/10/x",  # 15 digits: no GTIN
        f"{host}09520123000014\n",  # `$` before a final newline
        f"{host}09520123000014\nx",
        f"{host}0952012300001",
        "urn:epc:class:lgtin:9520123.000001.W1",
        "",
    ]
    for cls in classes:
        assert class_gtin(cls) == gtin_of(cls), cls


@pytest.mark.parametrize("value", [None, "", "2025-02-10", "2025-02-10T08:00:00Z", "bad", 7])
def test_date_reader_reads_as_to_date(value: Any) -> None:
    read = DateReader()
    assert read(value) == to_date(value)
    assert read(value) == to_date(value)  # the second time from what it kept
