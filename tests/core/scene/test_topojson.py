"""TopoJSON decoding on a hand-written topology and on world-atlas."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import shape

from server.core.scene.topojson import (
    country_outlines,
    decode_arcs,
    load_country_outlines,
    numeric_country_code,
)

# two unit squares side by side sharing the arc x = 1; quantized with scale 0.5
TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "objects": {
        "countries": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "id": "288", "arcs": [[0, 1]]},
                {"type": "MultiPolygon", "id": "056", "arcs": [[[-3, -1]]]},
                {"type": "Point", "id": "999", "coordinates": [0, 0]},
            ],
        }
    },
    "arcs": [
        [[2, 0], [0, 2]],  # (11,20) -> (11,21)
        [[2, 2], [-2, 0], [0, -2], [2, 0]],  # (11,21) -> (10,21) -> (10,20) -> (11,20)
        [[2, 2], [2, 0], [0, -2], [-2, 0]],  # (11,21) -> (12,21) -> (12,20) -> (11,20)
    ],
}


def test_decode_arcs_sums_deltas_and_scales() -> None:
    arcs = decode_arcs(TOPOLOGY)
    assert arcs[0] == [(11.0, 20.0), (11.0, 21.0)]
    assert arcs[1][-1] == (11.0, 20.0)


def test_country_outlines_stitch_rings_and_reverse_arcs() -> None:
    outlines = country_outlines(TOPOLOGY, ["GH", "056", "999"])
    assert set(outlines) == {"GH", "056"}
    gh = outlines["GH"]
    assert gh["type"] == "Polygon"
    ring = gh["coordinates"][0]
    assert ring[0] == ring[-1]
    assert len(ring) == 5
    assert shape(gh).bounds == (10.0, 20.0, 11.0, 21.0)
    be = shape(outlines["056"])
    assert be.is_valid and be.bounds == (11.0, 20.0, 12.0, 21.0)


def test_numeric_country_code() -> None:
    assert numeric_country_code("GH") == "288"
    assert numeric_country_code("be") == "056"
    assert numeric_country_code("56") == "056"
    assert numeric_country_code("QQ") is None


def test_missing_object_is_named() -> None:
    with pytest.raises(ValueError, match="land"):
        country_outlines(TOPOLOGY, ["GH"], object_name="land")


def test_missing_file_gives_no_outlines(tmp_path: Path) -> None:
    assert load_country_outlines(tmp_path / "absent.json", ["GH"]) == {}
    assert load_country_outlines(None, ["GH"]) == {}


def test_ghana_outline_bbox(world_atlas: Path) -> None:
    ghana = shape(load_country_outlines(world_atlas, ["GH"])["GH"])
    lon0, lat0, lon1, lat1 = ghana.bounds
    assert lat0 == pytest.approx(4.7, abs=0.1)
    assert lat1 == pytest.approx(11.2, abs=0.1)
    assert lon0 == pytest.approx(-3.25, abs=0.1)
    assert lon1 == pytest.approx(1.2, abs=0.1)
