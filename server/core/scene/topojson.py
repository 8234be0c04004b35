"""Decode TopoJSON topologies (world-atlas) into GeoJSON-like country outlines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from babel.core import get_global

Ring = list[tuple[float, float]]
Geometry = dict[str, Any]


def decode_arcs(topology: Mapping[str, Any]) -> list[Ring]:
    """Return every arc of `topology` as absolute (lon, lat) positions.

    A quantized topology (one with a `transform`) stores each arc's positions as integer
    deltas from the previous position; they are summed and scaled back here.
    """
    arcs = topology.get("arcs")
    if not isinstance(arcs, list):
        raise TypeError("`topology` must have an `arcs` list")
    transform = topology.get("transform")
    decoded: list[Ring] = []
    if transform is None:
        for arc in arcs:
            decoded.append([(float(p[0]), float(p[1])) for p in arc])
        return decoded
    sx, sy = (float(v) for v in transform["scale"])
    tx, ty = (float(v) for v in transform["translate"])
    for arc in arcs:
        x = y = 0
        ring: Ring = []
        for position in arc:
            x += int(position[0])
            y += int(position[1])
            ring.append((x * sx + tx, y * sy + ty))
        decoded.append(ring)
    return decoded


def _ring(indices: Sequence[int], arcs: Sequence[Ring]) -> Ring:
    """Stitch the arcs named by `indices` (negative = reversed, ~i) into one ring."""
    points: Ring = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # consecutive arcs share their joining position; keep it once
        points.extend(arc if not points else arc[1:])
    return points


def geometry_to_geojson(geometry: Mapping[str, Any], arcs: Sequence[Ring]) -> Geometry | None:
    """Turn one TopoJSON Polygon / MultiPolygon geometry into GeoJSON, or None for others."""
    kind = geometry.get("type")
    if kind == "Polygon":
        rings = [_ring(r, arcs) for r in geometry["arcs"]]
        return {"type": "Polygon", "coordinates": [[list(p) for p in r] for r in rings]}
    if kind == "MultiPolygon":
        polygons = [[_ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
        return {
            "type": "MultiPolygon",
            "coordinates": [[[list(p) for p in r] for r in poly] for poly in polygons],
        }
    return None


def numeric_country_code(country: str) -> str | None:
    """Return the ISO 3166-1 numeric code (e.g. "288") for an alpha-2 code or a numeric one."""
    if country.isdigit():
        return country.zfill(3)
    alpha2 = country.upper()
    for numeric, targets in get_global("territory_aliases").items():
        # 900-999 are user-assigned (CLDR maps them to QM-QZ, XA-XZ, ZZ): not countries
        if numeric.isdigit() and int(numeric) < 900 and list(targets) == [alpha2]:
            return str(numeric)
    return None


def country_outlines(
    topology: Mapping[str, Any],
    countries: Iterable[str],
    object_name: str = "countries",
) -> dict[str, Geometry]:
    """Return GeoJSON geometries of `countries` (alpha-2 or numeric codes) found in `topology`.

    Keys are the codes as passed in; countries missing from the topology are left out.
    """
    objects = topology.get("objects", {})
    if object_name not in objects:
        raise ValueError(f"`topology` has no object named {object_name!r}")
    wanted = {code: numeric_country_code(code) for code in countries}
    by_id = {str(g.get("id")): g for g in objects[object_name].get("geometries", [])}
    arcs = decode_arcs(topology)
    result: dict[str, Geometry] = {}
    for code, numeric in sorted(wanted.items()):
        geometry = by_id.get(numeric or "")
        if geometry is None:
            continue
        decoded = geometry_to_geojson(geometry, arcs)
        if decoded is not None:
            result[code] = decoded
    return result


def load_country_outlines(path: str | Path | None, countries: Iterable[str]) -> dict[str, Geometry]:
    """Read a TopoJSON file and return outlines of `countries`; {} if the file is missing.

    A missing or unreadable map file is not an error: scenes and posters are then drawn
    without outlines.
    """
    if path is None:
        return {}
    try:
        topology = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # no outlines is a supported degraded mode, see the docstring
        return {}
    return country_outlines(topology, countries)
