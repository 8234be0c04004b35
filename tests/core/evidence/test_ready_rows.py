"""Checks that build their rows JSON-ready build exactly what `plain` would make of them.

A ready result's rows skip `plain_rows` on their way to the report (`CheckResult.ready`),
so each value must already be `plain`'s, of the same type: a float rounded to 6 places
(and marked `SmallFloat` below 1e-4), a date as ISO text, a list and not a tuple, an int
left an int. The rows are compared with `plain`'s copy of them value by value, types
included, on the synthetic chain and on hand-built inputs that take the rarer branches.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from bench.synthetic_chain import ChainSize, batch_inputs
from server.core.evidence.inputs import BatchInputs, Plot, Quantity
from server.core.evidence.report import CHECKS
from server.core.evidence.report_json import canonical_json
from server.core.evidence.result import plain_rows
from server.core.evidence.trace import build_trace

if TYPE_CHECKING:
    from conftest import Kit


def _same(ready: Any, made: Any, at: str) -> None:
    assert type(ready) is type(made), f"{at}: {type(ready).__name__} != {type(made).__name__}"
    if isinstance(made, dict):
        assert sorted(ready) == sorted(made), at
        for key in made:
            _same(ready[key], made[key], f"{at}.{key}")
    elif isinstance(made, list):
        assert len(ready) == len(made), at
        for i, (a, b) in enumerate(zip(ready, made, strict=True)):
            _same(a, b, f"{at}[{i}]")
    else:
        assert repr(ready) == repr(made), at


def _assert_ready(inputs: BatchInputs) -> int:
    """Run every check on `inputs`; assert each ready one's rows are plain's; count them."""
    trace = build_trace(inputs)
    ready = 0
    for key, check in CHECKS:
        result = check(inputs, trace)
        if not result.ready:
            continue
        ready += 1
        rows = list(result.details)
        made = plain_rows(rows)
        _same(rows, made, key)
        assert canonical_json(rows) == canonical_json(made), key
        assert result.to_json()["details"] == rows
    return ready


@pytest.mark.parametrize("batch", range(2))
def test_the_synthetic_chains_rows_are_ready(batch: int) -> None:
    inputs = batch_inputs(ChainSize(farms=120, events=1_500, batches=2, big_batch_farms=60), batch)
    assert _assert_ready(inputs) == len(CHECKS)


def test_the_kits_rows_are_ready(kit: Kit) -> None:
    assert _assert_ready(kit.inputs()) == len(CHECKS)


def test_rare_values_are_ready(kit: Kit) -> None:
    """Tiny and missing masses, ints, odd payloads, points without an area, no records."""
    events = kit.chain()
    events[0] = kit.harvest("h1", "farm-1", kit.wet1, 0.00003, kit.at(1), ["plot-1a"], None)
    events[3] = replace(events[3], outputs=(Quantity(kit.dry, 600, "EA"),))
    plots = kit.plots()
    plots[0] = Plot("plot-1a", "farm-1", {"type": "Point", "coordinates": [-1.6, 6.5]}, 3, "GH")
    evidence = [
        replace(r, payload={**r.payload, "amount": 7, "remediation": {"b": 1.0000004, "a": [2]}})
        for r in kit.evidence()
        if r.id != "ev-defor-plot-2a"
    ]
    evidence.append(
        kit.record(
            "ev-pay-x",
            "farmgate_payment",
            ("site", "farm-2"),
            date(2025, 1, 5),
            {"site": "farm-2", "paid_on": "2025-01-05", "quantity_kg": 1e-9, "amount": "lots"},
        )
    )
    inputs = kit.inputs(events=events, plots=plots, evidence=evidence)
    assert _assert_ready(inputs) == len(CHECKS)
    assert _assert_ready(kit.inputs(evidence=[])) == len(CHECKS)
