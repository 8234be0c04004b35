"""Print benchmark figures beside a baseline, and save them for the next comparison."""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """Return the median time of `repeat` runs of `action`, in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def median_ms(action: Callable[[], object], repeat: int) -> float:
    """Return the median time of `repeat` runs of `action`, in milliseconds."""
    return median_seconds(action, repeat) * 1000


def load_baseline(path: Path | None) -> dict[str, float]:
    """Return the figures saved in `path` (empty when no baseline was given)."""
    if path is None:
        return {}
    figures: dict[str, float] = json.loads(path.read_text())["figures"]
    return figures


def print_table(
    figures: dict[str, float], baseline: dict[str, float], units: dict[str, str]
) -> None:
    """Print each figure, its baseline and the ratio now/baseline."""
    print(f"{'figure':<34}{'now':>14}{'baseline':>14}{'ratio':>8}")
    for name, value in figures.items():
        unit = units.get(name, "")
        old = baseline.get(name)
        then = f"{old:>12.4f}{unit:>2}" if old is not None else f"{'-':>14}"
        ratio = f"{value / old:>8.2f}" if old else f"{'':>8}"
        print(f"{name:<34}{value:>12.4f}{unit:>2}{then}{ratio}")


def save(path: Path | None, figures: dict[str, float], **meta: Any) -> None:
    """Write `figures` (and what they were measured on) to `path`, if given."""
    if path is None:
        return
    body = {**meta, "figures": figures}
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")


def run_repeat_bench(
    measure: Callable[[int], dict[str, float]], doc: str, argv: list[str] | None = None
) -> int:
    """Parse --repeat/--save/--baseline, measure, print, and optionally save the figures."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    args = parser.parse_args(argv)
    figures = measure(args.repeat)
    print_table(figures, load_baseline(args.baseline), {})
    save(args.save, figures, repeat=args.repeat)
    return 0


def unused_port() -> int:
    """Return a loopback TCP port nothing listens on now (to serve on, or to find closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
