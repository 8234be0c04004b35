"""Tests for the known-origin share check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from workers.evidence.origin import check_known_origin_share
from workers.trace import build_trace

if TYPE_CHECKING:
    from conftest import Kit


def run(kit: Kit, **changes: object):  # type: ignore[no-untyped-def]
    inputs = kit.inputs(**changes)  # type: ignore[arg-type]
    return check_known_origin_share(inputs, build_trace(inputs))


def test_fully_registered_batch_is_ok(kit: Kit) -> None:
    result = run(kit)
    assert (result.status, result.value) == ("ok", pytest.approx(1.0))
    assert set(result.evidence) == {"h1", "h2"}


def test_farm_without_plots_lowers_the_share(kit: Kit) -> None:
    result = run(kit, plots=[p for p in kit.plots() if p.farm == "farm-1"])
    assert result.value == pytest.approx(2 / 3)
    assert result.status == "fail"


def test_small_unknown_share_warns(kit: Kit) -> None:
    events = kit.chain()
    events[3] = kit.transform(
        "t1",
        "ferm",
        [(kit.wet1, 1000), (kit.wet2, 500), (kit.dry.replace("D1", "X9"), 80)],
        [(kit.dry, 600)],
        kit.at(10),
    )
    result = run(kit, events=events)
    assert result.value == pytest.approx(1500 / 1580)
    assert result.status == "warn"
    assert {row.get("unknown") for row in result.details} >= {"missing_upstream"}


def test_nothing_traced_is_unknown(kit: Kit) -> None:
    result = run(kit, events=[])
    assert (result.status, result.value) == ("unknown", None)
