"""Measure the evidence job's report and redaction path on one synthetic batch; print JSON.

Run by ``bench/bench_evidence.py --job`` in a child process per path, so each peak RSS is
its own: ``dict`` is the job as it was (the report built as a dict, serialised, redacted as
a dict and serialised again), ``stream`` the job now (`report_stream.report_pair`: both
reports written section by section, the public one redacted as it goes). The collector is
off, as in the job (server.services.gc_pause). The sites are the chain's, each farm named
other than its key as real farms are: the default policy never names farms, so redaction
scrubs names from every string, as it does for a real brand.
"""

from __future__ import annotations

import gc
import hashlib
import json
import resource
import sys
import time
from typing import Any


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(farms: int, events: int, mode: str) -> dict[str, float | str]:
    """Return peak RSS, seconds and both reports' SHA-256 of one job path."""
    from bench.synthetic_chain import ChainSize, batch_inputs
    from server.core.disclosure.policy import DEFAULT_POLICY
    from server.core.disclosure.redaction import SiteInfo, redact_report
    from server.core.disclosure.report_sections import PublicSections
    from server.core.evidence.report import build_report
    from server.core.evidence.report_json import canonical_json
    from server.core.evidence.report_stream import report_pair

    gc.disable()
    inputs = batch_inputs(ChainSize(farms, events, batches=1, big_batch_farms=farms))
    sites = [
        SiteInfo(s.id, s.kind, f"{s.name} Farm" if s.kind == "farm" else s.name)
        for s in inputs.sites
    ]
    gc.collect()
    figures: dict[str, float | str] = {"rss_inputs_mb": _rss_mb()}
    start, cpu = time.perf_counter(), time.process_time()
    full: Any
    public: Any
    if mode == "dict":
        report = build_report(inputs)
        full = canonical_json(report)
        public_dict = redact_report(report, DEFAULT_POLICY, sites, hashlib.sha256(full).hexdigest())
        public = canonical_json(public_dict)
    else:
        full, public = report_pair(inputs, PublicSections(DEFAULT_POLICY, sites))
    figures["job_report+redact"] = time.perf_counter() - start
    figures["job_report+redact_cpu"] = time.process_time() - cpu
    figures["rss_peak_mb"] = _rss_mb()
    figures["report_mb"] = len(full) / 1e6
    figures["public_mb"] = len(public) / 1e6
    figures["sha256"] = hashlib.sha256(full).hexdigest()
    figures["public_sha256"] = hashlib.sha256(public).hexdigest()
    return figures


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])))
