"""Plots against real country borders: across the Ghana / Côte d'Ivoire border, near it, inside."""

from __future__ import annotations

import math
from typing import Any

import pytest

from server.core.evidence.country_bounds import (
    INSIDE,
    NEAR_BORDER,
    OUTSIDE,
    known_country,
    placement,
)
from server.core.evidence.plot_validation import validate_plots

# At latitude 6.5° N the Natural Earth 1:10m border of Ghana and Côte d'Ivoire runs at about
# 3.237° W; 0.01° of longitude there is about 1.1 km.
BORDER_LON, LAT = -3.237, 6.5


def _square(lon: float, lat: float, half: float) -> dict[str, Any]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    # Six decimals that do not end in zeros, as the EUDR precision rule wants.
    return {"type": "Polygon", "coordinates": [[[x + 1.3e-6, y + 1.3e-6] for x, y in ring]]}


def test_a_plot_across_the_ghana_ivory_coast_border_is_outside_ghana() -> None:
    across = _square(BORDER_LON, LAT, 0.03)  # about 3.3 km into each country
    found = placement("GH", across)
    assert found is not None and found.status == OUTSIDE
    assert 2.0 < found.border_km < 5.0
    assert placement("CI", across).status == OUTSIDE  # type: ignore[union-attr]


def test_a_plot_in_ghana_near_the_border_is_a_warning_not_a_pass() -> None:
    near = _square(BORDER_LON + 0.015, LAT, 0.004)  # its west edge about 1.2 km from the border
    found = placement("GH", near)
    assert found is not None and found.status == NEAR_BORDER
    assert 0.5 < found.border_km < 2.0
    # Just over the border, within the band, is a warning too (the map is not that exact).
    over = placement("GH", {"type": "Point", "coordinates": [BORDER_LON - 0.005, LAT]})
    assert over is not None and over.status == NEAR_BORDER


def test_a_plot_well_inside_ghana_passes_and_one_far_away_is_outside() -> None:
    found = placement("GH", _square(-1.6, 6.7, 0.005))
    assert found is not None and found.status == INSIDE and found.border_km > 2.0
    far = placement("GH", {"type": "Point", "coordinates": [4.9, 52.37]})  # Amsterdam
    assert far is not None and far.status == OUTSIDE and math.isinf(far.border_km)
    assert placement("GH", _square(-3.2, LAT, 0.005), band_km=5.0).status == NEAR_BORDER  # type: ignore[union-attr]


def test_countries_are_iso_alpha_2_codes_on_the_map() -> None:
    assert known_country("GH") and known_country("CI") and known_country("ec")
    assert not known_country("XX") and not known_country("GHA") and not known_country(None)  # type: ignore[arg-type]
    assert placement("XX", _square(-1.6, 6.7, 0.005)) is None


def _collection(*geometries: dict[str, Any]) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "geometry": geometry,
            "properties": {"id": f"p{i}", "farm": "farm-1", "country": "GH"}
            | ({"declared_area_ha": 1.0} if geometry["type"] == "Point" else {}),
        }
        for i, geometry in enumerate(geometries)
    ]
    return {"type": "FeatureCollection", "features": features}


@pytest.mark.parametrize(
    ("geometry", "rules", "warnings"),
    [
        (_square(BORDER_LON, LAT, 0.03), ["outside_country"], []),  # 3.3 km into each
        (_square(BORDER_LON + 0.015, LAT, 0.0004), [], ["near_border"]),  # about 2 ha
        (_square(-1.6, 6.7, 0.0004), [], []),
        ({"type": "Point", "coordinates": [6.700013, -1.600013]}, ["lat_lon_swapped"], []),
    ],
)
def test_the_upload_check_refuses_across_warns_near_and_passes_inside(
    geometry: dict[str, Any], rules: list[str], warnings: list[str]
) -> None:
    rows, issues = validate_plots(_collection(geometry), {"farm-1": "farm"}, {})
    assert [issue["rule"] for issue in issues] == rules
    assert [w["rule"] for row in rows for w in row.warnings] == warnings
    if warnings:
        (warning,) = rows[0].warnings
        assert warning["path"] == "$.features[0].geometry.coordinates"
        assert "Ghana" not in warning["message"] and "GH" in warning["message"]
