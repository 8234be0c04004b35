"""Write a batch's evidence report as canonical JSON bytes, section by section.

`report_bytes(inputs)` gives exactly ``canonical_json(build_report(inputs))`` without ever
holding the report as one dict: a 10,000-farm report is 128 MB of JSON and about twice that
as Python objects, so holding the dict and its bytes together was most of the evidence
job's peak memory. Each list of rows (the journey, each check's details) is turned into
JSON-ready rows a chunk at a time, serialised, and let go of; the trace is let go of once
its section is written, each check result once its own is (before the next check runs).

Concatenating canonical pieces gives canonical bytes: keys are written in sorted order,
separators are the compact ones, and each piece goes through `canonical_json` (which falls
back to the standard library on its own when orjson would write a float differently).
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import Any

from server.core.evidence.inputs import BatchInputs
from server.core.evidence.report import (
    CHECKS,
    TRACE_LISTS,
    batch_heading,
    evidence_records,
    summary_entry,
    trace_scalars,
)
from server.core.evidence.report_json import canonical_json
from server.core.evidence.result import CheckResult, plain
from server.core.evidence.trace import build_trace
from server.core.evidence.trace_model import Trace

# Rows serialised at a time: big enough for orjson to run at full speed, small enough that
# a chunk's rows are a few MB.
CHUNK = 4096


def report_bytes(inputs: BatchInputs) -> bytes:
    """Return ``canonical_json(build_report(inputs))``, written one section at a time.

    The sections come in key order (``as_of``, ``batch``, ``checks``, ``consumer_summary``,
    ``evidence_records``, ``schema``, ``trace``): each check is run, written and let go of
    before the next runs (the summary and the cited records are kept, both small), and the
    trace, which every check reads, is written last.
    """
    trace = build_trace(inputs)
    heading = batch_heading(inputs)
    out = BytesIO()
    out.write(b'{"as_of":' + canonical_json(heading["as_of"]))
    out.write(b',"batch":' + canonical_json(heading["batch"]))
    out.write(b',"checks":[')
    summary: list[dict[str, Any]] = []
    cited: set[str] = set()
    for i, (_, check) in enumerate(CHECKS):
        result = check(inputs, trace)
        summary.append(summary_entry(result))
        cited.update(result.evidence)
        if i:
            out.write(b",")
        _check(out, result)
        del result
    out.write(b'],"consumer_summary":' + canonical_json(summary))
    out.write(b',"evidence_records":' + canonical_json(evidence_records(inputs, cited)))
    out.write(b',"schema":' + canonical_json(heading["schema"]) + b',"trace":')
    _trace(out, trace)
    del trace
    out.write(b"}")
    return out.getvalue()


def _trace(out: BytesIO, trace: Trace) -> None:
    lists = dict(TRACE_LISTS)
    scalars = trace_scalars(trace)
    out.write(b"{")
    for i, key in enumerate(sorted((*lists, *scalars))):
        out.write(_key(key, i == 0))
        if key in lists:
            _rows(out, lists[key](trace))
        else:
            out.write(canonical_json(scalars[key]))
    out.write(b"}")


def _check(out: BytesIO, result: CheckResult) -> None:
    """Write one check result, its details a chunk of rows at a time."""
    head = result.json_head()
    out.write(b"{")
    for i, key in enumerate(sorted((*head, "details"))):
        out.write(_key(key, i == 0))
        if key == "details":
            _rows(out, (plain(row) for row in result.details))
        else:
            out.write(canonical_json(head[key]))
    out.write(b"}")


def _key(key: str, first: bool) -> bytes:
    return (b'"' if first else b',"') + key.encode() + b'":'


def _rows(out: BytesIO, rows: Iterable[Any]) -> None:
    """Write a JSON list of `rows` (JSON-ready values), serialising `CHUNK` at a time."""
    out.write(b"[")
    written = False
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            written = _chunk(out, chunk, written)
            chunk = []
    _chunk(out, chunk, written)
    out.write(b"]")


def _chunk(out: BytesIO, chunk: list[Any], written: bool) -> bool:
    if not chunk:
        return written
    data = canonical_json(chunk)
    if written:
        out.write(b",")
    out.write(memoryview(data)[1:-1])  # without the chunk's own brackets
    return True
