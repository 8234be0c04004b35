"""A cloud of 3D Gaussians as plain numpy arrays, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

SH_COEFFICIENTS = {0: 0, 1: 3, 2: 8, 3: 15}
"""Rest (non-DC) spherical-harmonic coefficients per colour channel for each degree."""

DEGREE_OF_COEFFICIENTS = {k: d for d, k in SH_COEFFICIENTS.items()}


def _array(name: str, value: object, shape: tuple[int | None, ...]) -> FloatArray:
    """Return `value` as a finite float32 array of `shape` (None matches any length)."""
    try:
        arr = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must be a float array") from exc
    if arr.ndim != len(shape) or any(
        want is not None and got != want for got, want in zip(arr.shape, shape, strict=True)
    ):
        wanted = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"`{name}` must have shape {wanted}, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"`{name}` contains NaN or infinite values")
    return arr


@dataclass(frozen=True)
class Gaussians:
    """N Gaussian splats in one coordinate frame.

    positions (N, 3) float32; scales (N, 3) linear standard deviations (not logs);
    rotations (N, 4) unit quaternions ordered x, y, z, w (normalised on construction);
    alphas (N,) opacities in 0–1; colors (N, 3) spherical-harmonic DC coefficients;
    sh (N, K, 3) rest coefficients, K = 3, 8 or 15 for degree 1, 2 or 3, ordered
    coefficient by coefficient with R, G, B last — or None for degree 0.
    """

    positions: FloatArray
    scales: FloatArray
    rotations: FloatArray
    alphas: FloatArray
    colors: FloatArray
    sh: FloatArray | None = None

    def __post_init__(self) -> None:
        positions = _array("positions", self.positions, (None, 3))
        n = positions.shape[0]
        scales = _array("scales", self.scales, (n, 3))
        rotations = _array("rotations", self.rotations, (n, 4))
        alphas = _array("alphas", self.alphas, (n,))
        colors = _array("colors", self.colors, (n, 3))
        if (scales < 0).any():
            raise ValueError("`scales` must be non-negative (linear, not log) values")
        if ((alphas < 0) | (alphas > 1)).any():
            raise ValueError("`alphas` must lie in 0–1 (opacities, not logits)")
        norms = np.linalg.norm(rotations, axis=1, keepdims=True)
        if (norms < 1e-12).any():
            raise ValueError("`rotations` contains a zero-length quaternion")
        rotations = (rotations / norms).astype(np.float32)
        sh = None
        if self.sh is not None:
            sh = _array("sh", self.sh, (n, None, 3))
            if sh.shape[1] not in DEGREE_OF_COEFFICIENTS or sh.shape[1] == 0:
                raise ValueError(f"`sh` must have 3, 8 or 15 coefficients, got {sh.shape[1]}")
        for name, value in (
            ("positions", positions),
            ("scales", scales),
            ("rotations", rotations),
            ("alphas", alphas),
            ("colors", colors),
            ("sh", sh),
        ):
            object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return int(self.positions.shape[0])

    @property
    def sh_degree(self) -> int:
        """Return the spherical-harmonic degree, 0 to 3."""
        return 0 if self.sh is None else DEGREE_OF_COEFFICIENTS[self.sh.shape[1]]

    def take(self, index: npt.NDArray[np.intp] | slice) -> Gaussians:
        """Return the splats at `index` (an index array or a slice), in that order."""
        return Gaussians(
            positions=self.positions[index],
            scales=self.scales[index],
            rotations=self.rotations[index],
            alphas=self.alphas[index],
            colors=self.colors[index],
            sh=None if self.sh is None else self.sh[index],
        )

    def bounds(self) -> FloatArray:
        """Return the (2, 3) axis-aligned box of the positions: min row, max row."""
        if len(self) == 0:
            raise ValueError("`Gaussians` with no splats have no bounds")
        return np.stack([self.positions.min(axis=0), self.positions.max(axis=0)])


def concatenate(parts: list[Gaussians]) -> Gaussians:
    """Return one cloud holding every splat of `parts`, in order; SH degree is the lowest."""
    if not parts:
        raise ValueError("`parts` must hold at least one Gaussians")
    k = min(SH_COEFFICIENTS[p.sh_degree] for p in parts)
    return Gaussians(
        positions=np.concatenate([p.positions for p in parts]),
        scales=np.concatenate([p.scales for p in parts]),
        rotations=np.concatenate([p.rotations for p in parts]),
        alphas=np.concatenate([p.alphas for p in parts]),
        colors=np.concatenate([p.colors for p in parts]),
        sh=None if k == 0 else np.concatenate([p.sh[:, :k] for p in parts if p.sh is not None]),
    )
