"""Measure splat tiling: throughput, peak memory and bytes per splat of the tiles.

Run from the repository root::

    .venv/bin/python -m bench.bench_splats [--splats 1000000] [--sh-degree 3] [--repeat 1]
        [--level 6] [--save FILE] [--baseline FILE] [--splat-transform PATH]
        [--formats spz,sog|none] [--captures uniform,realistic]

On two synthetic captures of the same size (`bench/splat_captures.py`: "uniform", every
attribute uniform noise, a worst case; "realistic", splats on surfaces with spatially
correlated colours and sizes, small SH1, opacities near 1 — its docstring gives the
distributions and why) it times `build_tiles` (median of `--repeat` runs), measures its
peak traced memory in a separate run, and compares the bytes per splat of all the tiles
with, in the same run and on the same input: the tiler before issue #11
(`build_tiles(g, **BEFORE)`), the replacing tiler that followed it (`**REPLACING`), one
tile holding everything with the tiles' own quantisation (what cutting into tiles costs),
one SPZ v3 file of our encoder at the reference quantisation, and the source PLY. It splits
the tiles' bytes by SPZ array (each deflated alone) and by level, which shows where the
bytes go, beside the tiler of issue #11's item 5 (`**PREVIOUS`); and it prints what the
rounding costs (`_quality`: each stored splat against its input splat). With
PlayCanvas's splat-transform CLI (`npm install --no-save @playcanvas/splat-transform`;
found in node_modules/.bin, or `--splat-transform PATH`) it also writes its SPZ and SOG
files of the same PLY and prints their bytes per splat (its SPZ is version 4, which Spark
does not read; SOG takes minutes: `--formats spz` leaves it out). It ends with a table of
bytes per splat, one column per capture. It asserts nothing about time.
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
from bench.splat_captures import CAPTURES
from server.core.splats.gaussians import SH_COEFFICIENTS, Gaussians
from server.core.splats.ply import write_ply
from server.core.splats.spz import DEFLATE_STRATEGIES, decode_spz, encode_spz
from server.core.splats.tiling import Tileset, build_tiles

ROOT = Path(__file__).resolve().parents[1]
# the tiler before issue #11's item 6 (additive, opacity order, SH 4 bits, per-array deflate)
PREVIOUS = {
    "opacity_chunk": None,
    "sh_bits": 4,
    "color_bits": 8,
    "scale_bits": 8,
    "rotation_tolerance": None,
    "faint_bits": 0,
}
# the tiler before issue #11, and the tiler before additive refinement (README's "now" then)
BEFORE = {
    **PREVIOUS,
    "refine": "REPLACE",
    "parent_ratio": 2,
    "coarse_sh_degree": 3,
    "precision": 2.0**-12,
    "opacity_order": False,
    "runs_only": False,
    "sh_bits": None,
    "per_array": False,
    "position_tolerance": None,
}
REPLACING = {
    **PREVIOUS,
    "refine": "REPLACE",
    "opacity_order": True,
    "runs_only": True,
    "sh_bits": None,
    "per_array": False,
    "position_tolerance": None,
}
SH_C0, SH_C1 = 0.28209479, 0.48860251  # real SH basis constants of degree 0 and 1
ARRAYS = (("positions", 9), ("alphas", 1), ("colors", 3), ("scales", 3), ("rotations", 4))


def _fields(tileset: Tileset, n: int, level: int) -> dict[str, float]:
    """Return the tiles' bytes per splat by SPZ array, each deflated alone as `per_array` does."""
    sums = dict.fromkeys([*(name for name, _ in ARRAYS), "sh"], 0)
    for tile in tileset.tiles:
        raw = zlib.decompress(tile.content, 31)
        degree, m, at = raw[12], tile.splats, 16
        widths = [*ARRAYS, ("sh", 3 * SH_COEFFICIENTS[degree])]
        for (name, width), strategy in zip(widths, DEFLATE_STRATEGIES[1:], strict=True):
            part = raw[at : at + m * width]
            at += m * width
            if part:
                packer = zlib.compressobj(level, zlib.DEFLATED, -15, 8, strategy)
                sums[name] += len(packer.compress(part) + packer.flush())
    return {f"{name}_bytes_per_splat": total / n for name, total in sums.items()}


def _quality(tileset: Tileset, g: Gaussians) -> dict[str, float]:
    """Return what the tiles' rounding costs, each splat compared with its input splat.

    Position error per axis in its splat's largest scale and in its tile's octree cell's
    edge (the capture's box halved once per level); colour
    error in 8-bit display steps (DC × C0 plus the SH1 term in its worst view direction),
    alone and times the splat's opacity (what shows in the image); scale error in percent;
    rotation error in degrees and as the move of the 1σ outline in the largest scale.
    """
    worst: dict[str, float] = {}
    pos_sum = colour_sq = 0.0
    count = 0
    cell = float((tileset.root.bounds[1] - tileset.root.bounds[0]).max())
    for tile in tileset.tiles:
        if tile.source is None:
            continue
        back = decode_spz(tile.content, len(g), 1 << 40)
        want = g.take(tile.source)
        size = want.scales.astype(np.float64).max(axis=1)
        moved = np.abs(back.positions.astype(np.float64) - want.positions).max(axis=1)
        edge = cell / 2**tile.level  # the edge of the tile's octree cell
        colour = np.abs(back.colors - want.colors) * SH_C0
        if want.sh is not None and back.sh is not None:
            colour += SH_C1 * np.linalg.norm(back.sh - want.sh[:, : back.sh.shape[1]], axis=1)
        colour = colour.max(axis=1) * 255
        seen = colour * want.alphas
        log_scale = np.abs(np.log(back.scales / want.scales)).max(axis=1)
        dot = np.minimum(np.abs(np.sum(back.rotations * want.rotations, axis=1)), 1.0)
        angle = 2 * np.arccos(dot)
        s = want.scales.astype(np.float64)
        outline = angle * (1 - s.min(axis=1) / np.maximum(size, 1e-30))
        for key, value in (
            ("position_err_in_scale_max", float((moved / size).max())),
            ("position_err_in_tile_max", float(moved.max() / edge)),
            ("colour_err_8bit_max", float(colour.max())),
            ("colour_err_seen_8bit_max", float(seen.max())),
            ("scale_err_pct_max", float(np.expm1(log_scale.max()) * 100)),
            ("rotation_err_deg_max", float(np.degrees(angle.max()))),
            ("rotation_outline_err_max", float(outline.max())),
            ("alpha_err_8bit_max", float(np.abs(back.alphas - want.alphas).max() * 255)),
        ):
            worst[key] = max(worst.get(key, 0.0), value)
        pos_sum += float((moved / size).sum())
        colour_sq += float((colour**2).sum())
        count += len(want)
    worst["position_err_in_scale_mean"] = pos_sum / count
    worst["colour_err_8bit_rms"] = (colour_sq / count) ** 0.5
    return worst


def _levels(tileset: Tileset, n: int) -> dict[str, float]:
    """Return the tiles' bytes per input splat and their splats, level by level."""
    out: dict[str, float] = {}
    for tile in tileset.tiles:
        key = f"level{tile.level}"
        out[f"{key}_bytes_per_splat"] = out.get(f"{key}_bytes_per_splat", 0) + len(tile.content) / n
        out[f"{key}_splats"] = out.get(f"{key}_splats", 0) + tile.splats
    return out


def _splat_transform(
    tool: Path | None, ply: bytes, n: int, formats: tuple[str, ...]
) -> dict[str, float]:
    """Return splat-transform's bytes per splat of `ply` in `formats` (empty without it)."""
    if tool is None:
        print("splat-transform not found: its figures are left out (see the docstring)")
        return {}
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "in.ply")
        source.write_bytes(ply)
        for fmt in formats:
            target = Path(tmp, "out." + fmt)
            extra = ["-g", "cpu"] if fmt == "sog" else []
            start = time.perf_counter()
            subprocess.run(
                [str(tool), "-q", "-w", *extra, str(source), str(target)],
                check=True,
                capture_output=True,
                timeout=3600,
            )
            out[f"splat_transform_{fmt}_bytes_per_splat"] = target.stat().st_size / n
            out[f"splat_transform_{fmt}_s"] = time.perf_counter() - start
    return out


def _per_splat(tileset: Tileset, n: int) -> float:
    return sum(len(t.content) for t in tileset.tiles) / n


def measure_capture(
    g: Gaussians, repeat: int, level: int, tool: Path | None, formats: tuple[str, ...]
) -> dict[str, float]:
    """Return the tiling figures of capture `g`: now, the two earlier tilers, one file."""
    n = len(g)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        tileset = build_tiles(g, level=level, keep_source=True)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    build_tiles(g, level=level)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    start = time.perf_counter()
    before = build_tiles(g, level=level, **BEFORE)  # type: ignore[arg-type]
    before_s = time.perf_counter() - start
    replacing = build_tiles(g, level=level, **REPLACING)  # type: ignore[arg-type]
    previous = build_tiles(g, level=level, keep_source=True, **PREVIOUS)  # type: ignore[arg-type]
    # the tiles' own quantisation in one tile: what splitting into tiles costs
    one_tile = build_tiles(g, max_splats_per_tile=n, root_cap=n, level=level)
    start = time.perf_counter()
    single = len(encode_spz(g, level=level))
    encode_s = time.perf_counter() - start
    single_sh0 = len(encode_spz(Gaussians(*(getattr(g, f) for f in FIELDS_SH0)), level=level))
    seconds = statistics.median(times)
    ply = write_ply(g)
    return {
        "tiling_s": seconds,
        "tiling_before_s": before_s,
        "tiling_splats_per_s": n / seconds,
        "tiling_peak_mb": peak / 1e6,
        "tiles": float(len(tileset.tiles)),
        "levels": float(max(t.level for t in tileset.tiles) + 1),
        "root_splats": float(tileset.root.splats),
        "root_splats_before": float(before.root.splats),
        "root_tile_kb": len(tileset.root.content) / 1e3,
        "root_tile_kb_before": len(before.root.content) / 1e3,
        "root_tile_kb_replacing": len(replacing.root.content) / 1e3,
        "tiles_bytes_per_splat_before": _per_splat(before, n),
        "tiles_bytes_per_splat_replacing": _per_splat(replacing, n),
        "tiles_bytes_per_splat_previous": _per_splat(previous, n),
        "tiles_bytes_per_splat": _per_splat(tileset, n),
        **_fields(tileset, n, level),
        **{f"previous_{k}": v for k, v in _fields(previous, n, level).items()},
        **_levels(tileset, n),
        **{f"previous_{k}": v for k, v in _levels(previous, n).items()},
        **_quality(tileset, g),
        **{f"previous_{k}": v for k, v in _quality(previous, g).items()},
        "one_tile_bytes_per_splat": _per_splat(one_tile, n),
        "single_spz_bytes_per_splat": single / n,
        "single_spz_sh0_bytes_per_splat": single_sh0 / n,
        "single_spz_encode_s": encode_s,
        "ply_bytes_per_splat": len(ply) / n,
        **_splat_transform(tool, ply, n, formats),
    }


def measure(
    n: int,
    sh_degree: int,
    repeat: int,
    level: int = 6,
    tool: Path | None = None,
    formats: tuple[str, ...] = ("spz", "sog"),
    captures: tuple[str, ...] = tuple(CAPTURES),
) -> dict[str, float]:
    """Return the figures for each synthetic capture of `n` splats, prefixed by its name."""
    figures = {"splats": float(n)}
    for name in captures:
        g = CAPTURES[name](n, sh_degree)
        for key, value in measure_capture(g, repeat, level, tool, formats).items():
            figures[f"{name}_{key}"] = value
    return figures


SUMMARY = (
    ("tiles, all levels, before #11", "tiles_bytes_per_splat_before"),
    ("tiles, all levels, replacing", "tiles_bytes_per_splat_replacing"),
    ("tiles, all levels, item 5 (ADD)", "tiles_bytes_per_splat_previous"),
    ("tiles, all levels, now (ADD)", "tiles_bytes_per_splat"),
    ("one tile, same quantisation", "one_tile_bytes_per_splat"),
    ("one SPZ v3 file, our encoder", "single_spz_bytes_per_splat"),
    ("splat-transform SPZ (v4)", "splat_transform_spz_bytes_per_splat"),
    ("splat-transform SOG", "splat_transform_sog_bytes_per_splat"),
)


QUALITY = (
    ("position err / splat scale, max", "position_err_in_scale_max"),
    ("position err / splat scale, mean", "position_err_in_scale_mean"),
    ("position err / tile edge, max", "position_err_in_tile_max"),
    ("colour err, 8-bit steps, max", "colour_err_8bit_max"),
    ("colour err, 8-bit steps, rms", "colour_err_8bit_rms"),
    ("colour err x opacity, max", "colour_err_seen_8bit_max"),
    ("scale err %, max", "scale_err_pct_max"),
    ("rotation err degrees, max", "rotation_err_deg_max"),
    ("rotation outline err / scale", "rotation_outline_err_max"),
    ("opacity err, 8-bit steps, max", "alpha_err_8bit_max"),
)


def print_summary(figures: dict[str, float], captures: tuple[str, ...]) -> None:
    """Print bytes per splat side by side: one row per writer, one column per capture;
    then by level, and what the rounding costs, item 5's tiler beside now's."""
    print(f"\n{'B/splat':<32}" + "".join(f"{name:>12}" for name in captures))
    for label, key in SUMMARY:
        cells = [figures.get(f"{name}_{key}") for name in captures]
        print(f"{label:<32}" + "".join(f"{c:>12.2f}" if c else f"{'-':>12}" for c in cells))
    heads = "".join(f"{name + ' ' + when:>22}" for name in captures for when in ("item 5", "now"))
    levels = int(max(figures.get(f"{name}_levels", 0) for name in captures))
    rows = [(f"level {i}, B per input splat", f"level{i}_bytes_per_splat") for i in range(levels)]
    for title, table in (("by level", rows), ("quality", QUALITY)):
        print(f"\n{title:<32}" + heads)
        for label, key in table:
            cells = [
                figures.get(f"{name}_{prefix}{key}")
                for name in captures
                for prefix in ("previous_", "")
            ]
            text = "".join(f"{'-':>22}" if c is None else f"{c:>22.3f}" for c in cells)
            print(f"{label:<32}" + text)


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
    parser.add_argument(
        "--formats", default="spz,sog", help="splat-transform's formats to write (or 'none')"
    )
    parser.add_argument(
        "--captures", default=",".join(CAPTURES), help="synthetic captures, comma-separated"
    )
    args = parser.parse_args(argv)
    formats = tuple(f for f in args.formats.split(",") if f and f != "none")
    captures = tuple(args.captures.split(","))
    tool = args.splat_transform
    if tool is None:
        found = ROOT / "node_modules" / ".bin" / "splat-transform"
        tool = found if found.exists() else shutil.which("splat-transform")
    figures = measure(
        args.splats,
        args.sh_degree,
        args.repeat,
        args.level,
        Path(tool) if tool else None,
        formats,
        captures,
    )
    units = {name: "s" for name in figures if name.endswith("_s") and "per_s" not in name} | {
        "tiling_peak_mb": "MB"
    }
    print_table(figures, load_baseline(args.baseline), units)
    print_summary(figures, captures)
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
