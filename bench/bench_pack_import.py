"""Peak memory and time of a brand-pack import (the synthetic chain's master data), now and before.

Writes the synthetic chain's pack (`bench.synthetic_chain.write_pack`: sites, two plots and
four evidence records per farm, no events) and imports it into a fresh SQLite database in
a child process (bench/pack_import_run.py), on this tree and, with ``--before REV``, on an
export of an earlier commit, side by side in the same run. Run from the repository root::

    .venv/bin/python -m bench.bench_pack_import [--farms 100000] [--before REV|none]
        [--redis redis://127.0.0.1:6379/4]

It prints seconds and MB; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_evidence import OBJECT_ENGINE, ROOT
from bench.figures import print_table
from bench.synthetic_chain import ChainSize, write_pack
from bench.trees import child_figures, export

RUN = ROOT / "bench" / "pack_import_run.py"


def run(tree: Path, pack: Path, folder: Path, redis_url: str) -> dict[str, float]:
    """Return the child's figures for importing `pack` with the code in `tree`."""
    folder.mkdir()
    return child_figures([sys.executable, str(RUN), str(pack), str(folder), redis_url], tree)


def main(argv: list[str] | None = None) -> int:
    """Write the pack, import it now and before, print side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--farms", type=int, default=100_000)
    parser.add_argument("--before", default=OBJECT_ENGINE, help="a git revision, or none")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="originxr-pack-") as tmp:
        work = Path(tmp)
        size = ChainSize(args.farms, args.farms * 11, batches=1, big_batch_farms=args.farms)
        pack = write_pack(work / "pack", size)
        mb = sum(p.stat().st_size for p in pack.rglob("*") if p.is_file()) / 1e6
        print(f"pack of {args.farms} farms: {mb:.1f} MB of JSON")
        now = run(ROOT, pack, work / "now", args.redis)
        before: dict[str, float] = {}
        if args.before != "none":
            tree = export(args.before, work / "before-tree", "server", "bench")
            before = run(tree, pack, work / "before", args.redis)
        units = {k: "MB" if k.endswith("_mb") else "s" for k in now}
        print_table(now, before, units)
    return 0


if __name__ == "__main__":
    sys.exit(main())
