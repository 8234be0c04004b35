"""Build the simple meshes of the diorama: extruded footprints, tubes and site markers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import shapely
import trimesh
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

MARKER_SIZE = 0.03


def extrude(polygons: Sequence[Polygon], height: float, base: float = 0.0) -> trimesh.Trimesh:
    """Extrude 2D polygons (table x, z) upward from `base` by `height` into one mesh.

    Triangulation uses GEOS's constrained Delaunay triangulation (shapely >= 2.1), so no
    extra triangulation engine is needed.
    """
    if height <= 0:
        raise ValueError("`height` must be positive")
    vertices: list[np.ndarray] = []
    faces: list[np.ndarray] = []
    count = 0
    for polygon in polygons:
        if polygon.is_empty or polygon.area <= 0:
            continue
        polygon = orient(polygon, sign=1.0)
        tris = shapely.constrained_delaunay_triangles(polygon)
        for tri in tris.geoms:
            xz = np.asarray(tri.exterior.coords)[:3, :2]
            # top faces must face +Y: in (x, z) that means clockwise
            cross = (xz[1, 0] - xz[0, 0]) * (xz[2, 1] - xz[0, 1]) - (xz[1, 1] - xz[0, 1]) * (
                xz[2, 0] - xz[0, 0]
            )
            if cross > 0:
                xz = xz[::-1]
            top = np.column_stack([xz[:, 0], np.full(3, base + height), xz[:, 1]])
            bottom = np.column_stack([xz[::-1, 0], np.full(3, base), xz[::-1, 1]])
            vertices += [top, bottom]
            faces += [np.arange(3) + count, np.arange(3) + count + 3]
            count += 6
        for ring in [polygon.exterior, *polygon.interiors]:
            pts = np.asarray(ring.coords)[:, :2]
            for (px, pz), (qx, qz) in itertools.pairwise(pts):
                quad = np.array(
                    [
                        [px, base, pz],
                        [px, base + height, pz],
                        [qx, base + height, qz],
                        [qx, base, qz],
                    ]
                )
                vertices.append(quad)
                faces += [np.array([0, 2, 3]) + count, np.array([0, 1, 2]) + count]
                count += 4
    if not vertices:
        raise ValueError("`polygons` must hold at least one non-empty polygon")
    return trimesh.Trimesh(np.vstack(vertices), np.vstack(faces), process=False)


def tube(path: Sequence[Sequence[float]], radius: float, sections: int = 6) -> trimesh.Trimesh:
    """Sweep a circle of `radius` along `path` ((n, 3) points, relative to its first point)."""
    points = np.asarray(path, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3 or len(points) < 2:
        raise ValueError("`path` must be (n >= 2, 3) float")
    points = points - points[0]
    tangents = np.gradient(points, axis=0)
    tangents /= np.maximum(np.linalg.norm(tangents, axis=1, keepdims=True), 1e-12)
    up = np.array([0.0, 1.0, 0.0])
    angles = np.linspace(0, 2 * np.pi, sections, endpoint=False)
    rings = []
    for point, tangent in zip(points, tangents, strict=True):
        side = np.cross(tangent, up)
        if np.linalg.norm(side) < 1e-9:
            side = np.array([1.0, 0.0, 0.0])
        side /= np.linalg.norm(side)
        normal = np.cross(side, tangent)
        rings.append(
            point + radius * (np.outer(np.cos(angles), side) + np.outer(np.sin(angles), normal))
        )
    vertices = np.vstack(rings)
    faces = []
    for i in range(len(points) - 1):
        for j in range(sections):
            a = i * sections + j
            b = i * sections + (j + 1) % sections
            c, d = a + sections, b + sections
            faces += [[a, c, b], [b, c, d]]
    return trimesh.Trimesh(vertices, np.asarray(faces), process=False)


def marker(kind: str) -> trimesh.Trimesh:
    """Return the marker mesh for a site `kind`, standing on y = 0, about 3 cm tall."""
    s = MARKER_SIZE
    if kind == "farm":
        mesh = trimesh.creation.cone(radius=s * 0.45, height=s * 1.2, sections=12)
    elif kind == "cooperative":
        mesh = trimesh.creation.icosphere(subdivisions=1, radius=s * 0.45)
        mesh.apply_translation([0, s * 0.45, 0])
        return _standing(mesh)
    elif kind == "fermentary":
        mesh = trimesh.creation.cylinder(radius=s * 0.4, height=s * 0.8, sections=12)
    elif kind == "warehouse":
        mesh = trimesh.creation.box(extents=[s * 1.2, s * 0.6, s * 0.8])
        return _standing(mesh)
    elif kind == "port":
        mesh = trimesh.creation.annulus(r_min=s * 0.25, r_max=s * 0.5, height=s * 0.5, sections=12)
    elif kind == "factory":
        mesh = trimesh.creation.box(extents=[s * 0.9, s * 1.3, s * 0.9])
        return _standing(mesh)
    else:
        mesh = trimesh.creation.icosahedron()
        mesh.apply_scale(s * 0.4)
        return _standing(mesh)
    # trimesh builds cones, cylinders and annuli along +Z: stand them up along +Y
    mesh.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))
    return _standing(mesh)


def _standing(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    mesh.apply_translation([0, -mesh.bounds[0][1], 0])
    return mesh
