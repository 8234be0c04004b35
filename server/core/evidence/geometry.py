"""Check the batch's farm plots against the EU Deforestation Regulation's geolocation rules."""

from __future__ import annotations

from typing import Any

from shapely import STRtree
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from server.core.evidence.inputs import BatchInputs, Plot
from server.core.evidence.parameters import scalar
from server.core.evidence.plot_columns import PlotColumns, plot_columns
from server.core.evidence.plots import (
    SQ_M_PER_HA,
    geodesic_area_ha,
    is_polygonal,
    max_decimals,
    shape_area_ha,
    shape_of,
)
from server.core.evidence.result import CheckResult, plain, plain_number
from server.core.evidence.trace_model import Trace

KEY = "plot_geometry"
METHOD = (
    "For every plot of the farms feeding the batch: a polygon is required when the plot is "
    "larger than the point-area limit (a point plot must declare its area); coordinates need at "
    "least the required decimals (the most precise coordinate counts, as JSON drops trailing "
    "zeros); polygon rings must be closed (first point = last, at least 4 points) and valid "
    "(shapely is_valid; the reason from explain_validity); the declared area must match the "
    "geodesic area (WGS84, pyproj) within the tolerance; and no plot may overlap another "
    "farm's plot by more than the overlap tolerance (all registered plots are compared, using "
    "an STRtree). The value is the share of plots breaking no rule; any break fails the check."
)


def check_plot_geometry(inputs: BatchInputs, trace: Trace) -> CheckResult:
    """Return the geolocation rule breaks of the plots of the batch's farms."""
    params = {
        "polygon_required_above_ha": scalar(inputs.parameters, "polygon_required_above_ha", 4.0),
        "min_coordinate_decimals": scalar(inputs.parameters, "min_coordinate_decimals", 6),
        "area_tolerance": scalar(inputs.parameters, "area_tolerance", 0.10),
        "overlap_tolerance_ha": scalar(inputs.parameters, "overlap_tolerance_ha", 0.01),
    }
    farms = set(trace.farm_ids)
    plots = [p for p in sorted(inputs.plots, key=lambda p: p.id) if p.farm in farms]
    memo = inputs.memo
    columns = plot_columns(inputs.plots, memo)
    columns.shapes(memo)
    shapes = _valid_polygons(inputs.plots, memo, columns)
    overlaps = _overlaps(
        shapes, {p.id: p for p in inputs.plots}, params["overlap_tolerance_ha"]["value"]
    )
    columns.measure((p.geometry for p in plots), memo)
    rows = []
    for plot in plots:
        issues = plot_issues(plot, params, memo, columns) + overlaps.get(plot.id, [])
        rows.append(  # JSON-ready (`CheckResult.ready`)
            {
                "plot": plot.id,
                "farm": plot.farm,
                "geometry": plain(plot.geometry.get("type")),
                "declared_area_ha": plain_number(plot.declared_area_ha),
                "status": "fail" if issues else "ok",
                "issues": [{k: plain(v) for k, v in i.items()} for i in issues],
                "reason": "; ".join(str(i["message"]) for i in issues) or None,
            }
        )
    if not rows:
        return CheckResult(KEY, "unknown", None, "ratio", METHOD, params, ready=True)
    good = sum(1 for r in rows if r["status"] == "ok")
    status = "ok" if good == len(rows) else "fail"
    evidence = tuple(str(r["plot"]) for r in rows)
    return CheckResult(
        KEY, status, good / len(rows), "ratio", METHOD, params, evidence, tuple(rows), ready=True
    )


def plot_issues(
    plot: Plot,
    params: dict[str, Any],
    memo: dict[Any, Any] | None = None,
    columns: PlotColumns | None = None,
) -> list[dict[str, Any]]:
    """Return one plot's geolocation rule breaks (overlaps need all plots: see above).

    `memo` (`BatchInputs.memo`) shares the plot's shape and area with the other checks;
    `columns`, made with the same memo, has the figures of simple plots computed for all.
    """
    issues: list[dict[str, Any]] = []
    geometry = plot.geometry
    # A plot the columns hold (given with their memo) is read from them: the same figures.
    fast = columns if columns is not None and memo is not None else None
    if fast is not None and id(geometry) not in fast.row:
        fast = None
    shared: dict[Any, Any] = memo if memo is not None else {}
    limit = params["polygon_required_above_ha"]["value"]
    kind = geometry.get("type")
    if kind == "Point":
        if plot.declared_area_ha is None:
            issues.append(
                {
                    "rule": "point_area_undeclared",
                    "message": "a point plot must declare its area (points only up to "
                    f"{limit:g} ha)",
                }
            )
        elif plot.declared_area_ha > limit:
            issues.append(
                {
                    "rule": "polygon_required",
                    "message": f"plot of {plot.declared_area_ha:g} ha needs a polygon",
                }
            )
    elif not is_polygonal(geometry):
        issues.append({"rule": "geometry_type", "message": f"unsupported geometry {kind!r}"})
        return issues
    places = fast.max_decimals(geometry) if fast else max_decimals(geometry)
    wanted = int(params["min_coordinate_decimals"]["value"])
    if places < wanted:
        issues.append(
            {
                "rule": "precision",
                "message": f"coordinates have {places} decimals, {wanted} required",
            }
        )
    if kind == "Point":
        return issues
    if fast:  # one closed ring of 4 or more positions
        valid = fast.is_valid(geometry, shared)
    elif any(len(r) < 4 or r[0] != r[-1] for r in _rings(geometry)):
        issues.append(
            {
                "rule": "ring_not_closed",
                "message": "a ring is not closed or has fewer than 4 points",
            }
        )
        return issues
    else:
        valid = shape_of(geometry, memo).is_valid
    if not valid:
        issues.append(
            {"rule": "invalid_geometry", "message": explain_validity(shape_of(geometry, memo))}
        )
        return issues
    if fast:  # never empty: its area as geodesic_area_ha gives it
        area = abs(fast.area_perimeter(geometry, shared)[0]) / SQ_M_PER_HA
    else:
        area = geodesic_area_ha(geometry, memo)
    if plot.declared_area_ha:
        tolerance = params["area_tolerance"]["value"]
        gap = abs(area - plot.declared_area_ha) / plot.declared_area_ha
        if gap > tolerance:
            issues.append(
                {
                    "rule": "area_mismatch",
                    "message": f"declared {plot.declared_area_ha:g} ha, measured "
                    f"{area:.2f} ha ({gap:.0%} apart)",
                    "measured_area_ha": area,
                }
            )
    return issues


def _rings(geometry: dict[str, Any]) -> list[list[Any]]:
    coords = geometry.get("coordinates") or []
    polygons = coords if geometry.get("type") == "MultiPolygon" else [coords]
    return [list(ring) for polygon in polygons for ring in polygon]


def _valid_polygons(
    plots: tuple[Plot, ...], memo: dict[Any, Any], columns: PlotColumns
) -> dict[str, BaseGeometry]:
    shapes: dict[str, BaseGeometry] = {}
    for plot in plots:
        if columns.is_simple_polygon(plot.geometry):
            if columns.is_valid(plot.geometry, memo):
                shapes[plot.id] = shape_of(plot.geometry, memo)
            continue
        if not is_polygonal(plot.geometry):
            continue
        if any(len(r) < 4 or r[0] != r[-1] for r in _rings(plot.geometry)):
            continue
        geom = shape_of(plot.geometry, memo)
        if geom.is_valid:
            shapes[plot.id] = geom
    return shapes


def _overlaps(
    shapes: dict[str, BaseGeometry], plots: dict[str, Plot], tolerance_ha: float
) -> dict[str, list[dict[str, Any]]]:
    """Return overlap issues per plot id, for pairs of plots of different farms."""
    ids = sorted(shapes)
    tree = STRtree([shapes[i] for i in ids])
    found: dict[str, list[dict[str, Any]]] = {}
    left, right = tree.query([shapes[i] for i in ids], predicate="intersects")
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        first, second = ids[a], ids[b]
        if first >= second or plots[first].farm == plots[second].farm:
            continue
        area = shape_area_ha(shapes[first].intersection(shapes[second]))
        if area <= tolerance_ha:
            continue
        for one, other in ((first, second), (second, first)):
            found.setdefault(one, []).append(
                {
                    "rule": "overlap",
                    "message": f"overlaps {other} of {plots[other].farm} by {area:.3f} ha",
                    "other_plot": other,
                    "overlap_ha": area,
                }
            )
    return found
