"""Time the trace, each check and the evidence report of one synthetic batch, now and before.

The batch is batch 0 of `bench.synthetic_chain` (the chain bench/bench_scale.py captures over
HTTP), built in memory without a database, so only the pure computations are timed. Each
size runs in a child process (bench/evidence_run.py) with the collector off, as the
evidence job runs, and reports its peak RSS. With ``--before REV`` (default: the last
commit of the object-based engine) the same child runs on an export of that commit too,
side by side in the same run, and the two reports' SHA-256 are compared. Run from the
repository root::

    .venv/bin/python -m bench.bench_evidence [--farms 10000,20000,40000] [--events-per-farm 10.7]
        [--before REV|none] [--before-farms 10000] [--repeat 1] [--stages]
        [--save FILE] [--baseline FILE]
    .venv/bin/python -m bench.bench_evidence --job [--farms 10000]

It prints seconds per stage and MB; with ``--baseline`` earlier figures (written by
``--save``) stand in for the previous implementation. With ``--job`` it measures the
evidence job's report and redaction path instead (bench/evidence_job_run.py), the dict path
it had as the baseline beside the streamed one, each in its own child, and compares both
reports' SHA-256. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import load_baseline, print_table, save
from bench.trees import child_figures, export

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "bench" / "evidence_run.py"
JOB_RUN = ROOT / "bench" / "evidence_job_run.py"
# The last commit before the evidence engine moved to columns and orjson (issue #13).
OBJECT_ENGINE = "9aa5c02"


def run(tree: Path, farms: int, events: int, repeat: int, stages: bool) -> dict[str, float]:
    """Return the child's figures for one size on the code in `tree`."""
    figures = child_figures(
        [sys.executable, str(RUN), str(farms), str(events), str(repeat), str(int(stages))], tree
    )
    print(f"  {tree.name}, {farms} farms: report sha256 {figures.pop('sha256')}")
    return {k: float(v) for k, v in figures.items()}


def job(farms: int, events: int) -> None:
    """Print the job path's figures, the dict one (before) beside the streamed one (now)."""
    figures = {}
    for mode in ("dict", "stream"):
        out = subprocess.run(
            [sys.executable, str(JOB_RUN), str(farms), str(events), mode],
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures[mode] = json.loads(out.strip().splitlines()[-1])
    hashes = [(f.pop("sha256"), f.pop("public_sha256")) for f in figures.values()]
    print(f"\n{farms} farms, evidence job path (before: dict, now: stream)")
    print(f"  full and public reports identical: {hashes[0] == hashes[1]}")
    now = {k: float(v) for k, v in figures["stream"].items()}
    units = {k: "MB" if k.endswith("_mb") else "s" for k in now}
    print_table(now, {k: float(v) for k, v in figures["dict"].items()}, units)


def main(argv: list[str] | None = None) -> int:
    """Measure each size now (and before), print side by side, optionally save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--farms", default="10000,20000,40000", help="comma-separated sizes")
    parser.add_argument("--events-per-farm", type=float, default=10.7)
    parser.add_argument("--before", default=OBJECT_ENGINE, help="a git revision, or none")
    parser.add_argument("--before-farms", default="10000", help="sizes to run before too")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--stages", action="store_true", help="time the trace and each check")
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    parser.add_argument("--job", action="store_true", help="the job's report+redaction path")
    args = parser.parse_args(argv)
    if args.job:
        for farms in (int(s) for s in args.farms.split(",")):
            job(farms, round(farms * args.events_per_farm))
        return 0
    sizes = [int(s) for s in args.farms.split(",")]
    before_sizes = (
        {int(s) for s in args.before_farms.split(",")} if args.before != "none" else set()
    )
    baseline = load_baseline(args.baseline)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="originxr-before-") as folder:
        old_tree = export(args.before, Path(folder), "server", "bench") if before_sizes else None
        for farms in sizes:
            events = round(farms * args.events_per_farm)
            now = run(ROOT, farms, events, args.repeat, args.stages)
            before = dict(baseline)
            if old_tree is not None and farms in before_sizes:
                before = run(old_tree, farms, events, args.repeat, args.stages)
            print(f"\n{farms} farms, {int(now['events'])} events (baseline: {args.before})")
            units = {k: "MB" if k.endswith("_mb") else "" if k == "events" else "s" for k in now}
            print_table(now, before, units)
            per = now["report+serialise"] / farms * 1000
            print(f"{'report+serialise per 1,000 farms':<34}{per:>12.4f} s")
            figures.update({f"{farms}.{k}": v for k, v in now.items()})
    save(args.save, figures, farms=args.farms, before=args.before, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
