"""Lay out the Nkabom pack's places: farms and their plots in Ghana, and the sites downstream.

Farms sit in real cocoa districts of Ashanti and Western North; plots are drawn as star-shaped
polygons scaled so their geodesic area is within a few per cent of the declared area.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from pyproj import Geod
from shapely.geometry import Polygon

PREFIX = "9520123"
GEOD = Geod(ellps="WGS84")
MIN_PLOT_SPACING_M = 450.0
FLAGGED_FARM = "farm-17"
UNASSESSED_PLOT = "plot-21b"

# (community, region, district, lat, lon, cooperative, region code, farm count)
CLUSTERS = (
    ("Nyinahin", "Ashanti", "Atwima Mponua", 6.603, -2.118, "coop-1", "AS", 6),
    ("Mankranso", "Ashanti", "Ahafo Ano South West", 6.812, -1.862, "coop-1", "AS", 6),
    ("Manso Nkwanta", "Ashanti", "Amansie West", 6.470, -1.882, "coop-1", "AS", 5),
    ("Tepa", "Ashanti", "Ahafo Ano North", 6.995, -2.160, "coop-1", "AS", 5),
    ("Sefwi Wiawso", "Western North", "Sefwi Wiawso", 6.206, -2.486, "coop-2", "WN", 6),
    ("Juaboso", "Western North", "Juaboso", 6.331, -2.827, "coop-2", "WN", 6),
    ("Sefwi Bekwai", "Western North", "Bibiani-Anhwiaso-Bekwai", 6.197, -2.352, "coop-2", "WN", 6),
)
CLUSTER_RADIUS_DEG = 0.024

# (id, kind, location ref, name, country, region, lat, lon, extra properties)
OTHER_SITES: tuple[tuple[str, str, str, str, str, str, float, float, dict[str, str]], ...] = (
    (
        "coop-1",
        "cooperative",
        "00101",
        "Nyinahin Cocoa Farmers' Cooperative",
        "GH",
        "Ashanti",
        6.603912,
        -2.117436,
        {"union": "Sefwi-Ashanti Cocoa Farmers' Union"},
    ),
    (
        "coop-2",
        "cooperative",
        "00102",
        "Sefwi Wiawso Cocoa Farmers' Cooperative",
        "GH",
        "Western North",
        6.205637,
        -2.486129,
        {"union": "Sefwi-Ashanti Cocoa Farmers' Union"},
    ),
    (
        "fermentary-1",
        "fermentary",
        "00111",
        "Bibiani Central Fermentary",
        "GH",
        "Western North",
        6.458732,
        -2.312417,
        {"operator": "Sefwi-Ashanti Cocoa Farmers' Union"},
    ),
    (
        "warehouse-1",
        "warehouse",
        "00121",
        "Takoradi Port Cocoa Warehouse",
        "GH",
        "Western",
        4.890213,
        -1.751836,
        {},
    ),
    ("port-1", "port", "00131", "Port of Takoradi", "GH", "Western", 4.884537, -1.743614, {}),
    (
        "port-2",
        "port",
        "00132",
        "Port of Amsterdam, Westpoort",
        "NL",
        "Noord-Holland",
        52.409516,
        4.805127,
        {},
    ),
    (
        "factory-1",
        "factory",
        "00141",
        "Nkabom Chocolate factory, Zaandam",
        "NL",
        "Noord-Holland",
        52.439812,
        4.821537,
        {},
    ),
)


def check_digit(digits: str) -> str:
    """Return the GS1 mod-10 check digit for `digits`."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def gln(location_ref: str) -> str:
    """Return the 13-digit GLN for a 5-digit location reference under the brand prefix."""
    body = PREFIX + location_ref
    return body + check_digit(body)


def sgln(location_ref: str) -> str:
    """Return the EPC sgln URN for a 5-digit location reference."""
    return f"urn:epc:id:sgln:{PREFIX}.{location_ref}.0"


def c6(value: float) -> float:
    """Round `value` to exactly six decimals, nudging so the sixth decimal is not zero."""
    v = round(value, 6)
    while len(repr(v).split(".")[-1]) != 6:
        v = round(v + 1e-6, 6)
    return v


@dataclass
class Farm:
    """A farm and the plots it registered."""

    id: str
    number: int
    ref: str
    community: str
    region: str
    district: str
    cooperative: str
    plots: list[dict[str, Any]] = field(default_factory=list)
    lat: float = 0.0
    lon: float = 0.0

    @property
    def area_ha(self) -> float:
        """Return the farm's total declared plot area in hectares."""
        return round(sum(float(p["properties"]["declared_area_ha"]) for p in self.plots), 1)


def _offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return lat + north_m / 110_574.0, lon + east_m / (111_320.0 * math.cos(math.radians(lat)))


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[1], a[0], b[1], b[0])[2])


def _polygon(rng: random.Random, lat: float, lon: float, target_m2: float) -> list[list[float]]:
    """Draw a star-shaped counter-clockwise ring around (lat, lon) with geodesic area target."""
    n = 5 + int(rng.random() * 4)
    base = rng.random() * 2 * math.pi
    step = 2 * math.pi / n
    unit = []
    for i in range(n):
        angle = base + i * step + (rng.random() - 0.5) * 0.6 * step
        radius = 0.8 + 0.35 * rng.random()
        unit.append((radius * math.cos(angle), radius * math.sin(angle)))
    scale = 1.0
    for _ in range(3):
        ring = [_offset(lat, lon, x * scale, y * scale) for x, y in unit]
        area, _perimeter = GEOD.polygon_area_perimeter([p[1] for p in ring], [p[0] for p in ring])
        scale *= math.sqrt(target_m2 / abs(area))
    coords = [
        [c6(lo), c6(la)] for la, lo in (_offset(lat, lon, x * scale, y * scale) for x, y in unit)
    ]
    coords.append(list(coords[0]))
    poly = Polygon(coords)
    if not poly.is_valid or not poly.exterior.is_ccw:
        raise ValueError(f"generated ring at ({lat}, {lon}) is not a valid CCW polygon")
    return coords


def build_farms(rng: random.Random) -> list[Farm]:
    """Place 40 farms with 1-2 plots each, non-overlapping, in the seven communities."""
    farms: list[Farm] = []
    centres: list[tuple[float, float]] = []
    member_numbers = {"AS": rng.sample(range(100, 900), 30), "WN": rng.sample(range(100, 900), 30)}
    number = 0
    for community, region, district, clat, clon, coop, code, count in CLUSTERS:
        for _ in range(count):
            number += 1
            farm = Farm(
                id=f"farm-{number:02d}",
                number=number,
                ref=f"GH-{code}-{member_numbers[code].pop():04d}",
                community=community,
                region=region,
                district=district,
                cooperative=coop,
            )
            n_plots = 2 if rng.random() < 0.22 else 1
            if farm.id == FLAGGED_FARM:
                n_plots = 1
            if farm.id == UNASSESSED_PLOT[:-1].replace("plot", "farm"):
                n_plots = 2
            anchor: tuple[float, float] | None = None
            for k in range(n_plots):
                while True:
                    if anchor is None:
                        r = CLUSTER_RADIUS_DEG * math.sqrt(rng.random())
                        t = rng.random() * 2 * math.pi
                        cand = (clat + r * math.sin(t), clon + r * math.cos(t))
                    else:
                        d = 600 + 600 * rng.random()
                        t = rng.random() * 2 * math.pi
                        cand = _offset(anchor[0], anchor[1], d * math.cos(t), d * math.sin(t))
                    if all(_distance_m(cand, c) >= MIN_PLOT_SPACING_M for c in centres):
                        break
                centres.append(cand)
                anchor = anchor or cand
                plot_id = f"plot-{number:02d}{'ab'[k]}"
                area = min(6.0, max(0.5, round(math.exp(rng.gauss(0.8, 0.45)), 1)))
                if farm.id == FLAGGED_FARM:
                    area = 2.5
                as_polygon = area > 4.0 or rng.random() < 0.5
                if farm.id == FLAGGED_FARM:
                    as_polygon = False
                if as_polygon:
                    target = area * 10_000 * (1 + (rng.random() - 0.5) * 0.07)
                    geometry: dict[str, Any] = {
                        "type": "Polygon",
                        "coordinates": [_polygon(rng, cand[0], cand[1], target)],
                    }
                else:
                    geometry = {"type": "Point", "coordinates": [c6(cand[1]), c6(cand[0])]}
                registered = (
                    f"2023-{1 + int(rng.random() * 11):02d}-{1 + int(rng.random() * 27):02d}"
                )
                if plot_id == UNASSESSED_PLOT:
                    registered = "2024-10-14"
                farm.plots.append(
                    {
                        "type": "Feature",
                        "geometry": geometry,
                        "properties": {
                            "id": plot_id,
                            "farm": farm.id,
                            "declared_area_ha": area,
                            "country": "GH",
                            "registered_on": registered,
                        },
                    }
                )
            first = farm.plots[0]["geometry"]
            if first["type"] == "Point":
                farm.lon, farm.lat = first["coordinates"]
            else:
                centroid = Polygon(first["coordinates"][0]).centroid
                farm.lon, farm.lat = c6(centroid.x), c6(centroid.y)
            farms.append(farm)
    return farms


def site_features(farms: list[Farm]) -> list[dict[str, Any]]:
    """Return the sites.geojson features: every farm, then the downstream sites."""
    features: list[dict[str, Any]] = []
    for f in farms:
        ref = f"{f.number:05d}"
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
                "properties": {
                    "id": f.id,
                    "gln": gln(ref),
                    "sgln": sgln(ref),
                    "kind": "farm",
                    "name": f"Farm {f.ref}, {f.community}",
                    "country": "GH",
                    "region": f.region,
                    "district": f.district,
                    "cooperative": f.cooperative,
                    "farmer": f.ref,
                },
            }
        )
    for sid, kind, ref, name, country, region, lat, lon, extra in OTHER_SITES:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c6(lon), c6(lat)]},
                "properties": {
                    "id": sid,
                    "gln": gln(ref),
                    "sgln": sgln(ref),
                    "kind": kind,
                    "name": name,
                    "country": country,
                    "region": region,
                    **extra,
                },
            }
        )
    return features
