"""Describe a built scene as JSON for the viewer: what each node is and where it stands."""

from __future__ import annotations

from typing import Any

from server.core.scene.glb import status_class
from server.core.scene.inputs import SceneInput
from server.core.scene.placement import Layout

SCHEMA = "originxr.scene-manifest/1"


def build_manifest(inp: SceneInput, layout: Layout) -> dict[str, Any]:
    """Return the scene manifest of `inp` placed by `layout`.

    Every `position` equals the translation of the GLB node of the same `node` name.
    """
    chapter_of_site: dict[str, str] = {}
    for chapter in inp.chapters:
        for site_id in chapter.site_ids:
            chapter_of_site.setdefault(site_id, chapter.key)
    sites = [
        {
            "id": p.site.id,
            "node": f"site:{p.site.id}",
            "kind": p.site.kind,
            "name": p.site.name,
            "country": p.site.country,
            "panel": p.panel,
            "position": list(p.position),
            "chapter": p.site.chapter or chapter_of_site.get(p.site.id),
        }
        for p in layout.sites
    ]
    plots = [
        {
            "id": p.id,
            "node": f"plot:{p.id}",
            "farm": p.farm,
            "status": p.status,
            "status_class": status_class(p.status),
            "position": list(p.position),
        }
        for p in layout.plots
    ]
    routes = [
        {
            "node": f"route:{r.from_site}->{r.to_site}",
            "from": r.from_site,
            "to": r.to_site,
            "mode": r.mode,
            "long_haul": r.long_haul,
            "position": list(r.position),
            "path": [list(pt) for pt in r.path],
        }
        for r in layout.routes
    ]
    panels = [
        {
            "node": p.key,
            "position": [p.center[0], 0.0, p.center[1]],
            "size": list(p.size),
            "geo_center": list(p.geo_center),
            "metres_per_km": p.metres_per_km,
        }
        for p in layout.panels
    ]
    countries = [
        {
            "node": f"country:{c.iso}",
            "iso": c.iso,
            "panel": c.panel,
            "position": list(c.position),
        }
        for c in layout.countries
        if c.polygons
    ]
    return {
        "schema": SCHEMA,
        "batch": {
            "gtin": inp.batch.gtin,
            "lot": inp.batch.lot,
            "product_name": inp.batch.product_name,
            "uri": inp.batch.uri,
        },
        "sites": sites,
        "plots": plots,
        "routes": routes,
        "panels": panels,
        "countries": countries,
        "chapters": [
            {
                "key": c.key,
                "site_ids": list(c.site_ids),
                "text": c.text,
                "checks": list(c.checks),
            }
            for c in inp.chapters
        ],
        "evidence": [
            {
                "key": e.key,
                "status": e.status,
                "value": e.value,
                "unit": e.unit,
                "href": e.href,
            }
            for e in inp.evidence
        ],
        "locales": list(inp.locales),
        # names of checks, statuses, chapters and site kinds, translated on the server
        "labels": {loc: inp.labels[loc] for loc in inp.locales if loc in inp.labels},
        "bounds": {"min": list(layout.bounds[0]), "max": list(layout.bounds[1])},
        "units": "m",
        "up": "+y",
        "north": "-z",
    }
