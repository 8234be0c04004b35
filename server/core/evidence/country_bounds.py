"""Where a plot lies against its declared country's borders (Natural Earth 1:10m polygons).

The borders are world-atlas's TopoJSON of Natural Earth's Admin 0 countries at 1:10m (public
domain), kept as package data (`data/countries-10m.topo.json.gz`, written by
``scripts/derive_country_borders.py``), decoded once per process. At that scale a border
is drawn to within about a kilometre, so a plot within `band_km` of its country's border
(inside, or outside by less than that) is *near the border*: a warning to check on the
ground, neither a pass nor a failure. A plot reaching further than `band_km` beyond the
border is *outside* its country. Distances are measured in a local equirectangular frame
around the plot (longitudes scaled by the cosine of its latitude), which is exact to well
under 1 % over a few kilometres.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from server.core.scene.topojson import decode_arcs, geometry_to_geojson, numeric_country_code

Box = tuple[float, float, float, float]
BORDERS_FILE = "countries-10m.topo.json.gz"
KM_PER_DEGREE = 111.32  # of latitude, and of longitude at the equator
DEFAULT_BAND_KM = 2.0
INSIDE, NEAR_BORDER, OUTSIDE = "inside", "near_border", "outside"


# Coarse boxes (min lon, min lat, max lon, max lat), rounded outwards from each country's
# extent: the centre a country-precision disclosure shows (`server.core.disclosure.policy`).
# They overlap their neighbours; the border check uses the polygons, not these.
COUNTRY_BOXES: dict[str, Box] = {
    "BE": (2.5, 49.4, 6.5, 51.6),
    "BR": (-74.1, -33.8, -34.7, 5.3),
    "CI": (-8.7, 4.3, -2.4, 10.8),
    "CM": (8.4, 1.6, 16.3, 13.1),
    "CO": (-79.1, -4.3, -66.8, 12.5),
    "DE": (5.8, 47.2, 15.1, 55.1),
    "EC": (-92.1, -5.1, -75.1, 1.7),
    "GH": (-3.3, 4.7, 1.3, 11.2),
    "ID": (95.0, -11.1, 141.1, 6.1),
    "LR": (-11.5, 4.3, -7.3, 8.6),
    "NG": (2.6, 4.2, 14.7, 13.9),
    "NL": (3.3, 50.7, 7.3, 53.6),
    "PE": (-81.4, -18.4, -68.6, 0.0),
    "TG": (-0.2, 6.0, 1.9, 11.2),
}


def inside(box: Box, positions: Iterable[tuple[float, float]]) -> bool:
    """Tell whether every (lon, lat) position lies inside `box`."""
    west, south, east, north = box
    return all(west <= lon <= east and south <= lat <= north for lon, lat in positions)


@lru_cache(maxsize=1)
def _topology() -> tuple[dict[str, Any], list[Any]]:
    """Return the countries by ISO numeric id and the decoded arcs (read once)."""
    raw = resources.files("server.core.evidence").joinpath("data", BORDERS_FILE).read_bytes()
    topology = json.loads(gzip.decompress(raw))
    geometries = topology["objects"]["countries"]["geometries"]
    return {str(g["id"]): g for g in geometries}, decode_arcs(topology)


def known_country(country: str) -> bool:
    """Tell whether `country` (ISO 3166-1 alpha-2) has borders on the map."""
    if not isinstance(country, str) or len(country) != 2 or not country.isalpha():
        return False
    return (numeric_country_code(country) or "") in _topology()[0]


@lru_cache(maxsize=64)
def country_shape(country: str) -> BaseGeometry | None:
    """Return the (Multi)Polygon of `country` (alpha-2) in lon/lat degrees, None if unknown."""
    by_id, arcs = _topology()
    found = by_id.get(numeric_country_code(country) or "")
    if found is None:
        return None
    geojson = geometry_to_geojson(found, arcs)
    if geojson is None:
        return None
    geometry = shapely.make_valid(shape(geojson))
    shapely.prepare(geometry)
    return geometry


@dataclass(frozen=True)
class Placement:
    """Where a plot lies: `status` inside / near_border / outside, and by how much.

    `border_km` is the distance from the plot to the border when the plot lies inside,
    or how far its farthest point reaches beyond the border when it does not (infinite
    when the plot is nowhere near the country).
    """

    status: str
    border_km: float


def _local(geometry: BaseGeometry, lat0: float) -> BaseGeometry:
    """Return `geometry` in kilometres of a local equirectangular frame at latitude `lat0`."""
    scale_x = KM_PER_DEGREE * math.cos(math.radians(lat0))
    return shapely.transform(geometry, lambda xy: xy * [scale_x, KM_PER_DEGREE])


def placement(
    country: str, geometry: Mapping[str, Any], band_km: float = DEFAULT_BAND_KM
) -> Placement | None:
    """Return where a GeoJSON Point or (Multi)Polygon lies against `country`'s borders.

    None when the country has no borders on the map. `band_km` is the width on either side
    of the border within which a plot is near the border rather than in or out.
    """
    borders = country_shape(country)
    if borders is None:
        return None
    plot = shapely.make_valid(shape(geometry))
    west, south, east, north = plot.bounds
    lat0 = (south + north) / 2
    # Only the borders near the plot matter: clip them to its box widened by the band (and
    # a margin), so that the frame's distortion stays small and the work stays small.
    reach = (band_km * 3 + 1) / KM_PER_DEGREE
    widen = reach / max(math.cos(math.radians(lat0)), 0.05)
    near = shapely.clip_by_rect(borders, west - widen, south - reach, east + widen, north + reach)
    local_plot = _local(plot, lat0)
    if near.is_empty:
        if borders.contains(plot):  # at least this far from any border of the country
            return Placement(INSIDE, band_km * 3 + 1)
        return Placement(OUTSIDE, math.inf)  # nowhere near the country
    local_country = _local(near, lat0)
    outside_part = local_plot.difference(local_country)
    if outside_part.is_empty or (outside_part.area == 0 and outside_part.length == 0):
        to_border = local_plot.distance(local_country.boundary)
        return Placement(INSIDE if to_border >= band_km else NEAR_BORDER, to_border)
    # How far the part outside reaches: the distance of its farthest vertex from the country.
    corners = shapely.points(shapely.get_coordinates(outside_part))
    beyond = float(shapely.distance(corners, local_country).max()) if len(corners) else 0.0
    return Placement(NEAR_BORDER if beyond <= band_km else OUTSIDE, beyond)
