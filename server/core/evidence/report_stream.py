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

A second, derived copy can be written in the same pass (`report_pair`): the evidence job
writes the public report beside the full one, each section and chunk of rows going through
a `Derivative` (the disclosure policy's redaction) right after its full form is written,
so neither report is ever held as a dict. The derived copy may add top-level sections that
name the full report's hash; they are written with a placeholder of the hash's length and
filled in once the full bytes are done.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from io import BytesIO
from typing import Any, Protocol

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


# What a derived copy's sections name the full report by until its hash is known (the hash
# is as long, so the bytes around it do not move).
PLACEHOLDER = "0" * 64


class Derivative(Protocol):
    """How a derived copy of the report (the public one) is made from the full one, a piece
    at a time. Each method gets JSON-ready data already written to the full report and
    returns the derived copy's piece (which may be the same object, or a changed copy; the
    argument must not be changed)."""

    def value(self, path: str, value: Any) -> Any:
        """Return the derived form of a section or trace field (``batch``, ``trace.sites``)."""

    def check_head(self, head: dict[str, Any]) -> dict[str, Any]:
        """Return the derived form of a check's fields other than ``details``."""

    def rows(self, path: str, rows: list[Any]) -> list[Any]:
        """Return the derived form of a chunk of rows of a check (by key) or a trace list
        (``trace.journey``): as many rows, in order."""

    def sections(self, derived_from: str) -> dict[str, Any]:
        """Return the top-level sections only the derived copy has, naming the full report
        by `derived_from` (its SHA-256); their keys sort between ``consumer_summary`` and
        ``evidence_records``."""


class _Out:
    """The full report's buffer and, when there is a derivative, the derived copy's."""

    def __init__(self, derive: Derivative | None) -> None:
        self.full = BytesIO()
        self.derive = derive
        self.derived = BytesIO() if derive is not None else None

    def raw(self, data: bytes) -> None:
        self.full.write(data)
        if self.derived is not None:
            self.derived.write(data)

    def value(self, path: str, value: Any) -> None:
        self.full.write(canonical_json(value))
        if self.derive is not None and self.derived is not None:
            self.derived.write(canonical_json(self.derive.value(path, value)))


def report_bytes(inputs: BatchInputs) -> bytes:
    """Return ``canonical_json(build_report(inputs))``, written one section at a time.

    The sections come in key order (``as_of``, ``batch``, ``checks``, ``consumer_summary``,
    ``evidence_records``, ``schema``, ``trace``): each check is run, written and let go of
    before the next runs (the summary and the cited records are kept, both small), and the
    trace, which every check reads, is written last.
    """
    return _write(inputs, None)[0]


def report_pair(inputs: BatchInputs, derive: Derivative) -> tuple[bytes, bytes]:
    """Return `report_bytes(inputs)` and the copy `derive` makes of it, in one pass.

    The derived copy is what ``canonical_json`` gives of the report changed by `derive`
    piece by piece, with its `Derivative.sections` naming the full bytes' SHA-256.
    """
    full, derived = _write(inputs, derive)
    assert derived is not None
    return full, derived


def _write(inputs: BatchInputs, derive: Derivative | None) -> tuple[bytes, bytes | None]:
    trace = build_trace(inputs)
    heading = batch_heading(inputs)
    out = _Out(derive)
    out.raw(b'{"as_of":')
    out.value("as_of", heading["as_of"])
    out.raw(b',"batch":')
    out.value("batch", heading["batch"])
    out.raw(b',"checks":[')
    summary: list[dict[str, Any]] = []
    cited: set[str] = set()
    for i, (_, check) in enumerate(CHECKS):
        result = check(inputs, trace)
        summary.append(summary_entry(result))
        cited.update(result.evidence)
        if i:
            out.raw(b",")
        _check(out, result)
        del result
    out.raw(b'],"consumer_summary":')
    out.value("consumer_summary", summary)
    extras = _extras(out, PLACEHOLDER)
    out.raw(b',"evidence_records":')
    out.value("evidence_records", evidence_records(inputs, cited))
    out.raw(b',"schema":')
    out.value("schema", heading["schema"])
    out.raw(b',"trace":')
    _trace(out, trace)
    del trace
    out.raw(b"}")
    full = out.full.getvalue()
    if out.derived is None:
        return full, None
    # The placeholder becomes the full report's hash: same length, so nothing moves.
    at, before = extras
    after = _extras_bytes(out, hashlib.sha256(full).hexdigest())
    if len(after) != len(before):
        raise ValueError("a derived section changed length once the hash was filled in")
    out.derived.seek(at)
    out.derived.write(after)
    return full, out.derived.getvalue()


def _extras_bytes(out: _Out, derived_from: str) -> bytes:
    if out.derive is None:
        return b""
    sections = out.derive.sections(derived_from)
    for key in sections:
        if not "consumer_summary" < key < "evidence_records":
            raise ValueError(f"a derived section {key!r} would be out of key order")
    return b"".join(
        b',"' + k.encode() + b'":' + canonical_json(sections[k]) for k in sorted(sections)
    )


def _extras(out: _Out, derived_from: str) -> tuple[int, bytes]:
    """Write the derived copy's own sections; return where they start and their bytes."""
    if out.derived is None:
        return 0, b""
    data = _extras_bytes(out, derived_from)
    at = out.derived.tell()
    out.derived.write(data)
    return at, data


def _trace(out: _Out, trace: Trace) -> None:
    lists = dict(TRACE_LISTS)
    scalars = trace_scalars(trace)
    out.raw(b"{")
    for i, key in enumerate(sorted((*lists, *scalars))):
        out.raw(_key(key, i == 0))
        if key in lists:
            _rows(out, f"trace.{key}", lists[key](trace))
        else:
            out.value(f"trace.{key}", scalars[key])
    out.raw(b"}")


def _check(out: _Out, result: CheckResult) -> None:
    """Write one check result, its details a chunk of rows at a time."""
    head = result.json_head()
    heads = [(out.full, head)]
    if out.derive is not None and out.derived is not None:
        heads.append((out.derived, out.derive.check_head(head)))
    tails = []
    for sink, fields in heads:
        keys = sorted((*fields, "details"))
        at = keys.index("details")
        sink.write(b"{")
        for i, key in enumerate(keys[:at]):
            sink.write(_key(key, i == 0) + canonical_json(fields[key]))
        sink.write(_key("details", at == 0))
        tails.append((sink, fields, keys[at + 1 :]))
    _rows(out, result.key, (plain(row) for row in result.details))
    for sink, fields, keys in tails:
        for key in keys:
            sink.write(_key(key, False) + canonical_json(fields[key]))
        sink.write(b"}")


def _key(key: str, first: bool) -> bytes:
    return (b'"' if first else b',"') + key.encode() + b'":'


def _rows(out: _Out, path: str, rows: Iterable[Any]) -> None:
    """Write a JSON list of `rows` (JSON-ready values), serialising `CHUNK` at a time."""
    out.raw(b"[")
    written = [False, False]
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            _chunks(out, path, chunk, written)
            chunk = []
    _chunks(out, path, chunk, written)
    out.raw(b"]")


def _chunks(out: _Out, path: str, chunk: list[Any], written: list[bool]) -> None:
    written[0] = _chunk(out.full, chunk, written[0])
    if out.derive is not None and out.derived is not None and chunk:
        written[1] = _chunk(out.derived, out.derive.rows(path, chunk), written[1])


def _chunk(out: BytesIO, chunk: list[Any], written: bool) -> bool:
    if not chunk:
        return written
    data = canonical_json(chunk)
    if written:
        out.write(b",")
    out.write(memoryview(data)[1:-1])  # without the chunk's own brackets
    return True
