"""Tests for the deforestation check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest

from server.core.evidence.deforestation import check_deforestation
from server.core.evidence.inputs import EvidenceRecord
from server.core.evidence.trace import build_trace

if TYPE_CHECKING:
    from conftest import Kit


def run(kit: Kit, evidence: list[EvidenceRecord]):  # type: ignore[no-untyped-def]
    inputs = kit.inputs(evidence=evidence)
    return check_deforestation(inputs, build_trace(inputs))


def statuses(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {row["plot"]: row["status"] for row in result.details}


def test_all_plots_clear_is_ok(kit: Kit) -> None:
    result = run(kit, kit.evidence())
    assert (result.status, result.value) == ("ok", pytest.approx(1.0))
    assert result.evidence == ("ev-defor-plot-1a", "ev-defor-plot-2a")


def test_missing_assessment_is_unknown_never_ok(kit: Kit) -> None:
    result = run(kit, [r for r in kit.evidence() if r.id != "ev-defor-plot-2a"])
    assert statuses(result) == {"plot-1a": "ok", "plot-2a": "unknown"}
    assert (result.status, result.value) == ("unknown", pytest.approx(2 / 3))


def test_deforestation_fails(kit: Kit) -> None:
    records = kit.evidence()
    records[1] = replace(records[1], payload={**records[1].payload, "status": "deforestation"})
    result = run(kit, records)
    assert statuses(result)["plot-2a"] == "fail"
    assert (result.status, result.value) == ("fail", pytest.approx(2 / 3))


def test_latest_assessment_wins_and_future_ones_are_ignored(kit: Kit) -> None:
    clear = kit.evidence()[0]
    later = replace(
        clear,
        id="ev-defor-plot-1a-2025",
        issued_on=date(2025, 1, 5),
        payload={**clear.payload, "status": "inconclusive", "assessed_on": "2025-01-02"},
    )
    future = replace(
        clear,
        id="ev-defor-plot-1a-2026",
        issued_on=date(2026, 1, 5),
        payload={**clear.payload, "status": "deforestation", "assessed_on": "2026-01-02"},
    )
    result = run(kit, [*kit.evidence(), later, future])
    assert statuses(result) == {"plot-1a": "unknown", "plot-2a": "ok"}
    assert result.value == pytest.approx(1 / 3)


def test_cutoff_after_2020_is_not_enough(kit: Kit) -> None:
    records = kit.evidence()
    records[0] = replace(records[0], payload={**records[0].payload, "cutoff": "2022-12-31"})
    result = run(kit, records)
    assert statuses(result)["plot-1a"] == "unknown"
    assert result.parameters["deforestation_cutoff"]["value"] == "2020-12-31"
