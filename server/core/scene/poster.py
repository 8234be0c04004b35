"""Draw the diorama seen from above as a small SVG poster (the batch page's LCP image)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from shapely.geometry import Polygon

from server.core.scene.glb import status_class
from server.core.scene.inputs import SceneInput
from server.core.scene.placement import Layout

FILL = {
    "ground": "#aac4d6",
    "inset": "#d6cebe",
    "country": "#e8dcbe",
    "ok": "#3c8c46",
    "warn": "#d9a441",
    "fail": "#be3228",
    "unknown": "#8c8c8c",
}
STROKE = {"road": "#785032", "sea": "#285aaa", "unknown": "#6e6e6e"}
SITE_FILL = {
    "farm": "#2e6e32",
    "cooperative": "#5b3a29",
    "fermentary": "#a85c28",
    "warehouse": "#646478",
    "port": "#1e4696",
    "factory": "#78283c",
}


def _mm(value: float) -> str:
    """Format a table coordinate in whole millimetres (the poster's unit)."""
    return str(round(value * 1000))


def _path(polygons: tuple[Polygon, ...], dx: float, dz: float) -> str:
    parts = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            points = [(_mm(x + dx), _mm(z + dz)) for x, z, *_ in ring.coords[:-1]]
            deduped = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            if len(deduped) < 3:
                continue
            parts.append("M" + " ".join(f"{x} {z}" for x, z in deduped) + "Z")
    return "".join(parts)


def build_poster_svg(inp: SceneInput, layout: Layout, title: str) -> str:
    """Return an SVG of `layout` from above, titled `title` (already translated).

    Self-contained (no fonts, images or links), `role="img"`, well under 20 KB for a batch
    with a few dozen plots.
    """
    if not title.strip():
        raise ValueError("`title` must not be empty")
    (x0, _, z0), (x1, _, z1) = layout.bounds
    width, height = round((x1 - x0) * 1000), round((z1 - z0) * 1000)
    out = [
        (
            '<svg xmlns="http://www.w3.org/2000/svg"'
            f' viewBox="{_mm(x0)} {_mm(z0)} {width} {height}"'
            f' width="{width // 4}" height="{height // 4}"'
            ' role="img" aria-labelledby="poster-title">'
        ),
        f'<title id="poster-title">{escape(title)}</title>',
        (
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="5"'
            ' markerHeight="5" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z"'
            ' fill="#785032"/></marker></defs>'
        ),
    ]
    for panel in layout.panels:
        fill = FILL["ground"] if panel.key == "ground" else FILL["inset"]
        px, pz = (
            panel.center[0] - panel.size[0] / 2,
            panel.center[1] - panel.size[1] / 2,
        )
        out.append(
            f'<rect x="{_mm(px)}" y="{_mm(pz)}" width="{_mm(panel.size[0])}"'
            f' height="{_mm(panel.size[1])}" rx="8" fill="{fill}"/>'
        )
    for country in layout.countries:
        d = _path(country.polygons, country.position[0], country.position[2])
        if d:
            out.append(
                f'<path d="{d}" fill="{FILL["country"]}" stroke="#a08c64" stroke-width="2"/>'
            )
    if layout.leader is not None:
        (ax, _, az), (bx, _, bz) = layout.leader
        out.append(
            f'<path d="M{_mm(ax)} {_mm(az)}L{_mm(bx)} {_mm(bz)}" stroke="#5a5a5a"'
            ' stroke-width="2" stroke-dasharray="6 4"/>'
        )
    for plot in layout.plots:
        d = _path(plot.polygons, plot.position[0], plot.position[2])
        if d:
            fill = FILL[status_class(plot.status)]
            out.append(f'<path d="{d}" fill="{fill}" stroke="#fff" stroke-width="1"/>')
    for route in layout.routes:
        (ax, _, az), (bx, _, bz) = route.path[0], route.path[-1]
        stroke = STROKE.get(route.mode, STROKE["unknown"])
        extra = ' stroke-dasharray="12 6" marker-end="url(#arrow)"' if route.long_haul else ""
        out.append(
            f'<path d="M{_mm(ax)} {_mm(az)}L{_mm(bx)} {_mm(bz)}" stroke="{stroke}"'
            f' stroke-width="{5 if route.long_haul else 3}" fill="none"{extra}/>'
        )
    for placed in layout.sites:
        x, _, z = placed.position
        fill = SITE_FILL.get(placed.site.kind, "#505050")
        out.append(
            f'<circle cx="{_mm(x)}" cy="{_mm(z)}" r="12" fill="{fill}" stroke="#fff"'
            ' stroke-width="3"/>'
        )
    out.append("</svg>")
    return "".join(out)
