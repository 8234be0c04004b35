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
filled in once the full bytes are done. A derivative gets each piece's full bytes too and
returns its own piece's bytes: a piece it would not change is written as it is, never
walked or serialised a second time.

`report_files` writes both reports to streams (the evidence job's temporary files), the
full one hashed as it is written, so a job holds neither report's bytes beside its inputs.
Each check's detail rows are made JSON-ready a chunk at a time by `result.plain_rows`, unless
the check built them so (`CheckResult.ready`): those are serialised as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from itertools import islice
from typing import Any, BinaryIO, Protocol

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
from server.core.evidence.result import ROWS_AT_ONCE, CheckResult, plain_rows
from server.core.evidence.trace import build_trace
from server.core.evidence.trace_model import Trace

CHUNK = ROWS_AT_ONCE  # rows serialised at a time


# What a derived copy's sections name the full report by until its hash is known (the hash
# is as long, so the bytes around it do not move).
PLACEHOLDER = "0" * 64
# Bytes read at a time when a written report is read back to be hashed.
READ_BYTES = 1 << 20


class Derivative(Protocol):
    """How a derived copy of the report (the public one) is made from the full one, a piece
    at a time. Each method gets JSON-ready data already written to the full report (and
    its canonical bytes, where it has them) and returns the derived copy's piece; the data
    given must not be changed."""

    def value(self, path: str, value: Any, data: bytes) -> bytes:
        """Return the canonical bytes of the derived form of a section or trace field
        (``batch``, ``trace.sites``); `data` are those of `value`."""

    def check_head(self, head: dict[str, Any]) -> dict[str, Any]:
        """Return the derived form of a check's fields other than ``details``."""

    def rows(self, path: str, rows: list[Any], data: bytes) -> bytes:
        """Return the canonical bytes (a JSON list) of the derived form of a chunk of rows
        of a check (by key) or a trace list (``trace.journey``): as many rows, in order;
        `data` are those of `rows`."""

    def sections(self, derived_from: str) -> dict[str, Any]:
        """Return the top-level sections only the derived copy has, naming the full report
        by `derived_from` (its SHA-256); their keys sort between ``consumer_summary`` and
        ``evidence_records``."""


class _Hashed:
    """A binary stream, and the SHA-256 of everything written to it (if `hashed`)."""

    def __init__(self, stream: BinaryIO, hashed: bool) -> None:
        self.stream = stream
        self.hash = hashlib.sha256()
        self.hashed = hashed

    def write(self, data: bytes | memoryview) -> None:
        self.stream.write(data)
        if self.hashed:
            self.hash.update(data)


class _Out:
    """The full report's stream and, when there is a derivative, the derived copy's."""

    def __init__(self, full: BinaryIO, derive: Derivative | None, derived: BinaryIO | None) -> None:
        self.full = _Hashed(full, hashed=derive is not None)
        self.derive = derive
        self.derived = derived if derive is not None else None

    def raw(self, data: bytes) -> None:
        self.full.write(data)
        if self.derived is not None:
            self.derived.write(data)

    def value(self, path: str, value: Any) -> None:
        data = canonical_json(value)
        self.full.write(data)
        if self.derive is not None and self.derived is not None:
            self.derived.write(self.derive.value(path, value, data))


def report_bytes(inputs: BatchInputs) -> bytes:
    """Return ``canonical_json(build_report(inputs))``, written one section at a time.

    The sections come in key order (``as_of``, ``batch``, ``checks``, ``consumer_summary``,
    ``evidence_records``, ``schema``, ``trace``): each check is run, written and let go of
    before the next runs (the summary and the cited records are kept, both small), and the
    trace, which every check reads, is written last.
    """
    full = BytesIO()
    _write(inputs, full, None, None)
    return full.getvalue()


def report_pair(inputs: BatchInputs, derive: Derivative) -> tuple[bytes, bytes]:
    """Return `report_bytes(inputs)` and the copy `derive` makes of it, in one pass.

    The derived copy is what ``canonical_json`` gives of the report changed by `derive`
    piece by piece, with its `Derivative.sections` naming the full bytes' SHA-256.
    """
    full, derived = BytesIO(), BytesIO()
    _write(inputs, full, derive, derived)
    return full.getvalue(), derived.getvalue()


def report_files(
    inputs: BatchInputs, full: BinaryIO, derive: Derivative, derived: BinaryIO
) -> tuple[str, str]:
    """Write `report_pair(inputs, derive)` to the streams `full` and `derived` from where
    each stands; return the SHA-256 (hex) of each report written.

    Neither report is held in memory (the job writes them to temporary files: 128 MB each
    for 10,000 farms). `derived` must be readable and seekable: its sections naming the
    full report are filled in once that is written, and it is then read back to be hashed.
    """
    start = derived.tell()
    full_sha = _write(inputs, full, derive, derived)
    derived.seek(start)
    digest = hashlib.sha256()
    while piece := derived.read(READ_BYTES):
        digest.update(piece)
    return full_sha, digest.hexdigest()


def _write(
    inputs: BatchInputs, full: BinaryIO, derive: Derivative | None, derived: BinaryIO | None
) -> str:
    """Write the report to `full` (and its derived copy); return the full one's SHA-256
    (with a derived copy only: without one, the report is not hashed)."""
    trace = build_trace(inputs)
    heading = batch_heading(inputs)
    out = _Out(full, derive, derived)
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
    if out.derived is None:
        return ""  # nothing names the full report: it is not hashed
    full_sha = out.full.hash.hexdigest()
    # The placeholder becomes the full report's hash: same length, so nothing moves.
    at, before = extras
    after = _extras_bytes(out, full_sha)
    if len(after) != len(before):
        raise ValueError("a derived section changed length once the hash was filled in")
    end = out.derived.tell()
    out.derived.seek(at)
    out.derived.write(after)
    out.derived.seek(end)
    return full_sha


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
    heads: list[tuple[_Hashed | BinaryIO, dict[str, Any]]] = [(out.full, head)]
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
    _rows(out, result.key, result.details, None if result.ready else plain_rows)
    for sink, fields, keys in tails:
        for key in keys:
            sink.write(_key(key, False) + canonical_json(fields[key]))
        sink.write(b"}")


def _key(key: str, first: bool) -> bytes:
    return (b'"' if first else b',"') + key.encode() + b'":'


def _rows(
    out: _Out,
    path: str,
    rows: Iterable[Any],
    convert: Callable[[list[Any]], list[Any]] | None = None,
) -> None:
    """Write a JSON list of `rows`, serialising `CHUNK` at a time: JSON-ready values, or
    made so a chunk at a time by `convert`."""
    out.raw(b"[")
    written = [False, False]
    for chunk in _chunked(rows):
        _chunks(out, path, chunk if convert is None else convert(chunk), written)
    out.raw(b"]")


def _chunked(rows: Iterable[Any]) -> Iterator[list[Any]]:
    if isinstance(rows, list | tuple):  # slices: no row appended one at a time
        for at in range(0, len(rows), CHUNK):
            yield list(rows[at : at + CHUNK])
        return
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _chunks(out: _Out, path: str, chunk: list[Any], written: list[bool]) -> None:
    if not chunk:
        return
    data = canonical_json(chunk)
    _chunk(out.full, data, written[0])
    written[0] = True
    if out.derive is not None and out.derived is not None:
        _chunk(out.derived, out.derive.rows(path, chunk, data), written[1])
        written[1] = True


def _chunk(out: _Hashed | BinaryIO, data: bytes, written: bool) -> None:
    if written:
        out.write(b",")
    out.write(memoryview(data)[1:-1])  # without the chunk's own brackets
