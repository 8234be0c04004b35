"""Cut a splat capture into an octree of SPZ v3 tiles: a streamable level-of-detail pyramid.

Splats are ordered once along a Morton curve, so an octree cell is a contiguous run and no
step needs more than memory proportional to the input. The same input gives the same bytes.
Two ways to refine, named as 3D Tiles names them (the tileset's root says which):

- ``"ADD"`` (the default): every input splat is stored once, in one tile. A tile over its
  cap keeps a selection of its cell's splats — on the finest voxel grid that leaves at most
  1/`parent_ratio` of them (and no more than the cap), the one splat per voxel that covers
  most (opacity × area) — and its children share out the rest. A shown child *adds* to its
  ancestors, which stay drawn, so the levels together cost what the leaves alone would; the
  coarse tiles are sparse originals (no merged copies), kept at full precision and SH, as
  they are drawn beside the leaves up close.
- ``"REPLACE"`` (the tiler before additive refinement, kept for the bench's columns): leaves
  hold the input splats; every parent holds its children's splats merged on a voxel grid
  (see `merge.py`), drops the SH rest (`coarse_sh_degree`) and stores positions to a
  sixteenth of its merge voxel; a shown child replaces its parent.

Bytes: tiles store positions to `precision` metres; each tile's splats are in Morton order
(positions, colours and sizes of neighbours alike, which deflate finds) or, with
`opacity_order`, ordered by opacity within each run of `opacity_chunk` Morton neighbours
(the opacity array becomes runs, the positions keep most of their locality); `sh_bits`,
`color_bits`, `scale_bits` and `rotation_bits` keep fewer significant bits of those SPZ
bytes, `rotation_tolerance` only as many rotation bits as the splat's shape shows and
`faint_bits` fewer for faint splats (see `precision.py`); deflate uses runs only (Z_RLE)
with `runs_only`, as LZ77's longer matches find little in splat arrays.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from server.core.splats.gaussians import SH_COEFFICIENTS, Gaussians, concatenate
from server.core.splats.merge import merge_clusters
from server.core.splats.precision import bits_for, fractional_bits, snap_positions, splat_precision
from server.core.splats.splat_order import DEPTH, by_opacity, morton
from server.core.splats.spz import encode_spz

FINEST_GRID = 1024  # voxels along a parent cell's edge before coarsening
COARSE_PRECISION = 16  # a coarse tile's positions: its merge voxel / this, at the finest


@dataclass(frozen=True)
class Tile:
    """One tile: its SPZ v3 bytes, where it is and how coarse it is."""

    id: str
    level: int
    bounds: npt.NDArray[np.float64]  # (2, 3): min row, max row of its and its children's splats
    geometric_error: float
    splats: int
    content: bytes
    sha256: str
    children: tuple[Tile, ...] = field(default=())
    # the input splats the tile stores, in its order: only with `build_tiles(keep_source=
    # True)`, for measuring what the tiles' rounding costs (None for merged REPLACE parents)
    source: npt.NDArray[np.intp] | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """Return the tile and its subtree as tileset JSON."""
        return {
            "id": self.id,
            "bounds": {"min": self.bounds[0].tolist(), "max": self.bounds[1].tolist()},
            "geometricError": self.geometric_error,
            "splats": self.splats,
            "content": {"sha256": self.sha256, "size": len(self.content), "format": "spz"},
            "children": [child.to_json() for child in self.children],
        }


@dataclass(frozen=True)
class Tileset:
    """The tile tree of a capture, its root first."""

    root: Tile
    splats: int
    fractional_bits: int
    refine: str = "ADD"

    @property
    def tiles(self) -> list[Tile]:
        """Return every tile, parents before children, in a fixed order."""
        out: list[Tile] = []
        stack = [self.root]
        while stack:
            tile = stack.pop()
            out.append(tile)
            stack.extend(reversed(tile.children))
        return out

    def to_json(self) -> dict[str, Any]:
        """Return the tileset document: bounds, geometric error and the tile tree."""
        return {
            "asset": {"format": "spz", "spzVersion": 3, "frame": "RUB"},
            "splats": self.splats,
            "bounds": {"min": self.root.bounds[0].tolist(), "max": self.root.bounds[1].tolist()},
            "geometricError": self.root.geometric_error,
            "root": {**self.root.to_json(), "refine": self.refine},
        }


def _coverage(g: Gaussians) -> npt.NDArray[np.float64]:
    """Return each splat's opacity × area (the sum of its scales' pairwise products)."""
    s = g.scales.astype(np.float64)
    return g.alphas * (s[:, 0] * s[:, 1] + s[:, 1] * s[:, 2] + s[:, 0] * s[:, 2])


def _without_sh(g: Gaussians, degree: int) -> Gaussians:
    """Return `g` with its SH rest cut to `degree` (the lower of the two)."""
    if g.sh_degree <= degree:
        return g
    k = SH_COEFFICIENTS[degree]
    sh = None if k == 0 or g.sh is None else g.sh[:, :k]
    return Gaussians(g.positions, g.scales, g.rotations, g.alphas, g.colors, sh)


REFINES = ("ADD", "REPLACE")


@dataclass(frozen=True)
class _Options:
    max_per_tile: int
    root_cap: int
    level: int
    parent_ratio: int
    coarse_sh_degree: int
    precision: float
    opacity_order: bool
    runs_only: bool
    sh_bits: int | None
    rotation_bits: int
    per_array: bool
    position_tolerance: float | None
    opacity_chunk: int | None
    color_bits: int
    scale_bits: int
    rotation_tolerance: float | None
    faint_bits: int
    keep_source: bool


class _Builder:
    def __init__(self, g: Gaussians, options: _Options) -> None:
        self.max_per_tile, self.root_cap = options.max_per_tile, options.root_cap
        self.level, self.options = options.level, options
        lo, hi = g.bounds().astype(np.float64)
        self.origin = lo
        self.size = max(float((hi - lo).max()), 1e-6) * (1 + 1e-6)
        scale = (1 << DEPTH) / self.size
        cells = np.clip((g.positions - lo) * scale, 0, (1 << DEPTH) - 1).astype(np.uint64)
        codes = morton(cells)
        del cells
        self.order = np.argsort(codes, kind="stable")
        self.codes = codes[self.order]
        self.g = g
        self.bits = fractional_bits(np.stack([lo, hi]))
        self.leaf_bits = bits_for(options.precision, self.bits)

    def tile(
        self,
        content: Gaussians,
        tile_id: str,
        level: int,
        error: float,
        kids: tuple[Tile, ...],
        bits: int,
        source: npt.NDArray[np.intp] | None = None,
    ) -> Tile:
        o = self.options
        if o.position_tolerance is not None:
            content = snap_positions(content, bits, o.position_tolerance)
        order = by_opacity(content, o.opacity_chunk) if o.opacity_order else slice(None)
        ordered = content.take(order)
        p = splat_precision(
            ordered,
            color_bits=o.color_bits,
            scale_bits=o.scale_bits,
            sh_bits=o.sh_bits,
            rotation_bits=o.rotation_bits,
            rotation_tolerance=o.rotation_tolerance,
            faint_bits=o.faint_bits,
        )
        data = encode_spz(
            ordered,
            bits,
            level=self.level,
            runs_only=o.runs_only,
            sh_bits=p.sh,
            rotation_bits=p.rotation,
            color_bits=p.color,
            scale_bits=p.scale,
            per_array=o.per_array,
        )
        # the box of the positions as stored (rounded to the tile's step), which is what shows
        step = float(1 << bits)
        bounds = np.round(content.bounds().astype(np.float64) * step) / step
        for kid in kids:
            bounds = np.stack(
                [np.minimum(bounds[0], kid.bounds[0]), np.maximum(bounds[1], kid.bounds[1])]
            )
        return Tile(
            tile_id,
            level,
            bounds,
            error,
            len(content),
            data,
            hashlib.sha256(data).hexdigest(),
            kids,
            None if source is None or not o.keep_source else source[order],
        )

    # -- additive refinement: each splat in one tile ------------------------------------

    def build_add(self, members: npt.NDArray[np.intp], level: int, tile_id: str) -> Tile:
        """Return the tile of sorted splats `members` (one octree cell's, those no ancestor
        took) and its subtree."""
        return self._add(members, level, tile_id, math.inf)

    def _add(
        self, members: npt.NDArray[np.intp], level: int, tile_id: str, parent_error: float
    ) -> Tile:
        cap = self.root_cap if level == 0 else self.max_per_tile
        if len(members) <= cap:
            source = self.order[members]
            return self.tile(self.g.take(source), tile_id, level, 0.0, (), self.leaf_bits, source)
        picked, voxel = self._select(members, level, cap)
        error = min(voxel, parent_error)
        rest = np.delete(members, picked)
        kids = tuple(
            self._add(part, level + 1, f"{tile_id}-{i}", error)
            for i, part in enumerate(self._split_members(rest, level))
        )
        source = self.order[members[picked]]
        return self.tile(self.g.take(source), tile_id, level, error, kids, self.leaf_bits, source)

    def _select(
        self, members: npt.NDArray[np.intp], level: int, cap: int
    ) -> tuple[npt.NDArray[np.intp], float]:
        """Return the positions in `members` of the splats its tile keeps, and their voxel:
        the finest grid of the cell with at most `target` occupied voxels, and in each the
        splat that covers most.

        `target` is 1/`parent_ratio`^h of the cell, h the levels its leaves will be below
        it: each level holds about 1/`parent_ratio` of the one below, as a merged pyramid
        would, so the root (the first tile shown) stays small however big the capture.
        """
        ratio = self.options.parent_ratio
        below = max(1, math.ceil(math.log(len(members) / self.max_per_tile) / math.log(ratio)))
        target = max(1, min(cap, len(members) // ratio**below))
        g = self.g.take(self.order[members])
        uniq, labels, voxel = self._voxels(g, level, target)
        coverage = _coverage(g)
        if len(uniq) > target:  # a single voxel cannot hold fewer: keep those covering most
            best = np.sort(np.argsort(-coverage, kind="stable")[:target])
            return best.astype(np.intp), voxel
        by_voxel = np.lexsort((-coverage, labels))
        first = np.ones(len(by_voxel), dtype=bool)
        first[1:] = labels[by_voxel][1:] != labels[by_voxel][:-1]
        return np.sort(by_voxel[first]).astype(np.intp), voxel

    def _split_members(
        self, members: npt.NDArray[np.intp], level: int
    ) -> list[npt.NDArray[np.intp]]:
        """Cut sorted `members` of a level-`level` cell into its children's, in order."""
        if level >= DEPTH:  # all in one finest cell: cut the run into equal parts
            parts = -(-len(members) // self.max_per_tile)
            cuts = np.linspace(0, len(members), parts + 1).round().astype(int).tolist()
            return [members[a:b] for a, b in itertools.pairwise(cuts) if b > a]
        codes = self.codes[members]
        shift = np.uint64(3 * (DEPTH - level - 1))
        prefix = int(codes[0]) >> int(shift) >> 3 << 3
        bounds = [np.uint64((prefix + c) << int(shift)) for c in range(1, 8)]
        edges = [0, *np.searchsorted(codes, bounds).tolist(), len(members)]
        return [members[a:b] for a, b in itertools.pairwise(edges) if b > a]

    # -- replacement: parents hold merged copies of their children -----------------------

    def build(self, lo: int, hi: int, level: int, tile_id: str) -> tuple[Tile, Gaussians]:
        """Return the tile of sorted splats lo..hi (one octree cell) and what it shows."""
        cap = self.root_cap if level == 0 else self.max_per_tile
        if hi - lo <= cap:
            source = np.sort(self.order[lo:hi])
            own = self.g.take(source)
            return self.tile(own, tile_id, level, 0.0, (), self.leaf_bits, source), own
        ranges = self._split(lo, hi, level)
        kids, shown = [], []
        for i, (a, b) in enumerate(ranges):
            kid, content = self.build(a, b, level + 1, f"{tile_id}-{i}")
            kids.append(kid)
            shown.append(content)
        coarse = _without_sh(concatenate(shown), self.options.coarse_sh_degree)
        del shown
        merged, voxel = self._coarsen(coarse, level, cap)
        error = max([voxel, *(k.geometric_error for k in kids)])
        bits = bits_for(voxel / COARSE_PRECISION, self.leaf_bits)
        return self.tile(merged, tile_id, level, error, tuple(kids), bits), merged

    def _split(self, lo: int, hi: int, level: int) -> list[tuple[int, int]]:
        if level >= DEPTH:  # all in one finest cell: cut the run into equal parts
            parts = -(-(hi - lo) // self.max_per_tile)
            cuts = np.linspace(lo, hi, parts + 1).round().astype(int).tolist()
            return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
        shift = np.uint64(3 * (DEPTH - level - 1))
        prefix = int(self.codes[lo]) >> int(shift) >> 3 << 3
        bounds = [np.uint64((prefix + c) << int(shift)) for c in range(9)]
        edges = [*np.searchsorted(self.codes[lo:hi], bounds[:8]).tolist(), hi - lo]
        return [(lo + a, lo + b) for a, b in itertools.pairwise(edges) if b > a]

    def _voxels(
        self, g: Gaussians, level: int, target: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp], float]:
        """Return the occupied voxels (keys, each splat's label) and the voxel's edge: the
        finest grid of the level's cell, halved until it leaves at most `target` voxels."""
        cell = self.size / (1 << level)
        grid = FINEST_GRID
        base = np.clip((g.positions - self.origin) / (cell / grid), 0, None).astype(np.int64)
        while True:
            v = base // (FINEST_GRID // grid)
            keys = (v[:, 0] * (1 << 21) + v[:, 1]) * (1 << 21) + v[:, 2]
            uniq, labels = np.unique(keys, return_inverse=True)
            if len(uniq) <= target or grid == 1:
                return uniq, labels, cell / grid
            grid //= 2

    def _coarsen(self, g: Gaussians, level: int, cap: int) -> tuple[Gaussians, float]:
        """Merge `g` on the finest voxel grid of its cell that leaves ≤ cap and ≤ half."""
        target = max(1, min(cap, len(g) // self.options.parent_ratio))
        uniq, labels, voxel = self._voxels(g, level, target)
        if len(uniq) > target:  # a single voxel cannot hold fewer clusters: cut by order
            labels = (np.arange(len(g)) * target // len(g)).astype(np.intp)
            uniq = np.arange(target)
        return merge_clusters(g, labels.astype(np.intp), len(uniq)), voxel


def build_tiles(
    g: Gaussians,
    max_splats_per_tile: int = 65536,
    root_cap: int = 65536,
    level: int = 6,
    *,
    refine: str = "ADD",
    parent_ratio: int = 8,
    coarse_sh_degree: int = 0,
    precision: float = 2.0**-10,
    opacity_order: bool = True,
    runs_only: bool = True,
    sh_bits: int | None = 3,
    rotation_bits: int = 9,
    per_array: bool = True,
    position_tolerance: float | None = 1 / 8,
    opacity_chunk: int | None = 1024,
    color_bits: int = 7,
    scale_bits: int = 6,
    rotation_tolerance: float | None = 1 / 8,
    faint_bits: int = 1,
    keep_source: bool = False,
) -> Tileset:
    """Return the octree tileset of `g` (in the frame the tiles should use, RUB for Spark).

    Leaves hold at most `max_splats_per_tile` splats; parents at most that many and at most
    1/`parent_ratio` of their cell's (their children's, with "REPLACE"), and the root at
    most `root_cap`; `level` is the tiles' gzip level. `refine` is "ADD" (each splat stored
    once; a child adds to its ancestors) or "REPLACE" (parents merge their children's
    splats, keeping SH up to `coarse_sh_degree`). Positions are stored to `precision` metres
    (a power of two at most; ~1 mm by default, finer only where SPZ's 24 bits reach the
    capture's extent), and with `position_tolerance` each splat's no finer than that
    fraction of its largest scale; `opacity_order`, `opacity_chunk`, `runs_only`,
    `per_array`, `sh_bits`, `color_bits`, `scale_bits`, `rotation_bits`,
    `rotation_tolerance` and `faint_bits`: see the module docstring and `splat_precision`.
    `keep_source` keeps each tile's input indices (`Tile.source`, 8 bytes a splat) for
    measurements; tiles for publishing leave it off.
    `opacity_chunk=None, sh_bits=4, color_bits=8, scale_bits=8, rotation_tolerance=None,
    faint_bits=0` is the tiler before issue #11's item 6. `refine="REPLACE", sh_bits=None,
    opacity_order=True, per_array=False, position_tolerance=None` is the tiler before
    additive refinement; with `parent_ratio=2, coarse_sh_degree=3, precision=2**-12,
    opacity_order=False, runs_only=False` too, the tiler before issue #11 (the bench's two
    baselines).
    """
    if len(g) == 0:
        raise ValueError("`g` holds no splats to tile")
    if max_splats_per_tile < 1 or root_cap < 1:
        raise ValueError("`max_splats_per_tile` and `root_cap` must be at least 1")
    if refine not in REFINES:
        raise ValueError('`refine` must be "ADD" or "REPLACE"')
    if parent_ratio < 2:
        raise ValueError("`parent_ratio` must be at least 2")
    if coarse_sh_degree not in SH_COEFFICIENTS:
        raise ValueError("`coarse_sh_degree` must be 0 to 3")
    if not precision > 0:
        raise ValueError("`precision` must be a positive number of metres")
    options = _Options(
        max_splats_per_tile,
        root_cap,
        level,
        parent_ratio,
        coarse_sh_degree,
        precision,
        opacity_order,
        runs_only,
        sh_bits,
        rotation_bits,
        per_array,
        position_tolerance,
        opacity_chunk,
        color_bits,
        scale_bits,
        rotation_tolerance,
        faint_bits,
        keep_source,
    )
    builder = _Builder(g, options)
    if refine == "ADD":
        root = builder.build_add(np.arange(len(g), dtype=np.intp), 0, "0")
    else:
        root, _ = builder.build(0, len(g), 0, "0")
    return Tileset(root, len(g), builder.bits, refine)
