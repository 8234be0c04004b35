"""Measure splat tiling: throughput, peak memory and bytes per splat of the tiles.

Run from the repository root::

    .venv/bin/python -m bench.bench_splats [--splats 1000000] [--sh-degree 3] [--repeat 1]
        [--level 6] [--save FILE] [--baseline FILE]

On a synthetic capture (half a noisy ground plane, half blobs) it times `build_tiles`
(median of `--repeat` runs), measures its peak traced memory in a separate run, and
compares the bytes per splat of the tiles (all levels, and leaves only) with the source
PLY and with one SPZ v3 file of the whole capture. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import load_baseline, print_table, save
from server.core.splats.gaussians import SH_COEFFICIENTS, Gaussians
from server.core.splats.ply import write_ply
from server.core.splats.spz import encode_spz
from server.core.splats.tiling import build_tiles


def synthetic_capture(n: int, sh_degree: int, seed: int = 0) -> Gaussians:
    """Return `n` splats: a 40 m ground plane and blobs standing on it."""
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


def measure(n: int, sh_degree: int, repeat: int, level: int = 6) -> dict[str, float]:
    """Return the tiling figures for a synthetic capture of `n` splats."""
    g = synthetic_capture(n, sh_degree)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        tileset = build_tiles(g, level=level)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    build_tiles(g, level=level)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tiles = tileset.tiles
    leaves = [t for t in tiles if not t.children]
    start = time.perf_counter()
    single = len(encode_spz(g, level=level))
    encode_s = time.perf_counter() - start
    seconds = statistics.median(times)
    return {
        "splats": float(n),
        "tiling_s": seconds,
        "tiling_splats_per_s": n / seconds,
        "tiling_peak_mb": peak / 1e6,
        "tiling_peak_bytes_per_splat": peak / n,
        "tiles": float(len(tiles)),
        "levels": float(max(t.level for t in tiles) + 1),
        "root_splats": float(tileset.root.splats),
        "tiles_bytes_per_splat": sum(len(t.content) for t in tiles) / n,
        "leaf_tiles_bytes_per_splat": sum(len(t.content) for t in leaves) / n,
        "root_tile_kb": len(tileset.root.content) / 1e3,
        "single_spz_bytes_per_splat": single / n,
        "single_spz_encode_s": encode_s,
        "ply_bytes_per_splat": len(write_ply(g)) / n,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally save) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splats", type=int, default=1_000_000)
    parser.add_argument("--sh-degree", type=int, default=3, choices=[0, 1, 2, 3])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--level", type=int, default=6, help="gzip level of the SPZ files")
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    args = parser.parse_args(argv)
    figures = measure(args.splats, args.sh_degree, args.repeat, args.level)
    units = {"tiling_s": "s", "single_spz_encode_s": "s", "tiling_peak_mb": "MB"}
    print_table(figures, load_baseline(args.baseline), units)
    save(
        args.save,
        figures,
        splats=args.splats,
        sh_degree=args.sh_degree,
        repeat=args.repeat,
        level=args.level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
