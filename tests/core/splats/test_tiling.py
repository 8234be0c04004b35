from __future__ import annotations

import gzip
import hashlib
import json
import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest

from server.core.splats.gaussians import Gaussians
from server.core.splats.merge import covariances, merge_clusters
from server.core.splats.spz import decode_spz
from server.core.splats.tiling import Tile, Tileset, build_tiles


def _subtree_splats(tile: Tile) -> int:
    return tile.splats + sum(_subtree_splats(c) for c in tile.children)


def _check(ts: Tileset, n: int, per_tile: int, root_cap: int) -> list[Tile]:
    tiles = ts.tiles
    assert ts.root.splats <= root_cap
    leaves = 0
    for tile in tiles:
        assert hashlib.sha256(tile.content).hexdigest() == tile.sha256
        back = decode_spz(tile.content, max_splats=n, max_uncompressed=10**9)
        assert len(back) == tile.splats
        assert tile.splats <= (root_cap if tile is ts.root else per_tile)
        lo, hi = tile.bounds
        assert (back.positions >= lo - 1e-3).all() and (back.positions <= hi + 1e-3).all()
        for child in tile.children:
            assert (lo <= child.bounds[0]).all() and (child.bounds[1] <= hi).all()
            assert child.geometric_error <= tile.geometric_error
            assert child.level == tile.level + 1
        if tile.children and ts.refine == "REPLACE":
            assert tile.splats <= sum(c.splats for c in tile.children) / 2 + 1
            assert back.sh is None  # coarse tiles are SH0 by default
        elif tile.children:  # ADD: a selection of at most an eighth of its cell's splats
            assert tile.splats <= max(1, _subtree_splats(tile) // 8)
            assert tile.geometric_error > 0
        else:
            leaves += tile.splats
            assert tile.geometric_error == 0
    # every input splat is in exactly one leaf (REPLACE) or one tile of any level (ADD)
    assert (sum(t.splats for t in tiles) if ts.refine == "ADD" else leaves) == n
    return tiles


def test_small_capture_is_a_single_root(capture: Callable[..., Gaussians]) -> None:
    ts = build_tiles(capture(1000))
    assert ts.root.children == () and ts.root.splats == 1000


@pytest.mark.parametrize("refine", ["ADD", "REPLACE"])
def test_deep_tree_respects_caps_bounds_and_hashes(
    capture: Callable[..., Gaussians], refine: str
) -> None:
    g = capture(20_000, 1)
    ts = build_tiles(
        g, max_splats_per_tile=1500, root_cap=800, refine=refine, position_tolerance=None
    )
    assert ts.refine == refine and ts.to_json()["root"]["refine"] == refine
    tiles = _check(ts, 20_000, 1500, 800)
    assert len(tiles) > 20 and max(t.level for t in tiles) >= 3
    stored = [t for t in tiles if refine == "ADD" or not t.children]
    positions = np.concatenate(
        [decode_spz(t.content, max_splats=20_000, max_uncompressed=10**9).positions for t in stored]
    )
    # rounding is monotone, so each sorted coordinate matches the input's within half of
    # the 2^-10 m step
    np.testing.assert_allclose(
        np.sort(positions, axis=0), np.sort(g.positions, axis=0), atol=2**-11 + 1e-5
    )
    for tile in stored:
        back = decode_spz(tile.content, max_splats=20_000, max_uncompressed=10**9)
        assert back.sh_degree == 1  # the tiles drawn up close keep the capture's SH
        # ordered by opacity within each run of 1024 Morton neighbours: its array is runs
        for start in range(0, len(back), 1024):
            assert (np.diff(back.alphas[start : start + 1024]) >= 0).all()
        if len(back) > 1024:
            assert (np.diff(back.alphas) < 0).any(), "runs are per chunk, not per tile"


def test_parents_hold_an_eighth_and_coarse_positions(capture: Callable[..., Gaussians]) -> None:
    g = capture(20_000, 1)
    ts = build_tiles(g, max_splats_per_tile=1500, root_cap=5000, refine="REPLACE")
    for tile in ts.tiles:
        if tile.children:
            assert tile.splats <= max(1, sum(c.splats for c in tile.children) // 8)
            bits = gzip.decompress(tile.content)[13]
            assert 2.0**-bits >= tile.geometric_error / 16 / 2 - 1e-12
            assert bits <= 10
    before = build_tiles(
        g,
        max_splats_per_tile=1500,
        root_cap=5000,
        refine="REPLACE",
        parent_ratio=2,
        coarse_sh_degree=3,
        precision=2.0**-12,
        opacity_order=False,
        runs_only=False,
        sh_bits=None,
        per_array=False,
        position_tolerance=None,
        opacity_chunk=None,
        color_bits=8,
        scale_bits=8,
        rotation_tolerance=None,
        faint_bits=0,
    )
    assert before.root.splats > 3 * ts.root.splats
    assert decode_spz(before.root.content, max_splats=20_000, max_uncompressed=10**9).sh_degree == 1
    total = sum(len(t.content) for t in ts.tiles)
    assert total < 0.9 * sum(len(t.content) for t in before.tiles)


def test_tileset_json_and_determinism(capture: Callable[..., Gaussians]) -> None:
    g = capture(5000)
    doc = build_tiles(g, max_splats_per_tile=1000, root_cap=1000).to_json()
    assert doc == build_tiles(g, max_splats_per_tile=1000, root_cap=1000).to_json()
    assert doc["splats"] == 5000 and doc["asset"]["spzVersion"] == 3
    assert doc["geometricError"] == doc["root"]["geometricError"] > 0
    assert set(doc["root"]["content"]) == {"sha256", "size", "format"}
    assert len(doc["root"]["children"]) > 1
    json.dumps(doc)


@pytest.mark.parametrize("refine", ["ADD", "REPLACE"])
def test_coincident_splats_are_cut_into_leaves_of_the_cap(
    capture: Callable[..., Gaussians], refine: str
) -> None:
    g = capture(300)
    same = Gaussians(np.zeros_like(g.positions), g.scales, g.rotations, g.alphas, g.colors)
    _check(build_tiles(same, max_splats_per_tile=100, root_cap=100, refine=refine), 300, 100, 100)


def test_merging_one_splat_gives_it_back(capture: Callable[..., Gaussians]) -> None:
    g = capture(50, 2)
    merged = merge_clusters(g, np.arange(50), 50)
    np.testing.assert_allclose(merged.positions, g.positions, atol=1e-5)
    np.testing.assert_allclose(covariances(merged), covariances(g), atol=1e-6)
    np.testing.assert_allclose(merged.alphas, g.alphas, atol=1e-4)
    np.testing.assert_allclose(merged.sh, g.sh, atol=1e-6)


def test_merging_two_splats_spans_both(capture: Callable[..., Gaussians]) -> None:
    g = capture(2)
    one = Gaussians(
        positions=[[-1, 0, 0], [1, 0, 0]],
        scales=[[0.1, 0.1, 0.1]] * 2,
        rotations=g.rotations,
        alphas=[0.5, 0.5],
        colors=[[0, 0, 0], [1, 1, 1]],
    )
    merged = merge_clusters(one, np.zeros(2, dtype=np.intp), 1)
    np.testing.assert_allclose(merged.positions, [[0, 0, 0]], atol=1e-6)
    np.testing.assert_allclose(merged.colors, [[0.5, 0.5, 0.5]], atol=1e-6)
    np.testing.assert_allclose(np.sort(merged.scales[0]), [0.1, 0.1, np.sqrt(1.01)], atol=1e-5)


def test_bad_arguments_are_named(capture: Callable[..., Gaussians]) -> None:
    with pytest.raises(ValueError, match="`g` holds no splats"):
        build_tiles(capture(0))
    with pytest.raises(ValueError, match="`max_splats_per_tile`"):
        build_tiles(capture(10), max_splats_per_tile=0)
    with pytest.raises(ValueError, match="`refine`"):
        build_tiles(capture(10), refine="MERGE")
    with pytest.raises(ValueError, match="`parent_ratio`"):
        build_tiles(capture(10), parent_ratio=1)
    with pytest.raises(ValueError, match="`coarse_sh_degree`"):
        build_tiles(capture(10), coarse_sh_degree=4)
    with pytest.raises(ValueError, match="`precision`"):
        build_tiles(capture(10), precision=0)


def test_200k_capture_tiles_in_memory_proportional_to_its_size(
    capture: Callable[..., Gaussians],
) -> None:
    g = capture(200_000)
    source_bytes = sum(a.nbytes for a in (g.positions, g.scales, g.rotations, g.alphas, g.colors))
    tracemalloc.start()
    try:
        ts = build_tiles(g)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # measured ~450 B per splat (8× the 56 B arrays) with 64K-splat tiles; allow 15×
    assert peak < 15 * source_bytes
    _check(ts, 200_000, 65536, 65536)
