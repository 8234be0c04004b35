"""The report written section by section is the golden report, byte for byte.

`report_stream.report_bytes` never holds the report as one dict; these tests hold it to the
goldens of test_report_equality (recorded from the dict and its one-piece serialisation),
with chunks of rows small enough that every list is cut, and that a chunk holding a float
the fast encoder writes otherwise is written as the standard library writes it.
"""

from __future__ import annotations

import gzip
from dataclasses import replace

import pytest

from bench.synthetic_chain import ChainSize, batch_inputs
from server.core.evidence import report_stream
from server.core.evidence.inputs import BatchInputs, Quantity
from server.core.evidence.report import build_report
from server.core.evidence.report_json import canonical_json
from server.core.evidence.report_stream import report_bytes
from tests.core.evidence.test_report_equality import GOLDEN, SYNTHETIC


@pytest.mark.parametrize("chunk", [1, 3, 4096])
@pytest.mark.parametrize("batch", range(SYNTHETIC.batches))
def test_the_streamed_report_is_the_golden(
    batch: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_stream, "CHUNK", chunk)
    expected = gzip.decompress((GOLDEN / f"synthetic-{batch}.json.gz").read_bytes())
    assert report_bytes(batch_inputs(SYNTHETIC, batch)) == expected


def _with_tiny_harvest(inputs: BatchInputs) -> BatchInputs:
    """Return `inputs` with one harvest of 0.00002 kg: shares and masses below 1e-4."""
    events = list(inputs.events)
    at = next(i for i, e in enumerate(events) if e.action == "ADD")
    tiny = (Quantity(events[at].outputs[0].epc_class, 0.00002, "KGM"),)
    events[at] = replace(events[at], outputs=tiny, quantities=tiny)
    return replace(inputs, events=tuple(events))


def test_small_floats_are_written_as_the_standard_library_writes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(report_stream, "CHUNK", 2)
    inputs = _with_tiny_harvest(batch_inputs(ChainSize(40, 500, 1, 40), 0))
    expected = canonical_json(build_report(inputs))
    assert b"e-05" in expected  # the case is there: Python's form of a float below 1e-4
    inputs.memo.clear()
    assert report_bytes(inputs) == expected
