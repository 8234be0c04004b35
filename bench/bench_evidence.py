"""Time the trace graph, each check and the evidence report of one synthetic batch, in memory.

The batch is batch 0 of `bench.synthetic_chain` (the chain bench/bench_scale.py captures over
HTTP), built in memory without a database, so only the pure computations are timed. Run
from the repository root::

    .venv/bin/python -m bench.bench_evidence [--farms 500] [--events 21400] [--repeat 5]
        [--save FILE] [--baseline FILE]

It prints the median seconds of each stage; with ``--baseline`` it prints earlier figures
(written by ``--save``) side by side. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import load_baseline, median_seconds, print_table, save
from bench.synthetic_chain import ChainSize, batch_inputs
from server.core.evidence.report import CHECKS, build_report
from server.core.evidence.trace import build_trace


def measure(farms: int, events: int, repeat: int) -> dict[str, float]:
    """Return median seconds per stage for a synthetic batch of `farms` farms."""
    start = time.perf_counter()
    inputs = batch_inputs(ChainSize(farms, events, batches=1, big_batch_farms=farms))
    figures = {"build_inputs": time.perf_counter() - start, "events": float(len(inputs.events))}
    figures["trace"] = median_seconds(lambda: build_trace(inputs), repeat)
    trace = build_trace(inputs)
    for key, check in CHECKS:
        figures[f"check.{key}"] = median_seconds(partial(check, inputs, trace), repeat)
    figures["report"] = median_seconds(lambda: build_report(inputs), repeat)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally save or compare figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--farms", type=int, default=500)
    parser.add_argument("--events", type=int, default=21_400, help="about; the batch's events")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    args = parser.parse_args(argv)
    figures = measure(args.farms, args.events, args.repeat)
    units = {name: "" if name == "events" else "s" for name in figures}
    print_table(figures, load_baseline(args.baseline), units)
    save(args.save, figures, farms=args.farms, events=args.events, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
