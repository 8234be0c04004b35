"""Demo reality snapshots without downloads: small trimesh scenes sampled into Gaussians.

Each scene is a list of coloured meshes in metres, z up (trimesh's habit): a cocoa farm
plot, a cooperative's buying shed, a fermentary, a port warehouse, a quay and a factory
hall. Their surfaces are sampled into flat Gaussians —
colour by part, size from the sample spacing, thin along the face normal — and turned
into the RUB frame (y up) that SPZ and three.js use. Seeded: the same call gives the same
splats, so the demo captures (and their blobs) are the same on every machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import trimesh

from server.core.splats.gaussians import Gaussians

SH_C0 = 0.28209479177387814  # the degree-0 spherical harmonic: colour = 0.5 + C0 × DC
MAX_SPLATS = 20_000
DEFAULT_SPLATS = 18_000
ALPHA = 0.9
_Z_UP_TO_RUB = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


@dataclass(frozen=True)
class Part:
    """A mesh of the scene with its base colour (sRGB 0–1) and relative sampling density."""

    mesh: trimesh.Trimesh
    color: tuple[float, float, float]
    density: float = 1.0


def _at(mesh: trimesh.Trimesh, x: float, y: float, z: float) -> trimesh.Trimesh:
    mesh.apply_translation((x, y, z))
    return mesh


def _box(w: float, d: float, h: float, x: float, y: float, z: float) -> trimesh.Trimesh:
    """Return a w × d × h box whose bottom face is centred on (x, y, z)."""
    return _at(trimesh.creation.box(extents=(w, d, h)), x, y, z + h / 2)


def _post(r: float, h: float, x: float, y: float, z: float = 0.0) -> trimesh.Trimesh:
    return _at(trimesh.creation.cylinder(radius=r, height=h, sections=12), x, y, z + h / 2)


def farm_scene(rng: np.random.Generator) -> list[Part]:
    """Return a cocoa plot: ground, a 3 × 3 grove of trees with pods, two drying racks."""
    parts = [Part(_box(24, 24, 0.1, 0, 0, -0.1), (0.36, 0.29, 0.18), 0.25)]
    for i in range(3):
        for j in range(3):
            x, y = (i - 1) * 6 + rng.uniform(-1, 1), (j - 1) * 6 + 2 + rng.uniform(-1, 1)
            height = rng.uniform(1.8, 2.6)
            parts.append(Part(_post(0.12, height, x, y), (0.35, 0.24, 0.15)))
            canopy = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
            canopy.apply_scale((1.6, 1.5, 1.1))
            parts.append(Part(_at(canopy, x, y, height + 0.7), (0.16, 0.38, 0.12), 0.6))
            for k in range(3):  # pods grow on the trunk itself
                pod = trimesh.creation.icosphere(subdivisions=1, radius=0.09)
                pod.apply_scale((1.0, 1.0, 1.9))
                angle = k * 2.1 + rng.uniform(0, 1)
                pod = _at(pod, x + 0.18 * np.cos(angle), y + 0.18 * np.sin(angle), 0.6 + 0.4 * k)
                parts.append(Part(pod, (0.85, 0.55, 0.12), 3.0))
    for y in (-9.0, -6.5):  # raised mats with beans drying in the sun
        parts.append(Part(_box(4.0, 1.4, 0.06, 6.0, y, 0.9), (0.42, 0.22, 0.16), 2.0))
        for dx in (-1.9, 1.9):
            for dy in (-0.6, 0.6):
                parts.append(Part(_post(0.05, 0.9, 6.0 + dx, y + dy), (0.5, 0.36, 0.22)))
    return parts


def fermentary_scene(rng: np.random.Generator) -> list[Part]:
    """Return a fermentary: concrete floor, roof on posts, a cascade of wooden boxes."""
    parts = [Part(_box(10, 8, 0.1, 0, 0, -0.1), (0.55, 0.55, 0.52), 0.4)]
    roof = _box(11, 9, 0.08, 0, 0, 0)
    roof.apply_transform(trimesh.transformations.rotation_matrix(0.12, (1, 0, 0)))
    parts.append(Part(_at(roof, 0, 0, 3.3), (0.62, 0.62, 0.64), 0.3))
    for x in (-5.0, 5.0):
        for y in (-4.0, 4.0):
            parts.append(Part(_post(0.1, 3.3 + 0.5 * np.sign(y), x, y), (0.45, 0.32, 0.2)))
    for row in range(2):
        for step in range(3):  # boxes step down so beans can be turned into the next one
            x, y, z = -2.5 + step * 1.5, -1.5 + row * 2.6, 0.8 - step * 0.4
            parts.append(Part(_box(1.3, 1.1, 0.8, x, y, z), (0.55, 0.38, 0.22), 1.5))
            leaves = _box(1.2, 1.0, 0.04, x + rng.uniform(-0.03, 0.03), y, z + 0.8)
            parts.append(Part(leaves, (0.3, 0.45, 0.15), 2.0))
            if z > 0:
                parts.append(Part(_box(1.1, 0.9, z, x, y, 0.0), (0.4, 0.4, 0.38), 0.5))
    return parts


def factory_scene(rng: np.random.Generator) -> list[Part]:
    """Return a factory hall: floor, walls, roasters, a conveyor, conches and sack pallets."""
    parts = [Part(_box(30, 16, 0.1, 0, 0, -0.1), (0.45, 0.47, 0.5), 0.3)]
    for x, y, w, d in (
        (0.0, -8.0, 30.0, 0.2),
        (0.0, 8.0, 30.0, 0.2),
        (-15.0, 0.0, 0.2, 16.0),
        (15.0, 0.0, 0.2, 16.0),
    ):
        parts.append(Part(_box(w, d, 7, x, y, 0), (0.8, 0.8, 0.78), 0.15))
    for x in (-10.0, -6.5):
        drum = trimesh.creation.cylinder(radius=1.0, height=2.4, sections=24)
        drum.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, (0, 1, 0)))
        parts.append(Part(_at(drum, x, -4.0, 1.6), (0.7, 0.7, 0.72), 1.5))
        parts.append(Part(_box(2.6, 1.6, 0.6, x, -4.0, 0), (0.25, 0.25, 0.28)))
    parts.append(Part(_box(14, 0.9, 0.9, 2.0, 0.0, 0), (0.2, 0.2, 0.22), 1.2))
    for k in range(5):  # bars riding the belt
        parts.append(Part(_box(0.5, 0.3, 0.08, -3.5 + 2.6 * k, 0, 0.9), (0.36, 0.2, 0.12), 3.0))
    for x in (6.0, 9.5, 13.0):
        parts.append(Part(_post(1.1, 2.8, x, 5.0), (0.75, 0.76, 0.78), 1.2))
    for k in range(4):
        at = -12.0 + 2.2 * k + rng.uniform(-0.1, 0.1)
        parts.append(Part(_box(1.6, 1.2, 1.3, at, 5.5, 0), (0.65, 0.55, 0.38), 1.2))
    return parts


def _sacks(
    rng: np.random.Generator, x0: float, y0: float, rows: int, cols: int, layers: int
) -> list[Part]:
    """Return a stack of jute cocoa sacks (~64 kg each) starting at (x0, y0)."""
    parts = []
    for layer in range(layers):
        for i in range(rows):
            for j in range(cols):
                sack = trimesh.creation.icosphere(subdivisions=1, radius=0.5)
                sack.apply_scale((0.9, 0.55, 0.32))
                x = x0 + i * 0.85 + rng.uniform(-0.05, 0.05)
                y = y0 + j * 0.6 + rng.uniform(-0.05, 0.05)
                parts.append(Part(_at(sack, x, y, 0.17 + layer * 0.3), (0.62, 0.5, 0.32), 1.2))
    return parts


def cooperative_scene(rng: np.random.Generator) -> list[Part]:
    """Return a cooperative's buying shed: floor, a lean-to roof, scales and stacked sacks."""
    parts = [Part(_box(12, 8, 0.1, 0, 0, -0.1), (0.5, 0.45, 0.38), 0.35)]
    roof = _box(12.5, 8.5, 0.06, 0, 0, 0)
    roof.apply_transform(trimesh.transformations.rotation_matrix(0.1, (1, 0, 0)))
    parts.append(Part(_at(roof, 0, 0, 3.0), (0.55, 0.56, 0.58), 0.3))
    for x in (-6.0, 0.0, 6.0):
        for y in (-4.0, 4.0):
            parts.append(Part(_post(0.09, 3.0 + 0.4 * np.sign(y), x, y), (0.4, 0.3, 0.2)))
    parts.append(Part(_box(1.0, 0.8, 0.9, 3.5, -2.0, 0), (0.3, 0.32, 0.35), 1.5))  # the scale
    parts.append(Part(_box(0.8, 0.6, 0.05, 3.5, -2.0, 0.9), (0.75, 0.75, 0.7), 2.0))
    parts.extend(_sacks(rng, -4.5, -2.5, 4, 5, 3))
    return parts


def warehouse_scene(rng: np.random.Generator) -> list[Part]:
    """Return a port warehouse bay: floor, two walls, pallets of sacks, a forklift."""
    parts = [Part(_box(20, 12, 0.1, 0, 0, -0.1), (0.42, 0.43, 0.45), 0.25)]
    parts.append(Part(_box(20, 0.2, 6, 0, 6, 0), (0.78, 0.74, 0.66), 0.15))
    parts.append(Part(_box(0.2, 12, 6, -10, 0, 0), (0.78, 0.74, 0.66), 0.15))
    for i in range(3):
        for j in range(2):
            x, y = -7.5 + i * 5.0, -1.0 + j * 4.0
            parts.append(Part(_box(3.4, 2.8, 0.15, x + 1.3, y + 1.1, 0), (0.5, 0.36, 0.2)))
            parts.extend(_sacks(rng, x, y, 4, 4, 2 + (i + j) % 2))
    parts.append(Part(_box(1.2, 2.2, 1.4, 7.0, -3.0, 0), (0.9, 0.65, 0.1), 1.5))  # forklift
    parts.append(Part(_post(0.05, 2.6, 7.4, -1.8), (0.2, 0.2, 0.2)))
    return parts


def port_scene(rng: np.random.Generator) -> list[Part]:
    """Return a quay: apron, water's edge, stacked containers and a ship-to-shore crane."""
    parts = [Part(_box(30, 14, 0.1, 0, 0, -0.1), (0.5, 0.5, 0.5), 0.2)]
    parts.append(Part(_box(30, 8, 0.05, 0, -11, -0.15), (0.12, 0.25, 0.35), 0.15))  # water
    colours = [(0.7, 0.2, 0.15), (0.15, 0.35, 0.6), (0.2, 0.5, 0.3), (0.8, 0.6, 0.15)]
    for i in range(5):
        for j in range(2):
            for layer in range(1 + int(rng.integers(0, 3))):
                colour = colours[int(rng.integers(0, len(colours)))]
                parts.append(
                    Part(_box(6.0, 2.4, 2.5, -12 + i * 6.2, 2 + j * 2.6, layer * 2.6), colour, 0.8)
                )
    for x in (-4.0, 4.0):  # the crane's legs and boom
        for y in (-5.0, -1.0):
            parts.append(Part(_post(0.3, 14, x, y), (0.85, 0.3, 0.1), 0.6))
    parts.append(Part(_box(10, 1.0, 1.0, 0, -3.0, 14), (0.85, 0.3, 0.1), 0.6))
    parts.append(Part(_box(1.2, 16, 0.8, 0, -6.0, 15), (0.85, 0.3, 0.1), 0.6))
    return parts


# One scene per kind of site on a cocoa journey; warehouse and port are the shipping stops.
SCENES: dict[str, Callable[[np.random.Generator], list[Part]]] = {
    "farm": farm_scene,
    "cooperative": cooperative_scene,
    "fermentary": fermentary_scene,
    "warehouse": warehouse_scene,
    "port": port_scene,
    "factory": factory_scene,
}


def _counts(weights: npt.NDArray[np.float64], total: int) -> npt.NDArray[np.intp]:
    """Split `total` samples in proportion to `weights`, each part at least one."""
    share = weights / weights.sum() * (total - len(weights))
    counts = np.floor(share).astype(np.intp) + 1
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    counts[order[: total - int(counts.sum())]] += 1
    return counts


def _normal_to_quaternion(n: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return quaternions (N, 4) x, y, z, w turning +z onto unit normals `n` (N, 3)."""
    q = np.stack([-n[:, 1], n[:, 0], np.zeros(len(n)), 1.0 + n[:, 2]], axis=1)
    flipped = q[:, 3] < 1e-6  # n = -z: any half turn about an axis in the xy plane
    q[flipped] = (1.0, 0.0, 0.0, 0.0)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def sample_parts(parts: list[Part], count: int, seed: int) -> Gaussians:
    """Return `count` flat Gaussians on the surfaces of `parts`, in the RUB frame."""
    if not parts or count < len(parts):
        raise ValueError("`count` must give every one of `parts` at least one splat")
    rng = np.random.default_rng(seed)
    areas = np.array([p.mesh.area * p.density for p in parts])
    positions, normals, colors, sigmas = [], [], [], []
    for part, n in zip(parts, _counts(areas, count), strict=True):
        points, faces = trimesh.sample.sample_surface(part.mesh, int(n), seed=rng)
        positions.append(points)
        normals.append(part.mesh.face_normals[faces])
        jitter = rng.normal(0.0, 0.04, (int(n), 3)) + rng.normal(0.0, 0.03, (int(n), 1))
        colors.append(np.clip(np.asarray(part.color) + jitter, 0.0, 1.0))
        sigmas.append(np.full(int(n), 0.6 * np.sqrt(part.mesh.area / n)))
    pos = np.concatenate(positions) @ _Z_UP_TO_RUB.T
    normal = np.concatenate(normals) @ _Z_UP_TO_RUB.T
    sigma = np.concatenate(sigmas)
    scales = np.stack([sigma, sigma, sigma * 0.1], axis=1)
    return Gaussians(
        positions=pos.astype(np.float32),
        scales=scales.astype(np.float32),
        rotations=_normal_to_quaternion(normal).astype(np.float32),
        alphas=np.full(len(pos), ALPHA, dtype=np.float32),
        colors=((np.concatenate(colors) - 0.5) / SH_C0).astype(np.float32),
    )


def demo_capture(kind: str, splats: int = DEFAULT_SPLATS, seed: int = 7) -> Gaussians:
    """Return the demo capture of a site of `kind` (farm, fermentary, factory), RUB frame."""
    if kind not in SCENES:
        raise ValueError(f"`kind` must be one of {sorted(SCENES)}, got {kind!r}")
    if not 1 <= splats <= MAX_SPLATS:
        raise ValueError(f"`splats` must lie in 1–{MAX_SPLATS}, got {splats}")
    parts = SCENES[kind](np.random.default_rng(seed))
    return sample_parts(parts, splats, seed + 1)
