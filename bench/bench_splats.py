"""Measure splat tiling: throughput, peak memory and bytes per splat of the tiles.

Run from the repository root::

    .venv/bin/python -m bench.bench_splats [--splats 1000000] [--sh-degree 3] [--repeat 1]
        [--level 6] [--save FILE] [--baseline FILE] [--splat-transform PATH]

On a synthetic capture (half a noisy ground plane, half blobs, every attribute drawn at
random) it times `build_tiles` (median of `--repeat` runs), measures its peak traced memory
in a separate run, and compares the bytes per splat of the tiles (all levels, and leaves
only) with the tiler before issue #11 (`build_tiles(g, **BEFORE)`, same run, same input),
with the source PLY and with one SPZ v3 file of the whole capture; it splits the leaves'
bytes by SPZ array (each deflated alone), which shows where the bytes go. With PlayCanvas's
splat-transform CLI (`npm install --no-save @playcanvas/splat-transform`; found in
node_modules/.bin, or `--splat-transform PATH`) it also writes its SPZ and SOG files of the
same PLY and prints their bytes per splat (its SPZ is version 4, which Spark does not read).
It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import load_baseline, print_table, save
from server.core.splats.gaussians import SH_COEFFICIENTS, Gaussians
from server.core.splats.ply import write_ply
from server.core.splats.spz import _pack_rotations, _quantise_sh, _u8, encode_spz
from server.core.splats.tiling import Tileset, build_tiles

ROOT = Path(__file__).resolve().parents[1]
BEFORE = {"parent_ratio": 2, "coarse_sh_degree": 3, "precision": 2.0**-12, "opacity_order": False}


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


def _fields(tileset: Tileset, n: int) -> dict[str, float]:
    """Return the leaves' bytes per splat by SPZ array, each array deflated on its own (Z_RLE)."""
    from server.core.splats.spz import decode_spz

    sums = dict.fromkeys(("positions", "alphas", "colors", "scales", "rotations", "sh"), 0)
    for tile in tileset.tiles:
        if tile.children:
            continue
        g = decode_spz(tile.content, max_splats=n, max_uncompressed=1 << 34)
        bits = zlib.decompress(tile.content, 31)[13]  # the header's fractional bits
        fixed = np.round(g.positions.astype(np.float64) * (1 << bits)).astype("<i4")
        arrays = {
            "positions": fixed.view(np.uint8).reshape(-1, 3, 4)[:, :, :3].tobytes(),
            "alphas": _u8(g.alphas * 255.0).tobytes(),
            "colors": _u8(g.colors * (0.15 * 255.0) + 127.5).tobytes(),
            "scales": _u8((np.log(g.scales) + 10.0) * 16.0).tobytes(),
            "rotations": _pack_rotations(g.rotations).tobytes(),
            "sh": b"" if g.sh is None else _quantise_sh(g.sh).tobytes(),
        }
        for name, raw in arrays.items():
            if raw:  # deflated as the tiler does: runs only
                packer = zlib.compressobj(6, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
                sums[name] += len(packer.compress(raw) + packer.flush())
    return {f"leaf_{name}_bytes_per_splat": total / n for name, total in sums.items()}


def _splat_transform(tool: Path | None, ply: bytes, n: int) -> dict[str, float]:
    """Return splat-transform's SPZ and SOG bytes per splat of `ply` (empty without it)."""
    if tool is None:
        print("splat-transform not found: its figures are left out (see the docstring)")
        return {}
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "in.ply")
        source.write_bytes(ply)
        for suffix, extra in ((".spz", []), (".sog", ["-g", "cpu"])):
            target = Path(tmp, "out" + suffix)
            start = time.perf_counter()
            subprocess.run(
                [str(tool), "-q", "-w", *extra, str(source), str(target)],
                check=True,
                capture_output=True,
                timeout=1800,
            )
            out[f"splat_transform{suffix.replace('.', '_')}_bytes_per_splat"] = (
                target.stat().st_size / n
            )
            out[f"splat_transform{suffix.replace('.', '_')}_s"] = time.perf_counter() - start
    return out


def measure(
    n: int, sh_degree: int, repeat: int, level: int = 6, tool: Path | None = None
) -> dict[str, float]:
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
    start = time.perf_counter()
    before = build_tiles(g, level=level, **BEFORE)  # type: ignore[arg-type]
    before_s = time.perf_counter() - start
    tiles = tileset.tiles
    leaves = [t for t in tiles if not t.children]
    start = time.perf_counter()
    single = len(encode_spz(g, level=level))
    encode_s = time.perf_counter() - start
    single_sh0 = len(encode_spz(Gaussians(*(getattr(g, f) for f in FIELDS_SH0)), level=level))
    seconds = statistics.median(times)
    ply = write_ply(g)
    return {
        "splats": float(n),
        "tiling_s": seconds,
        "tiling_before_s": before_s,
        "tiling_splats_per_s": n / seconds,
        "tiling_peak_mb": peak / 1e6,
        "tiling_peak_bytes_per_splat": peak / n,
        "tiles": float(len(tiles)),
        "levels": float(max(t.level for t in tiles) + 1),
        "root_splats": float(tileset.root.splats),
        "root_splats_before": float(before.root.splats),
        "tiles_bytes_per_splat": sum(len(t.content) for t in tiles) / n,
        "tiles_bytes_per_splat_before": sum(len(t.content) for t in before.tiles) / n,
        "leaf_tiles_bytes_per_splat": sum(len(t.content) for t in leaves) / n,
        "root_tile_kb": len(tileset.root.content) / 1e3,
        "root_tile_kb_before": len(before.root.content) / 1e3,
        **_fields(tileset, n),
        "single_spz_bytes_per_splat": single / n,
        "single_spz_sh0_bytes_per_splat": single_sh0 / n,
        "single_spz_encode_s": encode_s,
        "ply_bytes_per_splat": len(ply) / n,
        **_splat_transform(tool, ply, n),
    }


FIELDS_SH0 = ("positions", "scales", "rotations", "alphas", "colors")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally save) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splats", type=int, default=1_000_000)
    parser.add_argument("--sh-degree", type=int, default=3, choices=[0, 1, 2, 3])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--level", type=int, default=6, help="gzip level of the SPZ files")
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    parser.add_argument("--splat-transform", type=Path, help="PlayCanvas splat-transform CLI")
    args = parser.parse_args(argv)
    tool = args.splat_transform
    if tool is None:
        found = ROOT / "node_modules" / ".bin" / "splat-transform"
        tool = found if found.exists() else shutil.which("splat-transform")
    figures = measure(
        args.splats, args.sh_degree, args.repeat, args.level, Path(tool) if tool else None
    )
    units = {name: "s" for name in figures if name.endswith("_s") and "per_s" not in name} | {
        "tiling_peak_mb": "MB"
    }
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
