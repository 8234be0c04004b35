"""Synthetic splat captures for bench_splats: a uniform worst case and a realistic one.

The uniform capture draws every attribute independently and uniformly: near-incompressible
noise, a floor no real capture is below. The realistic capture imitates what 3DGS training
leaves behind, so a figure measured on it says something about a real scan:

- **positions on surfaces**: 45 % on a 40 m ground disc (a gentle height field, denser near
  the middle, where a capture walks), 45 % on the surfaces of a dozen objects (spheres and
  boxes, 0.4–2.5 m), 10 % on a far "background" shell at 25–35 m; each splat lies within a
  fraction of its own thickness of its surface. Trained splats sit on surfaces: the
  densification step clones and splits them where the photometric gradient is, not in air.
- **colours spatially correlated**: each surface has a base colour, modulated by a smooth
  texture (three sinusoids of 0.3–3 m wavelength) plus small per-splat noise (σ 0.08 in
  SH DC units): neighbouring splats of a real capture see the same surface.
- **SH1 rest coefficients small**: Laplacian with scale 0.075 (the middle of the 0.05–0.1
  seen in trained scenes): view-dependent colour is a small correction for most splats.
- **scales log-normal and correlated with neighbours**: the log of a splat's size is a smooth
  field of its position (σ 0.5 over metres) plus per-splat noise (σ 0.35), around 8 mm near
  the middle, larger towards the edge and 20 cm on the background; surface splats are flat
  (the axis across the surface 3–5× thinner), as trained splats are.
- **rotations random**: uniform unit quaternions (the worst case for their 4 bytes).
- **opacities skewed towards 1 with a tail**: 70 % have logit N(4.5, 2) (most near 1),
  30 % uniform in 0.02–1 (the semi-transparent tail training keeps after pruning).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from server.core.splats.gaussians import SH_COEFFICIENTS, Gaussians

F64 = npt.NDArray[np.float64]


def uniform_capture(n: int, sh_degree: int, seed: int = 0) -> Gaussians:
    """Return `n` splats: a 40 m noisy ground plane and blobs, every attribute uniform noise."""
    rng = np.random.default_rng(seed)
    half = n // 2
    ground = rng.uniform([-20, -0.05, -20], [20, 0.05, 20], (half, 3))
    blobs = rng.normal(0, 1.5, (n - half, 3)) + rng.choice([-8, 0, 8], (n - half, 3))
    k = SH_COEFFICIENTS[sh_degree]
    return Gaussians(
        positions=np.concatenate([ground, blobs]).astype(np.float32),
        scales=np.exp(rng.uniform(-6, -2, (n, 3))).astype(np.float32),
        rotations=rng.normal(size=(n, 4)).astype(np.float32),
        alphas=rng.uniform(0, 1, n).astype(np.float32),
        colors=rng.uniform(-1.5, 1.5, (n, 3)).astype(np.float32),
        sh=rng.uniform(-0.5, 0.5, (n, k, 3)).astype(np.float32) if k else None,
    )


def _field(rng: np.random.Generator, p: F64, wavelengths: tuple[float, ...]) -> F64:
    """Return a smooth scalar field at points `p`: a sum of sinusoids, roughly unit variance."""
    out = np.zeros(len(p))
    for wavelength in wavelengths:
        direction = rng.normal(size=3)
        direction /= np.linalg.norm(direction)
        phase = rng.uniform(0, 2 * np.pi)
        out += np.sin(p @ direction * (2 * np.pi / wavelength) + phase)
    return out * np.sqrt(2 / len(wavelengths))


def _on_ground(rng: np.random.Generator, n: int) -> tuple[F64, F64]:
    radius = 20 * rng.uniform(0, 1, n) ** 0.75  # denser towards the middle than uniform
    angle = rng.uniform(0, 2 * np.pi, n)
    x, z = radius * np.cos(angle), radius * np.sin(angle)
    y = 0.15 * np.sin(x / 3.1) * np.cos(z / 4.3)
    normals = np.tile([0.0, 1.0, 0.0], (n, 1))
    return np.stack([x, y, z], axis=1), normals


def _on_objects(rng: np.random.Generator, n: int) -> tuple[F64, F64, npt.NDArray[np.intp]]:
    count = 12
    centres = np.stack(
        [rng.uniform(-10, 10, count), np.zeros(count), rng.uniform(-10, 10, count)], 1
    )
    sizes = rng.uniform(0.4, 2.5, count)
    which = rng.integers(0, count, n)
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    sphere = which % 2 == 0
    # a box's surface: push a random direction out to the cube's face it points at
    face = np.abs(direction).argmax(axis=1)
    cube = direction / np.abs(direction).max(axis=1, keepdims=True)
    normals = np.where(sphere[:, None], direction, 0.0)
    rows = np.flatnonzero(~sphere)
    normals[rows, face[rows]] = np.sign(cube[rows, face[rows]])
    local = np.where(sphere[:, None], direction, cube) * sizes[which, None]
    positions = centres[which] + local + [0.0, 1.0, 0.0] * sizes[which, None]
    return positions, normals, which


def _on_shell(rng: np.random.Generator, n: int) -> tuple[F64, F64]:
    direction = rng.normal(size=(n, 3))
    direction[:, 1] = np.abs(direction[:, 1]) * 0.5
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    return direction * rng.uniform(25, 35, n)[:, None], -direction


def realistic_capture(n: int, sh_degree: int, seed: int = 0) -> Gaussians:
    """Return `n` splats shaped like a trained outdoor capture (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_ground, n_objects = int(n * 0.45), int(n * 0.45)
    n_shell = n - n_ground - n_objects
    ground, ground_normals = _on_ground(rng, n_ground)
    objects, object_normals, which = _on_objects(rng, n_objects)
    shell, shell_normals = _on_shell(rng, n_shell)
    positions = np.concatenate([ground, objects, shell])
    normals = np.concatenate([ground_normals, object_normals, shell_normals])
    surface = np.concatenate([np.zeros(n_ground, int), 1 + which, np.full(n_shell, 13)])

    # sizes: ~8 mm in the middle, growing outwards; 20 cm on the background shell
    reach = np.linalg.norm(positions[:, [0, 2]], axis=1)
    log_size = np.log(0.008) + 0.06 * np.minimum(reach, 20)
    log_size[-n_shell:] = np.log(0.2)
    log_size += 0.5 * _field(rng, positions, (1.7, 3.9, 7.3)) + rng.normal(0, 0.35, n)
    thin = rng.uniform(3, 5, n)
    # scales along the splat's own axes: two across the surface, one (thinner) along the normal
    flat = np.exp(log_size[:, None] + rng.normal(0, 0.25, (n, 3)))
    flat[:, 2] /= thin
    # jitter off the surface by a fraction of the splat's thickness
    positions = positions + normals * rng.normal(0, 1, (n, 1)) * flat[:, 2:3]

    palette = rng.uniform(-1.2, 1.2, (14, 3))
    texture = np.stack([_field(rng, positions, (0.3, 1.1, 3.0)) for _ in range(3)], axis=1)
    colors = palette[surface] + 0.3 * texture + rng.normal(0, 0.08, (n, 3))

    near_one = rng.uniform(0, 1, n) < 0.7
    logits = rng.normal(4.5, 2.0, n)
    alphas = np.where(near_one, 1 / (1 + np.exp(-logits)), rng.uniform(0.02, 1, n))

    k = SH_COEFFICIENTS[sh_degree]
    order = rng.permutation(n)  # a trained file is in no spatial order
    return Gaussians(
        positions=positions[order].astype(np.float32),
        scales=flat[order].astype(np.float32),
        rotations=rng.normal(size=(n, 4)).astype(np.float32),
        alphas=alphas[order].astype(np.float32),
        colors=colors[order].astype(np.float32),
        sh=rng.laplace(0, 0.075, (n, k, 3)).astype(np.float32) if k else None,
    )


CAPTURES = {"uniform": uniform_capture, "realistic": realistic_capture}
