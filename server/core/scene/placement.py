"""What a scene layout holds: panels (maps at one scale), placed sites, plots, routes, countries."""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import Polygon

from server.core.scene.inputs import SceneSite

Vec3 = tuple[float, float, float]
BBox = tuple[float, float, float, float]  # lon0, lat0, lon1, lat1


@dataclass(frozen=True)
class Panel:
    """A flat map on the table: a geographic box drawn at one scale."""

    key: str
    center: tuple[float, float]  # table x, z of the panel centre
    size: tuple[float, float]  # table width (x), depth (z), margins included
    geo_center: tuple[float, float]  # lon, lat drawn at `center`
    metres_per_km: float

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """Return table (x, z) of a lon/lat position on this panel."""
        coslat = math.cos(math.radians(self.geo_center[1]))
        x_km = (lon - self.geo_center[0]) * 111.32 * coslat
        z_km = -(lat - self.geo_center[1]) * 110.57
        return (
            self.center[0] + x_km * self.metres_per_km,
            self.center[1] + z_km * self.metres_per_km,
        )


@dataclass(frozen=True)
class PlacedSite:
    """A site's marker position and the panel it stands on."""

    site: SceneSite
    position: Vec3
    panel: str


@dataclass(frozen=True)
class PlacedPlot:
    """A plot footprint: polygons in table metres relative to `position` (x, z)."""

    id: str
    farm: str
    status: str
    position: Vec3
    polygons: tuple[Polygon, ...]


@dataclass(frozen=True)
class PlacedRoute:
    """A route arc; `path` holds world positions, `position` is its first point."""

    from_site: str
    to_site: str
    mode: str
    position: Vec3
    path: tuple[Vec3, ...]
    long_haul: bool


@dataclass(frozen=True)
class PlacedCountry:
    """A country's land on a panel: polygons in table metres relative to `position`."""

    iso: str
    panel: str
    position: Vec3
    polygons: tuple[Polygon, ...]


@dataclass(frozen=True)
class Layout:
    """Where everything goes on the table."""

    panels: tuple[Panel, ...]
    sites: tuple[PlacedSite, ...]
    plots: tuple[PlacedPlot, ...]
    routes: tuple[PlacedRoute, ...]
    countries: tuple[PlacedCountry, ...]
    leader: tuple[Vec3, Vec3] | None
    bounds: tuple[Vec3, Vec3]

    def site(self, site_id: str) -> PlacedSite:
        """Return the placed site `site_id`."""
        for placed in self.sites:
            if placed.site.id == site_id:
                return placed
        raise KeyError(site_id)
