"""Measure one in-memory evidence build of the synthetic chain's batch 0; print JSON figures.

Run by bench/bench_evidence.py as a script with PYTHONPATH set to the tree under test (this
repository, or an export of an earlier commit), so that the same measurement runs the
current and the previous implementation side by side. It uses only what both offer:
`bench.synthetic_chain.batch_inputs`, `build_trace`, `CHECKS`, `build_report` and the
build runner's `json_output` (the bytes a build publishes); where the tree has
`report_stream.report_bytes` (the report written section by section, never held as one
dict), that is timed as report + serialisation instead.
"""

from __future__ import annotations

import gc
import hashlib
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any


def _seconds(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(repeat):
        result = None  # the previous result is freed before the next run, as in a job
        start = time.perf_counter()
        result = action()
        samples.append(time.perf_counter() - start)
    return sorted(samples)[len(samples) // 2], result


def _report_bytes() -> Callable[[Any], bytes] | None:
    """Return the streaming report writer of the tree under test, if it has one."""
    try:
        from server.core.evidence.report_stream import report_bytes
    except ImportError:  # an earlier tree: its report is a dict, serialised afterwards
        return None
    return report_bytes


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(farms: int, events: int, repeat: int, stages: bool) -> dict[str, float | str]:
    """Return the figures of one build of a `farms`-farm batch of about `events` events."""
    from bench.synthetic_chain import ChainSize, batch_inputs
    from server.core.evidence.report import CHECKS, build_report
    from server.core.evidence.trace import build_trace
    from server.services.build_runner import json_output

    gc.disable()  # as the evidence job runs (server.services.gc_pause)
    start = time.perf_counter()
    inputs = batch_inputs(ChainSize(farms, events, batches=1, big_batch_farms=farms))
    figures: dict[str, float | str] = {
        "build_inputs": time.perf_counter() - start,
        "events": float(len(inputs.events)),
    }
    gc.collect()
    figures["rss_inputs_mb"] = _rss_mb()
    if stages:
        figures["trace"], trace = _seconds(lambda: build_trace(inputs), repeat)
        for key, check in CHECKS:
            getattr(inputs, "memo", {}).clear()
            figures[f"check.{key}"] = _seconds(lambda c=check: c(inputs, trace), repeat)[0]
        del trace

    def report_inputs() -> Any:
        # What one check measured for the others (plot shapes) is not kept between runs.
        getattr(inputs, "memo", {}).clear()
        return inputs

    def report_once() -> Any:
        return build_report(report_inputs())

    cpu = time.process_time()
    stream = _report_bytes()
    if stream is not None:  # the report's bytes written section by section
        figures["report+serialise"], data = _seconds(lambda: stream(report_inputs()), repeat)
    else:
        figures["report"], report = _seconds(report_once, repeat)
        figures["serialise"], data = _seconds(lambda: json_output("r", report).data, repeat)
        figures["report+serialise"] = float(figures["report"]) + float(figures["serialise"])
        del report
    # CPU seconds of one report and its serialisation: on a shared machine, steadier.
    figures["report+serialise_cpu"] = (time.process_time() - cpu) / repeat
    figures["rss_peak_mb"] = _rss_mb()
    figures["report_mb"] = len(data) / 1e6
    figures["sha256"] = hashlib.sha256(data).hexdigest()
    return figures


if __name__ == "__main__":
    farms, events, repeat, stages = (int(a) for a in sys.argv[1:5])
    print(json.dumps(main(farms, events, repeat, bool(stages))))
