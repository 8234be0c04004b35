"""Validate an uploaded GeoJSON FeatureCollection of plots, feature by feature.

The geolocation rules (polygon above 4 ha, decimals, closed and valid rings, declared vs
geodesic area) are the evidence check's own (`server.core.evidence.geometry`), run with the
brand's parameters, so an upload is refused for exactly what the report would fail.
Around them this module checks the GeoJSON shape, the properties and the country.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.core.errors import N_
from server.core.evidence.country_bounds import (
    DEFAULT_BAND_KM,
    NEAR_BORDER,
    OUTSIDE,
    inside,
    known_country,
    placement,
)
from server.core.evidence.geometry import plot_issues as geometry_issues
from server.core.evidence.inputs import Plot
from server.core.evidence.parameters import scalar

GEOMETRY_TYPES = ("Polygon", "MultiPolygon", "Point")
MAX_KEY = 64
# A warning, not a refusal: the plot is stored, and the integrator is told to check it.
NEAR_BORDER_TEXT = N_(
    "The plot lies within %(band)s km of the border of %(country)s (%(distance)s km): at the "
    "borders' 1:10m scale its side of the border is uncertain; check it on the ground."
)


@dataclass(frozen=True)
class PlotRow:
    """A plot that passed every rule, ready to store."""

    key: str
    farm: str
    geometry: dict[str, Any]
    declared_area_ha: float | None
    country: str
    # {"index", "id", "path", "rule", "message", "template", "params"}: stored all the same
    warnings: tuple[dict[str, Any], ...] = ()


class _Refused(Exception):
    """Stop checking one feature: the rest would only repeat the same fault."""


def rule_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Return the geometry rules' parameters from brand `parameters`, with the check's defaults."""
    params = dict(parameters)
    return {
        "polygon_required_above_ha": scalar(params, "polygon_required_above_ha", 4.0),
        "min_coordinate_decimals": scalar(params, "min_coordinate_decimals", 6),
        "area_tolerance": scalar(params, "area_tolerance", 0.10),
        "overlap_tolerance_ha": scalar(params, "overlap_tolerance_ha", 0.01),
        "border_band_km": scalar(params, "border_band_km", DEFAULT_BAND_KM),
    }


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def positions(geometry: Mapping[str, Any]) -> list[tuple[float, float]]:
    """Return the (lon, lat) positions of a Point, (Multi)Polygon; raise ValueError if malformed."""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    depth = {"Point": 0, "Polygon": 2, "MultiPolygon": 3}[str(kind)]
    items: list[Any] = [coords]
    for _ in range(depth):
        if not all(isinstance(i, list) and i for i in items):
            raise ValueError(f"{kind} coordinates must nest {depth + 1} lists deep, none empty")
        items = [inner for outer in items for inner in outer]
    found = []
    for item in items:
        if not isinstance(item, list) or len(item) not in (2, 3) or not all(map(_number, item)):
            raise ValueError(f"a position must be [lon, lat] numbers, got {item!r}")
        found.append((float(item[0]), float(item[1])))
    return found


class _Feature:
    """The checks of one feature, collecting its issues."""

    def __init__(self, index: int, feature: Any) -> None:
        self.index = index
        self.feature = feature
        self.key: str | None = None
        self.issues: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []

    def fail(self, rule: str, where: str, message: str, *, stop: bool = False) -> None:
        self.issues.append(
            {
                "index": self.index,
                "id": self.key,
                "path": f"$.features[{self.index}]{where}",
                "rule": rule,
                "message": message,
            }
        )
        if stop:
            raise _Refused

    def check(
        self, sites: Mapping[str, str], seen: set[str], params: dict[str, Any]
    ) -> PlotRow | None:
        try:
            return self._check(sites, seen, params)
        except _Refused:
            return None

    def _check(
        self, sites: Mapping[str, str], seen: set[str], params: dict[str, Any]
    ) -> PlotRow | None:
        feature = self.feature
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            self.fail("not_a_feature", "", "each item must be a GeoJSON Feature", stop=True)
        props = feature.get("properties")
        if not isinstance(props, dict):
            self.fail("properties", ".properties", "properties must be an object", stop=True)
        key = props.get("id")
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
            self.fail("id", ".properties.id", f"id must be a text of 1-{MAX_KEY} characters")
        else:
            self.key = key
            if key in seen:
                self.fail("duplicate_id", ".properties.id", f"plot {key!r} appears twice")
            seen.add(key)
        farm = props.get("farm")
        kind = sites.get(farm) if isinstance(farm, str) else None
        if kind != "farm":
            detail = f"site {farm!r} is a {kind}, not a farm" if kind else f"no farm {farm!r}"
            self.fail("farm", ".properties.farm", f"{detail} in this brand")
        area = props.get("declared_area_ha")
        if area is not None and (not _number(area) or area <= 0):
            self.fail("declared_area", ".properties.declared_area_ha", "must be a number > 0")
            area = None
        country = props.get("country")
        if not known_country(country):
            self.fail(
                "country",
                ".properties.country",
                f"country must be an ISO 3166-1 alpha-2 code of a country, got {country!r}",
            )
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            found = geometry.get("type") if isinstance(geometry, dict) else geometry
            message = f"geometry must be a {', '.join(GEOMETRY_TYPES)}, got {found!r}"
            self.fail("geometry_type", ".geometry", message, stop=True)
        band = float(params["border_band_km"]["value"])
        self._place(geometry, country if known_country(country) else None, band)
        plot = Plot(str(key), str(farm), geometry, area, country)
        try:
            found = geometry_issues(plot, params)
        except (ValueError, TypeError) as exc:  # shapely/pyproj refusing odd coordinates
            found = [{"rule": "invalid_geometry", "message": f"geometry cannot be read: {exc}"}]
        for issue in found:
            self.fail(issue["rule"], ".geometry", issue["message"])
        if self.issues:
            return None
        return PlotRow(str(key), str(farm), geometry, area, str(country), tuple(self.warnings))

    def _place(self, geometry: dict[str, Any], country: str | None, band_km: float) -> None:
        try:
            points = positions(geometry)
        except ValueError as exc:
            self.fail("coordinates", ".geometry.coordinates", str(exc), stop=True)
        if not inside((-180.0, -90.0, 180.0, 90.0), points):
            self.fail(
                "coordinate_range",
                ".geometry.coordinates",
                "longitude must lie in -180..180 and latitude in -90..90",
                stop=True,
            )
        if country is None:
            return
        try:
            found = placement(country, geometry, band_km)
        except (ValueError, TypeError):  # shapely refusing the shape: the geometry rules say why
            return
        if found is None or found.status not in (OUTSIDE, NEAR_BORDER):
            return
        if found.status == NEAR_BORDER:
            params = {
                "band": f"{band_km:g}",
                "country": country,
                "distance": f"{found.border_km:.1f}",
            }
            self.warnings.append(
                {
                    "index": self.index,
                    "id": self.key,
                    "path": f"$.features[{self.index}].geometry.coordinates",
                    "rule": "near_border",
                    "message": NEAR_BORDER_TEXT % params,
                    "template": NEAR_BORDER_TEXT,
                    "params": params,
                }
            )
            return
        swapped = {"type": "Point", "coordinates": [points[0][1], points[0][0]]}
        flipped = placement(country, swapped, band_km) if len(points) else None
        if flipped is not None and flipped.status != OUTSIDE:
            message = f"the plot lies in {country} only with latitude and longitude swapped"
            self.fail(
                "lat_lon_swapped", ".geometry.coordinates", message + "; RFC 7946 is [lon, lat]"
            )
        else:
            message = (
                f"the plot lies outside {country}"
                if math.isinf(found.border_km)
                else f"the plot reaches {found.border_km:.1f} km beyond the border of {country}"
            )
            self.fail("outside_country", ".geometry.coordinates", message)


def validate_plots(
    collection: Any, sites: Mapping[str, str], parameters: Mapping[str, Any]
) -> tuple[list[PlotRow], list[dict[str, Any]]]:
    """Return the plots of a FeatureCollection and every feature's issues.

    `sites` maps the brand's site keys to their kinds; a plot's farm must be one of kind
    ``farm``. Issues are ``{"index", "id", "path", "rule", "message"}``; the plots are
    usable only when there are none.
    """
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        message = "the body must be a GeoJSON FeatureCollection"
        return [], [
            {"index": None, "id": None, "path": "$.type", "rule": "type", "message": message}
        ]
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        message = "`features` must be a non-empty list"
        return [], [
            {
                "index": None,
                "id": None,
                "path": "$.features",
                "rule": "features",
                "message": message,
            }
        ]
    params = rule_parameters(parameters)
    seen: set[str] = set()
    rows, issues = [], []
    for index, feature in enumerate(features):
        checker = _Feature(index, feature)
        row = checker.check(sites, seen, params)
        issues.extend(checker.issues)
        if row is not None:
            rows.append(row)
    return rows, issues
