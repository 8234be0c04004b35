"""Choose per splat how many significant bits each attribute keeps in a tile's SPZ bytes.

SPZ v3 stores every splat's attributes in bytes of fixed steps; a tile may round them to
coarser steps (any reader decodes them as usual, and deflate codes them shorter) as far as
the splat's look allows: how far an error moves its outline, in its own size, and how much
its opacity lets the error show in the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from server.core.splats.gaussians import Gaussians

# at most 17.6°; fewer bits saved nothing the bench could measure
ROTATION_FLOOR = 3
# largest angle (radians) a rotation moves by when rounded to 9-bit magnitudes: each of the
# three stored components is off by at most half a step Δ = √½/511, the derived largest one
# (at least 1/2) by up to √3 times their error, so |δq| ≤ √3 Δ and the angle ≤ 2 |δq|
ROTATION_STEP = 2 * math.sqrt(3) * math.sqrt(0.5) / 511


@dataclass(frozen=True)
class Precision:
    """Significant bits per splat of each attribute a tile stores coarser than SPZ allows."""

    color: npt.NDArray[np.intp]
    scale: npt.NDArray[np.intp]
    rotation: npt.NDArray[np.intp]
    sh: npt.NDArray[np.intp] | None


def splat_precision(
    g: Gaussians,
    *,
    color_bits: int = 8,
    scale_bits: int = 8,
    sh_bits: int | None = None,
    rotation_bits: int = 9,
    rotation_tolerance: float | None = None,
    faint_bits: int = 0,
) -> Precision:
    """Return how many significant bits each splat of `g` needs per attribute.

    Opaque splats get `color_bits`, `scale_bits` and `sh_bits` (SPZ bytes keep 8);
    `rotation_tolerance` gives each the fewest rotation bits (at least 3, at most
    `rotation_bits`) whose angle error θ keeps θ × (1 − smallest/largest scale) — how far
    the rotation moves the splat's 1σ outline, in its largest scale — within it: a round
    splat needs no rotation, a needle the most. A splat's colour, SH and rotation
    errors show in the image weighted by its opacity α, so a faint splat gets one colour, SH
    and rotation bit fewer per halving of α below 1/2, at most `faint_bits` fewer: its error
    in the image stays what an opaque splat's is (its size keeps `scale_bits`: a faint
    splat grown too large covers more of the image).
    """
    alphas = g.alphas.astype(np.float64)
    with np.errstate(divide="ignore"):
        faint = np.floor(-np.log2(np.maximum(alphas, 1e-6)))
    relief = np.clip(faint, 0, faint_bits).astype(np.intp)
    rotation = np.full(len(g), rotation_bits, dtype=np.intp)
    if rotation_tolerance is not None:
        s = g.scales.astype(np.float64)
        shape = 1.0 - s.min(axis=1) / np.maximum(s.max(axis=1), 1e-30)
        budget = rotation_tolerance * np.exp2(relief) / np.maximum(shape, 1e-9)
        coarser = np.floor(np.log2(budget / ROTATION_STEP))
        rotation = np.clip(9 - coarser, ROTATION_FLOOR, rotation_bits).astype(np.intp)

    def less(bits: int) -> npt.NDArray[np.intp]:
        return np.maximum(1, bits - relief).astype(np.intp)

    sh = None if sh_bits is None else less(sh_bits)
    scale = np.full(len(g), scale_bits, dtype=np.intp)  # a size error shows however faint
    return Precision(less(color_bits), scale, rotation, sh)


def snap_positions(g: Gaussians, bits: int, tolerance: float) -> Gaussians:
    """Return `g` with each position rounded to the coarsest power-of-two step (no finer
    than 2**-bits) that moves it by at most `tolerance` × its largest scale on each axis.

    A splat is drawn out to ~3 of its scales: a 5 cm splat gains nothing from millimetres.
    The coarser steps zero low bits of SPZ's fixed-point positions, which deflate finds.
    """
    finest = 2.0**-bits
    reach = 2 * tolerance * g.scales.max(axis=1).astype(np.float64)
    with np.errstate(divide="ignore"):
        step = np.maximum(2.0 ** np.floor(np.log2(np.maximum(reach, finest))), finest)
    snapped = np.round(g.positions.astype(np.float64) / step[:, None]) * step[:, None]
    return Gaussians(snapped.astype(np.float32), g.scales, g.rotations, g.alphas, g.colors, g.sh)


def fractional_bits(bounds: npt.NDArray[np.float64]) -> int:
    reach = float(np.abs(bounds).max())
    if reach == 0:
        return 12
    return max(0, min(12, math.floor(math.log2(((1 << 23) - 1) / reach))))


def bits_for(step: float, limit: int) -> int:
    """Return the fractional bits whose step is at most `step` metres, at most `limit`."""
    return max(0, min(limit, math.ceil(-math.log2(step))))
