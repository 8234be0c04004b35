"""Merge splats that share a voxel into one Gaussian each, for coarse levels of detail.

Each cluster becomes one Gaussian whose weight per member is opacity × area (area ≈ the
sum of pairwise products of the member's scales): position, DC colour and SH are weighted
means; the covariance is the weighted mean of the members' covariances plus the spread of
their centres, turned back into scales and a rotation by eigen-decomposition; opacity keeps
the cluster's total opacity × area, capped at 1.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from server.core.splats.gaussians import Gaussians

F64 = npt.NDArray[np.float64]


def quaternions_to_matrices(q: npt.NDArray[np.floating]) -> F64:
    """Return the (N, 3, 3) rotation matrices of unit quaternions (N, 4) ordered x, y, z, w."""
    x, y, z, w = (q[:, i].astype(np.float64) for i in range(4))
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=1,
    )


def matrices_to_quaternions(m: F64) -> F64:
    """Return unit quaternions (N, 4) x, y, z, w of proper rotation matrices (N, 3, 3)."""
    m00, m11, m22 = m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]
    w = np.sqrt(np.maximum(0.0, 1 + m00 + m11 + m22)) / 2
    x = np.copysign(np.sqrt(np.maximum(0.0, 1 + m00 - m11 - m22)) / 2, m[:, 2, 1] - m[:, 1, 2])
    y = np.copysign(np.sqrt(np.maximum(0.0, 1 - m00 + m11 - m22)) / 2, m[:, 0, 2] - m[:, 2, 0])
    z = np.copysign(np.sqrt(np.maximum(0.0, 1 - m00 - m11 + m22)) / 2, m[:, 1, 0] - m[:, 0, 1])
    q = np.stack([x, y, z, w], axis=1)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def covariances(g: Gaussians) -> F64:
    """Return the (N, 3, 3) covariance R diag(s²) Rᵀ of each splat."""
    r = quaternions_to_matrices(g.rotations)
    s2 = g.scales.astype(np.float64) ** 2
    return np.einsum("nij,nj,nkj->nik", r, s2, r)


def _area(scales: npt.NDArray[np.floating]) -> F64:
    s = scales.astype(np.float64)
    return s[:, 0] * s[:, 1] + s[:, 1] * s[:, 2] + s[:, 0] * s[:, 2]


def merge_clusters(g: Gaussians, labels: npt.NDArray[np.intp], count: int) -> Gaussians:
    """Return `count` Gaussians, cluster c merging the splats of `g` whose label is c.

    `labels` (N,) holds cluster numbers 0..count-1, each used at least once. Sums run one
    column at a time so the extra memory stays a few float64 values per splat.
    """
    if labels.shape != (len(g),):
        raise ValueError("`labels` must hold one cluster number per splat")
    area = _area(g.scales)
    coverage = g.alphas * area
    weight = coverage + 1e-30
    total = np.bincount(labels, weight, count)

    def mean(values: npt.NDArray[np.floating]) -> F64:
        cols = values.reshape(len(g), -1)
        out = np.empty((count, cols.shape[1]))
        for j in range(cols.shape[1]):
            out[:, j] = np.bincount(labels, weight * cols[:, j], count)
        return out / total[:, None]

    centre = mean(g.positions)
    offset = g.positions - centre[labels]
    r = quaternions_to_matrices(g.rotations)
    s2 = g.scales.astype(np.float64) ** 2
    cov = np.empty((count, 3, 3))
    for i in range(3):
        for j in range(i, 3):
            spread = (r[:, i, :] * r[:, j, :] * s2).sum(axis=1) + offset[:, i] * offset[:, j]
            cov[:, i, j] = cov[:, j, i] = np.bincount(labels, weight * spread, count) / total
    del r, s2, offset
    values, vectors = np.linalg.eigh(cov)
    flip = np.linalg.det(vectors) < 0
    vectors[flip, :, 0] *= -1
    scales = np.sqrt(np.maximum(values, 1e-24))
    alphas = np.bincount(labels, coverage, count) / np.maximum(_area(scales), 1e-30)
    sh = None
    if g.sh is not None:
        sh = mean(g.sh).reshape(count, g.sh.shape[1], 3).astype(np.float32)
    return Gaussians(
        positions=centre.astype(np.float32),
        scales=scales.astype(np.float32),
        rotations=matrices_to_quaternions(vectors).astype(np.float32),
        alphas=np.clip(alphas, 0.0, 1.0).astype(np.float32),
        colors=mean(g.colors).astype(np.float32),
        sh=sh,
    )
