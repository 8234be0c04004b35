"""Measure farm plots: geodesic areas, coordinate precision, grouping by farm."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pyproj import Geod
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from server.core.evidence.inputs import Plot

SQ_M_PER_HA = 10_000.0


@lru_cache(maxsize=1)
def wgs84() -> Geod:
    """Return the WGS84 ellipsoid every plot is measured on (made once)."""
    return Geod(ellps="WGS84")


def bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """Return (min lon, min lat, max lon, max lat) of a GeoJSON geometry's positions.

    None when it holds no readable position; positions that are not numbers are skipped.
    """
    xs: list[float] = []
    ys: list[float] = []
    stack: list[Any] = [geometry.get("coordinates") if isinstance(geometry, dict) else None]
    while stack:
        item = stack.pop()
        if not isinstance(item, list) or not item:
            continue
        first, second = item[0], item[1] if len(item) > 1 else None
        if isinstance(first, int | float) and isinstance(second, int | float):
            xs.append(float(first))
            ys.append(float(second))
        else:
            stack.extend(item)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def is_polygonal(geometry: dict[str, Any]) -> bool:
    """Tell whether a GeoJSON geometry is a Polygon or MultiPolygon."""
    return geometry.get("type") in ("Polygon", "MultiPolygon")


def geodesic_area_ha(geometry: dict[str, Any], memo: dict[Any, Any] | None = None) -> float:
    """Return the geodesic area (WGS84 ellipsoid) of a GeoJSON (Multi)Polygon in hectares."""
    if not is_polygonal(geometry):
        raise ValueError(
            f"`geometry` must be a Polygon or MultiPolygon, got {geometry.get('type')!r}"
        )
    if shape_of(geometry, memo).is_empty:
        return 0.0
    return abs(area_perimeter(geometry, memo)[0]) / SQ_M_PER_HA


def shape_area_ha(geom: BaseGeometry) -> float:
    """Return the geodesic area in hectares of the polygonal parts of a shapely geometry."""
    parts = getattr(geom, "geoms", None)
    if parts is not None and geom.geom_type == "GeometryCollection":
        return sum(shape_area_ha(part) for part in parts)
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return 0.0
    area, _ = wgs84().geometry_area_perimeter(geom)
    return abs(area) / SQ_M_PER_HA


def shape_of(geometry: dict[str, Any], memo: dict[Any, Any] | None = None) -> BaseGeometry:
    """Return `shapely.geometry.shape(geometry)`, made once per geometry when given a `memo`.

    The memo (`BatchInputs.memo`) keys by the geometry object, which it keeps alive; a
    geometry shapely refuses raises each time, as without the memo.
    """
    if memo is None:
        return shape(geometry)
    key = ("shape", id(geometry))
    found = memo.get(key)
    if found is None:
        found = memo[key] = (geometry, shape(geometry))
    return found[1]


def simple_ring(geometry: dict[str, Any]) -> list[Any] | None:
    """Return a Polygon's one closed ring of 2-number positions, else None (shape() decides)."""
    if geometry.get("type") != "Polygon":
        return None
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or len(rings) != 1 or not isinstance(rings[0], list):
        return None
    ring = rings[0]
    if len(ring) < 4 or ring[0] != ring[-1]:
        return None
    for position in ring:
        if not isinstance(position, list) or len(position) != 2:
            return None
        x, y = position
        if type(x) not in _NUMBER or type(y) not in _NUMBER:
            return None
    return ring


_NUMBER = (float, int)


def area_perimeter(
    geometry: dict[str, Any], memo: dict[Any, Any] | None = None
) -> tuple[float, float]:
    """Return the geodesic (area in m², perimeter in m) of a polygon, once per geometry."""
    key = ("area", id(geometry))
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = (geometry, wgs84().geometry_area_perimeter(shape_of(geometry, memo)))
        if memo is not None:
            memo[key] = found
    area, perimeter = found[1]
    return area, perimeter


def plot_area_perimeter(
    plot: Plot, memo: dict[Any, Any] | None = None
) -> tuple[float | None, str, float | None]:
    """Return `plot_area_ha` and, for a measured polygon, its perimeter in metres.

    One geodesic computation gives both (the yield check needs the perimeter for its band).
    """
    if is_polygonal(plot.geometry):
        try:
            area, perimeter = area_perimeter(plot.geometry, memo)
            return abs(area) / SQ_M_PER_HA, "geodesic", float(perimeter)
        except (ValueError, TypeError, KeyError, IndexError):
            # Unreadable coordinates: the declared area, as in plot_area_ha.
            pass
    area_ha, source = plot_area_ha(plot)
    return area_ha, source, None


def plot_area_ha(plot: Plot) -> tuple[float | None, str]:
    """Return a plot's area in hectares and how it was found ("geodesic", "declared", "none").

    Polygons are measured; a point plot can only have its declared area.
    """
    if is_polygonal(plot.geometry):
        try:
            return geodesic_area_ha(plot.geometry), "geodesic"
        except (ValueError, TypeError, KeyError, IndexError):
            # Unreadable coordinates: fall back to the declared area (geometry check fails it).
            pass
    if plot.declared_area_ha is not None:
        return float(plot.declared_area_ha), "declared"
    return None, "none"


def plots_by_farm(plots: Iterable[Plot]) -> dict[str, list[Plot]]:
    """Return plots grouped by farm id, each list sorted by plot id."""
    groups: dict[str, list[Plot]] = defaultdict(list)
    for plot in sorted(plots, key=lambda p: p.id):
        groups[plot.farm].append(plot)
    return dict(groups)


def coordinates(geometry: dict[str, Any]) -> Iterator[float]:
    """Yield every number in a GeoJSON geometry's coordinates."""
    stack: list[Any] = [geometry.get("coordinates", [])]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            yield float(item)


def decimals(value: float) -> int:
    """Return how many decimal places the shortest text form of `value` has."""
    text = repr(value)
    if "e" not in text and "n" not in text and "." in text:  # the common "6.123456"
        return len(text.partition(".")[2].rstrip("0"))
    exponent = Decimal(text).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def max_decimals(geometry: dict[str, Any]) -> int:
    """Return the largest number of decimals among a geometry's coordinates (0 if none).

    JSON drops trailing zeros (6.100000 reads as 6.1), so one coordinate is a weak sign but
    the largest over all of them is a fair one.
    """
    ring = simple_ring(geometry)
    if ring is not None:  # the common case, without the generic walk
        return max(decimals(float(v)) for position in ring for v in position)
    return max((decimals(v) for v in coordinates(geometry)), default=0)
