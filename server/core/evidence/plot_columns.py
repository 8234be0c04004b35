"""Measure all of a batch's plots at once: coordinate decimals, shapes, validity, areas.

Nearly every plot is a Polygon of one closed ring of ``[lon, lat]`` numbers or a Point of
``[lon, lat]``. Their positions are read once into flat coordinate arrays, and each figure
the checks need is computed over all of them in a few vectorised calls (one pyproj call per
ring for areas, as pyproj measures one polygon a call). The figures are exactly those of the
one-by-one functions of `server.core.evidence.plots`, which still measure every other
geometry (holes, multipolygons, anything unusual).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import shapely

from server.core.evidence.inputs import Plot
from server.core.evidence.plots import (
    area_perimeter,
    decimals,
    max_decimals,
    simple_ring,
    wgs84,
)

_NUMBER = (float, int)
# Decimal places tested by rounding (see `coordinate_decimals`); more are counted from text.
_MAX_ROUNDED_PLACES = 12
# |x| x 10^k below this is an exact integer once rounded, with room for the product's error.
_EXACT_SCALED = 2.0**50


def coordinate_decimals(values: np.ndarray) -> np.ndarray:
    """Return `decimals(v)` for each float of a 1-d array.

    The decimals of v's shortest text form are the fewest k for which a k-decimal number
    reads back as v, and that holds exactly when ``np.round(v, k) == v``: numpy rounds as
    rint(v x 10^k) / 10^k, which is v again when v has at most k decimals (the product is
    then within a hair of an integer far below 2^53) and, being one correctly rounded
    division of integers, is a k-decimal number read back. Values with more decimals than
    tested, too large for that margin, or not finite are counted from their text.
    """
    found = np.full(values.shape, -1, dtype=np.int64)
    size = np.abs(values)
    todo = np.isfinite(values)
    for places in range(_MAX_ROUNDED_PLACES + 1):
        hit = todo & (size * 10.0**places < _EXACT_SCALED) & (np.round(values, places) == values)
        found[hit] = places
        todo &= ~hit
    for index in np.flatnonzero(found < 0).tolist():
        found[index] = decimals(float(values[index]))
    return found


def _simple_positions(geometry: dict[str, Any]) -> list[Any] | None:
    """Return a simple ring's positions, or a Point's one position as a list of one."""
    if geometry.get("type") == "Point":
        position = geometry.get("coordinates")
        if type(position) is list and len(position) == 2:
            x, y = position
            if type(x) in _NUMBER and type(y) in _NUMBER:
                return [position]
        return None
    return simple_ring(geometry)


class PlotColumns:
    """Figures of plots, computed for all simple ones at once and kept by geometry."""

    def __init__(self, plots: Iterable[Plot]) -> None:
        self.row: dict[int, int] = {}  # id(geometry) -> row in the arrays below
        self.geometries: list[dict[str, Any]] = []  # kept alive: `row` is by identity
        positions: list[Any] = []
        counts: list[int] = []
        for plot in plots:
            geometry = plot.geometry
            if id(geometry) in self.row:
                continue
            found = _simple_positions(geometry)
            if found is None:
                continue
            self.row[id(geometry)] = len(self.geometries)
            self.geometries.append(geometry)
            positions.extend(found)
            counts.append(len(found))
        self.counts = np.array(counts, dtype=np.int64)
        self.ends = np.cumsum(self.counts)
        self.starts = self.ends - self.counts
        xy = np.array(positions, dtype=float).reshape(-1, 2)
        self.lons = np.ascontiguousarray(xy[:, 0])
        self.lats = np.ascontiguousarray(xy[:, 1])
        self.polygon = self.counts > 1  # a point has one position, a ring at least four
        self.bounds = list(zip(self.starts.tolist(), self.ends.tolist(), strict=True))
        self.is_ring = self.polygon.tolist()
        self._decimals: list[int] | None = None
        self._valid: list[bool] | None = None

    def max_decimals(self, geometry: dict[str, Any]) -> int:
        """Return `plots.max_decimals(geometry)`."""
        row = self.row.get(id(geometry))
        if row is None:
            return max_decimals(geometry)
        if self._decimals is None:
            places = coordinate_decimals(np.concatenate([self.lons, self.lats]))
            each = np.maximum(places[: len(self.lons)], places[len(self.lons) :])
            self._decimals = (
                np.maximum.reduceat(each, self.starts).tolist() if len(self.starts) else []
            )
        return self._decimals[row]

    def is_simple_polygon(self, geometry: dict[str, Any]) -> bool:
        """Tell whether `geometry` is a Polygon of one closed ring of [lon, lat] numbers."""
        row = self.row.get(id(geometry))
        return row is not None and self.is_ring[row]

    def shapes(self, memo: dict[Any, Any]) -> None:
        """Make the shapes of all simple polygons in one shapely call, into `memo`.

        Those `plots.shape_of` makes one by one from the same coordinates (same WKB), under
        its keys, so that every check reads the same shape objects.
        """
        if self._valid is not None:
            return
        rows = np.flatnonzero(self.polygon)
        self._valid = [False] * len(self.geometries)
        if not len(rows):
            return
        take = np.repeat(self.polygon, self.counts)
        coords = np.stack([self.lons[take], self.lats[take]], axis=1)
        indices = np.repeat(np.arange(len(rows)), self.counts[rows])
        polygons = shapely.polygons(shapely.linearrings(coords, indices=indices))
        for row, polygon, valid in zip(
            rows.tolist(), polygons.tolist(), shapely.is_valid(polygons).tolist(), strict=True
        ):
            geometry = self.geometries[row]
            key = ("shape", id(geometry))
            if key not in memo:
                memo[key] = (geometry, polygon)
            self._valid[row] = valid

    def is_valid(self, geometry: dict[str, Any], memo: dict[Any, Any]) -> bool:
        """Tell whether a simple polygon's shape is valid (shapely ``is_valid``)."""
        self.shapes(memo)
        assert self._valid is not None
        return self._valid[self.row[id(geometry)]]

    def measure(self, geometries: Iterable[dict[str, Any]], memo: dict[Any, Any]) -> None:
        """Compute the geodesic area and perimeter of the simple polygons among `geometries`.

        Into `memo` under `plots.area_perimeter`'s keys: pyproj measures the same ring's
        positions as from the polygon's shape, so the figures are the same to the bit.
        """
        measure = wgs84().polygon_area_perimeter
        lons, lats, row_of, is_ring = self.lons, self.lats, self.row, self.is_ring
        for geometry in geometries:
            row = row_of.get(id(geometry))
            if row is None or not is_ring[row]:
                continue
            key = ("area", id(geometry))
            if key not in memo:
                start, end = self.bounds[row]
                memo[key] = (geometry, measure(lons[start:end], lats[start:end]))

    def area_perimeter(self, geometry: dict[str, Any], memo: dict[Any, Any]) -> tuple[float, float]:
        """Return `plots.area_perimeter(geometry, memo)`, measured here when it is simple."""
        if ("area", id(geometry)) not in memo:
            self.measure((geometry,), memo)
        return area_perimeter(geometry, memo)


def plot_columns(plots: tuple[Plot, ...], memo: dict[Any, Any]) -> PlotColumns:
    """Return the `PlotColumns` of `plots`, made once per plots tuple (`BatchInputs.memo`)."""
    key = ("columns", id(plots))
    found = memo.get(key)
    if found is None:
        found = memo[key] = (plots, PlotColumns(plots))
    columns: PlotColumns = found[1]
    return columns
