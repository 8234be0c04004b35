"""Time the GS1 event hash over the demo brand pack's EPCIS events.

Run from the repository root::

    .venv/bin/python -m bench.bench_event_hash [--repeat 5] [--save FILE] [--baseline FILE]

It prints the median microseconds per event of the pre-hash string and of the whole hash
(the cost capture adds per event), and events per second, three ways in the same run: with
the caches of canonical forms emptied before every event (what the hash cost before they
existed), emptied before every run (a first document) and warm. It asserts nothing about
time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import load_baseline, print_table, save
from server.core.epcis import event_hash as hashing
from server.core.epcis import hash_forms
from server.core.epcis.event_hash import DocumentContext, event_hash, pre_hash_string

ROOT = Path(__file__).resolve().parents[1]


def demo_events() -> list[tuple[dict[str, Any], Any]]:
    """Return every (event, document context) pair of the demo pack's event files."""
    pairs = []
    for path in sorted((ROOT / "brands" / "nkabom" / "events").glob("*.jsonld")):
        document = json.loads(path.read_text(encoding="utf-8"))
        context = document.get("@context")
        pairs.extend((event, context) for event in document["epcisBody"]["eventList"])
    return pairs


def _clear_caches() -> None:
    for cached in (
        hash_forms.canonical_uri,
        hashing._value_uri,
        hashing._utc_millis,
        hashing._number,
        hashing._extension_text,
    ):
        cached.cache_clear()


def _median_us(
    pairs: list[tuple[dict[str, Any], Any]], repeat: int, hashing_too: bool, caches: str
) -> float:
    step = event_hash if hashing_too else pre_hash_string
    runs = []
    for _ in range(repeat):
        if caches != "warm":
            _clear_caches()
        start = time.perf_counter()
        for event, context in pairs:
            if caches == "none":
                _clear_caches()
            step(event, context)
        runs.append((time.perf_counter() - start) / len(pairs) * 1e6)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    pairs = demo_events()
    # A document's context read once, as capture does (`DocumentContext`).
    read_once = {id(c): DocumentContext(c) for _, c in pairs}
    pairs = [(event, read_once[id(context)]) for event, context in pairs]
    _median_us(pairs, 1, True, "warm")  # imports and first calls out of the way
    figures: dict[str, float] = {}
    for caches, label in (("none", "no caches"), ("cold", "cold caches"), ("warm", "warm")):
        per_event = _median_us(pairs, args.repeat, True, caches)
        figures[f"pre-hash string per event, {label}"] = _median_us(
            pairs, args.repeat, False, caches
        )
        figures[f"event hash per event, {label}"] = per_event
        figures[f"events hashed per second, {label}"] = 1e6 / per_event
    print(f"{len(pairs)} events of the demo pack, median of {args.repeat} runs")
    print_table(
        figures,
        load_baseline(args.baseline),
        {name: ("/s" if "per second" in name else "us") for name in figures},
    )
    save(args.save, figures, events=len(pairs), repeat=args.repeat)


if __name__ == "__main__":
    main()
