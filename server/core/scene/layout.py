"""Place a batch's journey on a tabletop diorama (metres, Y up, north = -Z, east = +X).

The journey spans three scales: plots ~100 m across, an origin region of a few hundred
kilometres, and a long haul of ~5,000 km to a factory. One map cannot show all three, so
the table holds up to three flat panels, each an equirectangular map at its own scale:

- ``ground``: the origin region (the origin sites and their countries), ~1.2 m across;
- ``inset:plots``: the plots and the sites among them, true to shape, ~0.45 m across,
  beside the ground panel (on the side away from the destination), with a leader line to
  where they lie on the ground panel;
- ``inset:destination``: sites more than `FAR_KM` from the origin (and their countries),
  ~0.4 m across, placed off the ground panel in the true direction of travel.

Routes between sites on different panels become higher arcs. The union of panels is
centred on the origin of the table, so the whole diorama is about 2 m across.
"""

from __future__ import annotations

import math
from typing import Any

from shapely.geometry import MultiPolygon, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from server.core.scene.inputs import SceneInput, SceneSite
from server.core.scene.placement import (
    BBox,
    Layout,
    Panel,
    PlacedCountry,
    PlacedPlot,
    PlacedRoute,
    PlacedSite,
    Vec3,
)

FAR_KM = 1500.0
GROUND_SIZE = 1.2
PLOTS_SIZE = 0.45
DESTINATION_SIZE = 0.4
PANEL_MARGIN = 0.04
PANEL_GAP = 0.08
ROUTE_SAMPLES = 24
POINT_PLOT_RADIUS_M = 56.4  # a 1 ha circle
MIN_PLOT_RADIUS = 0.004


def _r(value: float) -> float:
    """Round a table coordinate to 0.1 mm so GLB and manifest agree exactly."""
    return round(float(value), 4) + 0.0


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def _union_bbox(boxes: list[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _pad(bbox: BBox, fraction: float, minimum_deg: float) -> BBox:
    lon0, lat0, lon1, lat1 = bbox
    dx = max((lon1 - lon0) * fraction, (minimum_deg - (lon1 - lon0)) / 2, 0.0)
    dy = max((lat1 - lat0) * fraction, (minimum_deg - (lat1 - lat0)) / 2, 0.0)
    return (lon0 - dx, lat0 - dy, lon1 + dx, lat1 + dy)


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty else []
    if isinstance(geometry, MultiPolygon):
        return [p for p in geometry.geoms if not p.is_empty]
    return []


def _country_parts(geojson: dict[str, Any], points: list[tuple[float, float]]) -> list[Polygon]:
    """Keep the parts of a country near `points` (France's mainland, not French Guiana)."""
    parts = _polygons(shape(geojson).buffer(0))
    near = [
        p
        for p in parts
        if any(box(*p.bounds).buffer(1.0).contains_properly(_pt(q)) for q in points)
    ]
    if near:
        return near
    return [max(parts, key=lambda p: p.area)] if parts else []


def _pt(lonlat: tuple[float, float]) -> BaseGeometry:
    return shape({"type": "Point", "coordinates": list(lonlat)})


def _panel(key: str, bbox: BBox, size_max: float, center: tuple[float, float]) -> Panel:
    lon0, lat0, lon1, lat1 = bbox
    geo_center = ((lon0 + lon1) / 2, (lat0 + lat1) / 2)
    w_km = (lon1 - lon0) * 111.32 * math.cos(math.radians(geo_center[1]))
    h_km = (lat1 - lat0) * 110.57
    scale = size_max / max(w_km, h_km, 1e-6)
    size = (w_km * scale + 2 * PANEL_MARGIN, h_km * scale + 2 * PANEL_MARGIN)
    return Panel(key, center, size, geo_center, scale)


def _moved(panel: Panel, center: tuple[float, float]) -> Panel:
    return Panel(panel.key, center, panel.size, panel.geo_center, panel.metres_per_km)


def _arc(a: Vec3, b: Vec3, long_haul: bool) -> tuple[Vec3, ...]:
    """Sample a raised arc from `a` to `b` (a parabola-like sine lift)."""
    dist = math.dist((a[0], a[2]), (b[0], b[2]))
    lift = (0.12 + 0.3 * dist) if long_haul else (0.015 + 0.2 * dist)
    points = []
    for i in range(ROUTE_SAMPLES + 1):
        t = i / ROUTE_SAMPLES
        points.append(
            (
                _r(a[0] + (b[0] - a[0]) * t),
                _r(a[1] + (b[1] - a[1]) * t + lift * math.sin(math.pi * t)),
                _r(a[2] + (b[2] - a[2]) * t),
            )
        )
    return tuple(points)


def _group_sites(
    inp: SceneInput, plot_shapes: list[tuple[str, BaseGeometry]]
) -> tuple[list[SceneSite], list[SceneSite], list[SceneSite], BBox | None]:
    """Split sites into those among the plots, the origin region and far away."""
    detail_sites: list[SceneSite] = []
    detail_bbox: BBox | None = None
    if plot_shapes:
        plots_bbox = _union_bbox([g.bounds for _, g in plot_shapes])
        catch = _pad(plots_bbox, 0.5, 0.04)
        detail_sites = [
            s for s in inp.sites if catch[0] <= s.lon <= catch[2] and catch[1] <= s.lat <= catch[3]
        ]
        boxes = [plots_bbox] + [(s.lon, s.lat, s.lon, s.lat) for s in detail_sites]
        detail_bbox = _pad(_union_bbox(boxes), 0.15, 0.01)
    if detail_bbox is not None:
        home = (
            (detail_bbox[0] + detail_bbox[2]) / 2,
            (detail_bbox[1] + detail_bbox[3]) / 2,
        )
    else:
        home = (inp.sites[0].lon, inp.sites[0].lat)
    rest = [s for s in inp.sites if s not in detail_sites]
    origin = [s for s in rest if _haversine_km(home, (s.lon, s.lat)) <= FAR_KM]
    far = [s for s in rest if s not in origin]
    return detail_sites, origin, far, detail_bbox


def compute_layout(inp: SceneInput, outlines: dict[str, dict[str, Any]] | None = None) -> Layout:
    """Place sites, plots, routes and country outlines of `inp` on the table.

    `outlines` maps a site's country code to a GeoJSON (Multi)Polygon in lon/lat, as
    `server.core.scene.topojson.load_country_outlines` returns; missing countries are skipped.
    """
    if not inp.sites and not inp.plots:
        raise ValueError("`inp` must have at least one site or plot")
    outlines = outlines or {}
    plot_shapes = [(p.id, shape(p.geometry)) for p in inp.plots]
    if not inp.sites:
        first = plot_shapes[0][1].representative_point()
        placeholder = SceneSite("origin", "unknown", "", first.y, first.x)
        inp = SceneInput(inp.batch, (placeholder,), inp.plots)
    detail_sites, origin_sites, far_sites, detail_bbox = _group_sites(inp, plot_shapes)

    def countries_of(sites: list[SceneSite]) -> dict[str, list[Polygon]]:
        points = [(s.lon, s.lat) for s in sites]
        codes = sorted({s.country for s in sites if s.country and s.country in outlines})
        return {c: _country_parts(outlines[c], points) for c in codes}

    near_sites = detail_sites + origin_sites
    origin_countries = countries_of(near_sites)
    far_countries = {
        c: polys for c, polys in countries_of(far_sites).items() if c not in origin_countries
    }
    boxes: list[BBox] = [(s.lon, s.lat, s.lon, s.lat) for s in near_sites]
    boxes += [p.bounds for polys in origin_countries.values() for p in polys]
    if detail_bbox is not None:
        boxes.append(detail_bbox)
    ground = _panel("ground", _pad(_union_bbox(boxes), 0.05, 0.2), GROUND_SIZE, (0.0, 0.0))
    panels = [ground]
    destination: Panel | None = None
    if far_sites:
        far_boxes: list[BBox] = [(s.lon, s.lat, s.lon, s.lat) for s in far_sites]
        far_boxes += [p.bounds for polys in far_countries.values() for p in polys]
        far_bbox = _pad(_union_bbox(far_boxes), 0.1, 1.0)
        destination = _panel("inset:destination", far_bbox, DESTINATION_SIZE, (0.0, 0.0))
        coslat = math.cos(math.radians((ground.geo_center[1] + destination.geo_center[1]) / 2))
        ux = (destination.geo_center[0] - ground.geo_center[0]) * coslat
        uz = -(destination.geo_center[1] - ground.geo_center[1])
        norm = math.hypot(ux, uz) or 1.0
        ux, uz = ux / norm, uz / norm
        reach = [
            (ground.size[i] / 2 + destination.size[i] / 2 + PANEL_GAP) / abs(u)
            for i, u in enumerate((ux, uz))
            if abs(u) > 1e-6
        ]
        t = min(reach)
        destination = _moved(destination, (ux * t, uz * t))
        panels.append(destination)
    plots_panel: Panel | None = None
    if detail_bbox is not None:
        plots_panel = _panel("inset:plots", detail_bbox, PLOTS_SIZE, (0.0, 0.0))
        side = -1.0 if destination is not None and destination.center[0] >= 0 else 1.0
        x = side * (ground.size[0] / 2 + PANEL_GAP + plots_panel.size[0] / 2)
        plots_panel = _moved(plots_panel, (x, 0.0))
        panels.append(plots_panel)

    # centre the union of panels on the table origin
    x0 = min(p.center[0] - p.size[0] / 2 for p in panels)
    x1 = max(p.center[0] + p.size[0] / 2 for p in panels)
    z0 = min(p.center[1] - p.size[1] / 2 for p in panels)
    z1 = max(p.center[1] + p.size[1] / 2 for p in panels)
    cx, cz = (x0 + x1) / 2, (z0 + z1) / 2
    panels = [_moved(p, (_r(p.center[0] - cx), _r(p.center[1] - cz))) for p in panels]
    by_key = {p.key: p for p in panels}

    placed_sites: list[PlacedSite] = []
    for site in inp.sites:
        if site in detail_sites:
            key = "inset:plots"
        elif site in origin_sites:
            key = "ground"
        else:
            key = "inset:destination"
        x, z = by_key[key].project(site.lon, site.lat)
        placed_sites.append(PlacedSite(site, (_r(x), 0.0, _r(z)), key))

    placed_plots: list[PlacedPlot] = []
    if plots_panel is not None:
        panel = by_key["inset:plots"]
        for plot, (_, geom) in zip(inp.plots, plot_shapes, strict=True):
            placed_plots.append(_place_plot(plot.id, plot.farm, plot.status, geom, panel))

    placed_countries = [
        _place_country(iso, polys, by_key["ground"]) for iso, polys in origin_countries.items()
    ]
    if "inset:destination" in by_key:
        placed_countries += [
            _place_country(iso, polys, by_key["inset:destination"])
            for iso, polys in far_countries.items()
        ]

    sites_by_id = {p.site.id: p for p in placed_sites}
    routes: list[PlacedRoute] = []
    seen: set[tuple[str, str]] = set()
    for leg in inp.legs:
        if (leg.from_site, leg.to_site) in seen:
            continue
        seen.add((leg.from_site, leg.to_site))
        for end in (leg.from_site, leg.to_site):
            if end not in sites_by_id:
                raise ValueError(f"`inp.legs` names unknown site {end!r}")
        a, b = sites_by_id[leg.from_site], sites_by_id[leg.to_site]
        long_haul = a.panel != b.panel
        path = _arc(a.position, b.position, long_haul)
        routes.append(
            PlacedRoute(leg.from_site, leg.to_site, leg.mode, a.position, path, long_haul)
        )

    leader: tuple[Vec3, Vec3] | None = None
    if detail_bbox is not None:
        g = by_key["ground"]
        p = by_key["inset:plots"]
        gx, gz = g.project(
            (detail_bbox[0] + detail_bbox[2]) / 2, (detail_bbox[1] + detail_bbox[3]) / 2
        )
        edge_x = p.center[0] - math.copysign(p.size[0] / 2, p.center[0] - gx)
        leader = ((_r(gx), 0.003, _r(gz)), (_r(edge_x), 0.003, _r(p.center[1])))

    lo_x = min(p.center[0] - p.size[0] / 2 for p in panels)
    hi_x = max(p.center[0] + p.size[0] / 2 for p in panels)
    lo_z = min(p.center[1] - p.size[1] / 2 for p in panels)
    hi_z = max(p.center[1] + p.size[1] / 2 for p in panels)
    top = max([0.06] + [pt[1] for r in routes for pt in r.path])
    bounds = ((_r(lo_x), -0.02, _r(lo_z)), (_r(hi_x), _r(top), _r(hi_z)))
    return Layout(
        tuple(panels),
        tuple(placed_sites),
        tuple(placed_plots),
        tuple(routes),
        tuple(placed_countries),
        leader,
        bounds,
    )


def _project_polygon(poly: Polygon, panel: Panel, origin: tuple[float, float]) -> Polygon:
    def ring(coords: Any) -> list[tuple[float, float]]:
        out = []
        for lon, lat, *_ in coords:
            x, z = panel.project(lon, lat)
            out.append((x - origin[0], z - origin[1]))
        return out

    return Polygon(ring(poly.exterior.coords), [ring(i.coords) for i in poly.interiors])


def _place_plot(
    plot_id: str, farm: str, status: str, geom: BaseGeometry, panel: Panel
) -> PlacedPlot:
    centroid = geom.centroid
    cx, cz = panel.project(centroid.x, centroid.y)
    position = (_r(cx), 0.0, _r(cz))
    polygons = _polygons(geom)
    if polygons:
        local = tuple(_project_polygon(p, panel, (position[0], position[2])) for p in polygons)
    else:
        radius = max(POINT_PLOT_RADIUS_M / 1000 * panel.metres_per_km, MIN_PLOT_RADIUS)
        local = (Polygon(_pt((0.0, 0.0)).buffer(radius, quad_segs=6).exterior.coords),)
    return PlacedPlot(plot_id, farm, status, position, local)


def _place_country(iso: str, polys: list[Polygon], panel: Panel) -> PlacedCountry:
    position = (panel.center[0], 0.0, panel.center[1])
    local = []
    for poly in polys:
        projected = _project_polygon(poly, panel, panel.center)
        # about half a millimetre on the table: finer detail is invisible
        simple = projected.simplify(0.0005, preserve_topology=True)
        local.extend(_polygons(simple))
    return PlacedCountry(iso, panel.key, position, tuple(local))
