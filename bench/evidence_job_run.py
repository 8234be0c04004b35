"""Measure the evidence job's report and redaction path on one synthetic batch; print JSON.

Run by ``bench/bench_evidence.py --job`` in a child process per path, so each peak RSS is
its own: ``dict`` is the job as it was (the report built as a dict, serialised, redacted as
a dict and serialised again), ``stream`` the job now (`report_stream.report_files`: both
reports written section by section into temporary files, the public one redacted as it
goes; the inputs let go of; each file streamed into a local blob store and read back to be
signed, as `server.services.build_runner` publishes them). The collector is off while the
reports are written, as in the job (server.services.gc_pause). The sites are the chain's,
each farm named other than its key as real farms are: the default policy never names
farms, so redaction scrubs names from every string, as it does for a real brand.
"""

from __future__ import annotations

import gc
import hashlib
import json
import resource
import sys
import tempfile
import time
from typing import Any


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(farms: int, events: int, mode: str) -> dict[str, float | str]:
    """Return peak RSS, seconds and both reports' SHA-256 of one job path."""
    from bench.synthetic_chain import ChainSize, batch_inputs
    from server.core.disclosure.policy import DEFAULT_POLICY
    from server.core.disclosure.redaction import SiteInfo, redact_report
    from server.core.evidence.report import build_report
    from server.core.evidence.report_json import canonical_json

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
    if mode != "dict":
        held = [inputs]  # the job holds the inputs once: let _files drop the last reference
        del inputs
        return _files(held, sites, figures, start, cpu)
    report = build_report(inputs)
    full = canonical_json(report)
    public_dict = redact_report(report, DEFAULT_POLICY, sites, hashlib.sha256(full).hexdigest())
    public = canonical_json(public_dict)
    figures["job_report+redact"] = time.perf_counter() - start
    figures["job_report+redact_cpu"] = time.process_time() - cpu
    figures["rss_peak_mb"] = _rss_mb()
    figures["report_mb"] = len(full) / 1e6
    figures["public_mb"] = len(public) / 1e6
    figures["sha256"] = hashlib.sha256(full).hexdigest()
    figures["public_sha256"] = hashlib.sha256(public).hexdigest()
    return figures


def _files(
    held: list[Any], sites: Any, figures: dict[str, float | str], start: float, cpu: float
) -> dict[str, float | str]:
    """Write both reports to files, store and sign them as the job does; add the figures.

    `held` holds the only reference to the inputs, let go of once the reports are written.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from server.adapters.blobs import LocalBlobStore
    from server.core.disclosure.policy import DEFAULT_POLICY
    from server.core.disclosure.report_sections import PublicSections
    from server.core.evidence.report_stream import report_files
    from server.core.signing import sign

    with (
        tempfile.TemporaryFile() as full,
        tempfile.TemporaryFile() as public,
        tempfile.TemporaryDirectory() as folder,
    ):
        inputs = held.pop()
        hashes = report_files(inputs, full, PublicSections(DEFAULT_POLICY, sites), public)
        figures["job_report+redact"] = time.perf_counter() - start
        figures["job_report+redact_cpu"] = time.process_time() - cpu
        figures["rss_report_mb"] = _rss_mb()
        del inputs
        gc.enable()  # as after the job's gc_paused block
        gc.collect()
        store, key = LocalBlobStore(folder), Ed25519PrivateKey.generate()
        stored = []
        for handle in (public, full):
            sha = store.put_stream(handle)
            sign(store.get(sha), key)  # the runner signs the bytes read back, one at a time
            stored.append(sha)
        figures["job_publish"] = time.perf_counter() - start - float(figures["job_report+redact"])
        figures["report_mb"] = full.seek(0, 2) / 1e6
        figures["public_mb"] = public.seek(0, 2) / 1e6
    figures["rss_peak_mb"] = _rss_mb()
    if stored != [hashes[1], hashes[0]]:
        raise AssertionError("the stored reports are not named by the hashes written")
    figures["sha256"], figures["public_sha256"] = hashes
    return figures


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])))
