"""Assemble the diorama into a binary glTF (GLB) with one named node per thing."""

from __future__ import annotations

import numpy as np
import trimesh
from trimesh.visual.material import PBRMaterial
from trimesh.visual.texture import TextureVisuals

from server.core.scene.inputs import SceneInput
from server.core.scene.meshes import extrude, marker, tube
from server.core.scene.placement import Layout, Vec3

PANEL_THICKNESS = 0.02
COUNTRY_HEIGHT = 0.0015
PLOT_HEIGHT = 0.004

# RGBA, linear-ish; chosen to read on a light table and in a dark headset
COLOURS: dict[str, tuple[int, int, int, int]] = {
    "ground": (170, 196, 214, 255),
    "inset": (214, 206, 190, 255),
    "country": (232, 220, 190, 255),
    "plot:ok": (60, 140, 70, 255),
    "plot:warn": (217, 164, 65, 255),
    "plot:fail": (190, 50, 40, 255),
    "plot:unknown": (140, 140, 140, 255),
    "route:road": (120, 80, 50, 255),
    "route:sea": (40, 90, 170, 255),
    "route:unknown": (110, 110, 110, 255),
    "leader": (90, 90, 90, 255),
    "site:farm": (46, 110, 50, 255),
    "site:cooperative": (91, 58, 41, 255),
    "site:fermentary": (168, 92, 40, 255),
    "site:warehouse": (100, 100, 120, 255),
    "site:port": (30, 70, 150, 255),
    "site:factory": (120, 40, 60, 255),
    "site:unknown": (80, 80, 80, 255),
}

STATUS_CLASS = {
    "ok": "ok",
    "no_deforestation": "ok",
    "warn": "warn",
    "inconclusive": "warn",
    "fail": "fail",
    "deforestation": "fail",
}


def status_class(status: str) -> str:
    """Map a check or assessment status to ok / warn / fail / unknown."""
    return STATUS_CLASS.get(status, "unknown")


def _paint(mesh: trimesh.Trimesh, colour_key: str) -> trimesh.Trimesh:
    rgba = COLOURS[colour_key]
    material = PBRMaterial(
        name=colour_key,
        baseColorFactor=rgba,
        metallicFactor=0.0,
        roughnessFactor=0.85,
    )
    mesh.visual = TextureVisuals(material=material)
    return mesh


def _matrix(position: Vec3) -> np.ndarray:
    matrix = np.eye(4)
    matrix[:3, 3] = position
    return matrix


def build_glb(inp: SceneInput, layout: Layout) -> bytes:
    """Return the GLB of `layout` (computed from `inp`): Y up, metres, ~2 m across.

    Node names: ``ground``, ``inset:plots``, ``inset:destination``, ``country:<iso>``,
    ``plot:<id>``, ``site:<id>``, ``route:<from>-><to>``, ``leader:plots``. Each node's
    glTF `extras` say what it is (``{"type": "site", "id": ...}``) because three.js strips
    ``:`` from object names.
    """
    scene = trimesh.Scene()

    def add(name: str, mesh: trimesh.Trimesh, colour: str, position: Vec3, extras: dict) -> None:
        scene.add_geometry(
            _paint(mesh, colour),
            node_name=name,
            geom_name=name,
            transform=_matrix(position),
            metadata=extras,
        )

    for panel in layout.panels:
        slab = trimesh.creation.box(extents=[panel.size[0], PANEL_THICKNESS, panel.size[1]])
        slab.apply_translation([0, -PANEL_THICKNESS / 2, 0])
        colour = "ground" if panel.key == "ground" else "inset"
        position = (panel.center[0], 0.0, panel.center[1])
        add(panel.key, slab, colour, position, {"type": "panel", "id": panel.key})

    for country in layout.countries:
        if not country.polygons:
            continue
        mesh = extrude(country.polygons, COUNTRY_HEIGHT)
        add(
            f"country:{country.iso}",
            mesh,
            "country",
            country.position,
            {"type": "country", "id": country.iso},
        )

    for plot in layout.plots:
        mesh = extrude(plot.polygons, PLOT_HEIGHT, base=COUNTRY_HEIGHT)
        extras = {
            "type": "plot",
            "id": plot.id,
            "farm": plot.farm,
            "status": plot.status,
        }
        add(
            f"plot:{plot.id}",
            mesh,
            f"plot:{status_class(plot.status)}",
            plot.position,
            extras,
        )

    if layout.leader is not None:
        start, end = layout.leader
        mesh = tube([start, end], 0.0015, sections=4)
        add("leader:plots", mesh, "leader", start, {"type": "leader", "id": "plots"})

    for route in layout.routes:
        radius = 0.004 if route.long_haul else 0.0025
        colour = f"route:{route.mode}" if f"route:{route.mode}" in COLOURS else "route:unknown"
        extras = {
            "type": "route",
            "from": route.from_site,
            "to": route.to_site,
            "mode": route.mode,
        }
        add(
            f"route:{route.from_site}->{route.to_site}",
            tube(route.path, radius),
            colour,
            route.position,
            extras,
        )

    for placed in layout.sites:
        kind = placed.site.kind
        colour = f"site:{kind}" if f"site:{kind}" in COLOURS else "site:unknown"
        extras = {"type": "site", "id": placed.site.id, "kind": kind}
        if placed.site.chapter:
            extras["chapter"] = placed.site.chapter
        add(f"site:{placed.site.id}", marker(kind), colour, placed.position, extras)

    scene.metadata["originxr"] = {
        "schema": "originxr.scene/1",
        "gtin": inp.batch.gtin,
        "lot": inp.batch.lot,
    }
    data = scene.export(file_type="glb", include_normals=False)
    if not isinstance(data, bytes):
        raise TypeError("trimesh returned no GLB bytes")
    return data
