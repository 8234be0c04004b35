"""What the tiles give back: every input splat once, each attribute within a stated bound.

The capture sits on a 5 cm lattice (jittered by at most 1 cm), so rounding a decoded
position to the lattice names the input splat it came from, whatever tile holds it. The
bounds are those of the tiler's defaults (SPZ v3 as Spark reads it):

- position, per axis: at most max(2^-11 m, 1/8 of the splat's largest scale) — the 1 mm
  grid, and `position_tolerance` for splats large enough to need no millimetres;
- opacity: half of SPZ's 1/255 step; DC colour: one 1/(0.15 × 255) step (7 significant
  bits), two for splats of opacity below 1/2 (their error shows half as much);
- scale: |Δ ln s| ≤ 1/8 (6 significant bits of SPZ's ln s in sixteenths);
- rotation: the 1σ outline moves by at most 1/8 of the largest scale (1/4 when faint);
- SH rest: at most 16.5/128 (3 significant bits of SPZ's x × 128 + 128 byte), 32.5/128
  when faint, for coefficients in SPZ's range.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from server.core.splats.gaussians import Gaussians
from server.core.splats.spz import COLOR_SCALE, decode_spz, encode_spz
from server.core.splats.tiling import build_tiles

SPACING = 0.05


def lattice_capture(side: int = 20, seed: int = 3) -> Gaussians:
    """Return side³ splats, one near each lattice point, with SH1 and varied attributes."""
    rng = np.random.default_rng(seed)
    axis = np.arange(side) * SPACING
    points = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), -1).reshape(-1, 3)
    n = len(points)
    return Gaussians(
        positions=(points + rng.uniform(-0.01, 0.01, (n, 3))).astype(np.float32),
        scales=np.exp(rng.uniform(np.log(0.002), np.log(0.02), (n, 3))).astype(np.float32),
        rotations=rng.normal(size=(n, 4)).astype(np.float32),
        alphas=rng.uniform(0, 1, n).astype(np.float32),
        colors=rng.uniform(-1.5, 1.5, (n, 3)).astype(np.float32),
        sh=np.clip(rng.laplace(0, 0.1, (n, 3, 3)), -0.95, 0.95).astype(np.float32),
    )


def _lattice_index(positions: npt.NDArray[np.float32], side: int) -> npt.NDArray[np.intp]:
    cell = np.round(positions.astype(np.float64) / SPACING).astype(np.intp)
    assert ((cell >= 0) & (cell < side)).all()
    return (cell[:, 0] * side + cell[:, 1]) * side + cell[:, 2]


def _rotation_error_degrees(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    dot = np.abs(np.sum(a.astype(np.float64) * b, axis=1))
    return float(np.degrees(2 * np.arccos(np.minimum(dot, 1.0))).max())


def test_every_splat_comes_back_once_within_the_stated_bounds() -> None:
    side = 20
    g = lattice_capture(side)
    tileset = build_tiles(g, max_splats_per_tile=1000, root_cap=500, keep_source=True)
    published = build_tiles(g, max_splats_per_tile=1000, root_cap=500)
    assert all(t.source is None for t in published.tiles)  # not carried where it is not read
    assert [t.content for t in published.tiles] == [t.content for t in tileset.tiles]
    assert tileset.refine == "ADD" and len(tileset.tiles) > 8
    parts = [decode_spz(t.content, len(g), max_uncompressed=10**8) for t in tileset.tiles]
    back = Gaussians(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("positions", "scales")),
        rotations=np.concatenate([p.rotations for p in parts]),
        alphas=np.concatenate([p.alphas for p in parts]),
        colors=np.concatenate([p.colors for p in parts]),
        sh=np.concatenate([p.sh for p in parts if p.sh is not None]),
    )
    source = _lattice_index(back.positions, side)
    assert np.array_equal(np.sort(source), np.arange(len(g))), "each splat exactly once"
    want = g.take(source)

    moved = np.abs(back.positions.astype(np.float64) - want.positions)
    allowed = np.maximum(2.0**-11, want.scales.max(axis=1) / 8)[:, None] + 1e-6
    assert (moved <= allowed).all()
    assert moved.max() > 2.0**-11, "large splats should be stored coarser than 1 mm"
    assert np.abs(back.alphas - want.alphas).max() <= 0.5 / 255 + 1e-6
    # each tile names the input splats it stores, in its order
    assert all(t.source is not None for t in tileset.tiles)
    assert np.array_equal(np.concatenate([t.source for t in tileset.tiles]), source)
    faint = want.alphas < 0.5  # one colour, SH and rotation bit fewer (`faint_bits=1`)
    colour_step = np.where(faint, 4, 2) / (COLOR_SCALE * 255)
    colour_err = np.abs(back.colors - want.colors).max(axis=1)
    assert (colour_err <= colour_step / 2 + 1e-6).all()
    assert colour_err[~faint].max() > 0.5 / (COLOR_SCALE * 255), "7 bits, not 8"
    assert np.abs(np.log(back.scales) - np.log(want.scales)).max() <= 1 / 8 + 1e-5
    # a rotation moves the 1σ outline by at most 1/8 of the largest scale (1/4 if faint)
    s = want.scales.astype(np.float64)
    shape = 1 - s.min(axis=1) / s.max(axis=1)
    dot = np.minimum(np.abs(np.sum(back.rotations.astype(np.float64) * want.rotations, 1)), 1)
    angle = 2 * np.arccos(dot)
    assert (angle * shape <= np.where(faint, 1 / 4, 1 / 8) + 1e-4).all()
    assert np.degrees(angle).max() > 1.0, "round splats need no fine rotation"
    assert back.sh is not None and want.sh is not None
    sh_err = np.abs(back.sh - want.sh).max(axis=(1, 2))
    assert (sh_err <= np.where(faint, 32.5, 16.5) / 128 + 1e-6).all()


def test_fewer_sh_and_rotation_bits_are_within_their_own_bounds() -> None:
    g = lattice_capture(8)
    for bits in (3, 5, 8):
        back = decode_spz(encode_spz(g, sh_bits=bits), max_splats=len(g), max_uncompressed=10**8)
        assert back.sh is not None and g.sh is not None
        half_bucket = (1 << (8 - bits)) / 2
        assert np.abs(back.sh - g.sh).max() <= (half_bucket + 0.5) / 128 + 1e-6
    coarse = decode_spz(encode_spz(g, rotation_bits=7), max_splats=len(g), max_uncompressed=10**8)
    fine = decode_spz(encode_spz(g), max_splats=len(g), max_uncompressed=10**8)
    assert _rotation_error_degrees(fine.rotations, g.rotations) <= 0.25
    assert 0.25 < _rotation_error_degrees(coarse.rotations, g.rotations) <= 1.0
