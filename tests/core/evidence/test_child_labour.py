"""Tests for the child-labour monitoring check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest

from server.core.evidence.child_labour import check_child_labour, months_before
from server.core.evidence.inputs import EvidenceRecord
from server.core.evidence.trace import build_trace

if TYPE_CHECKING:
    from conftest import Kit


def run(kit: Kit, evidence: list[EvidenceRecord]):  # type: ignore[no-untyped-def]
    inputs = kit.inputs(evidence=evidence)
    return check_child_labour(inputs, build_trace(inputs))


def visit(kit: Kit, farm: str, **payload: object) -> list[EvidenceRecord]:
    return [
        replace(r, payload={**r.payload, **payload}) if r.id == f"ev-clmrs-{farm}" else r
        for r in kit.evidence()
    ]


def test_recent_visits_everywhere_are_ok(kit: Kit) -> None:
    result = run(kit, kit.evidence())
    assert (result.status, result.value) == ("ok", 1.0)
    assert result.evidence == ("ev-clmrs-farm-1", "ev-clmrs-farm-2")


def test_stale_visit_does_not_cover(kit: Kit) -> None:
    result = run(kit, visit(kit, "farm-2", visit_on="2023-03-30"))  # 24 months + 1 day before
    assert result.value == pytest.approx(0.5)
    assert result.status == "fail"
    row = next(r for r in result.details if r["farm"] == "farm-2")
    assert (row["covered"], row["stale_visits"]) == (False, ["ev-clmrs-farm-2"])
    assert run(kit, visit(kit, "farm-2", visit_on="2023-03-31")).status == "ok"


def test_case_needs_two_follow_ups(kit: Kit) -> None:
    result = run(
        kit,
        visit(kit, "farm-1", children_identified=2, follow_up_visits=1, remediation="in_progress"),
    )
    case = result.details[0]["cases"][0]
    assert (case["followed_up"], case["remediation"]) == (False, "in_progress")
    assert result.status == "warn"
    done = visit(kit, "farm-1", children_identified=2, follow_up_visits=2, remediation="completed")
    assert run(kit, done).status == "ok"


def test_no_records_is_unknown(kit: Kit) -> None:
    result = run(kit, [r for r in kit.evidence() if r.kind != "clmrs_visit"])
    assert (result.status, result.value) == ("unknown", None)


def test_months_before() -> None:
    assert months_before(date(2025, 3, 31), 24) == date(2023, 3, 31)
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_before(date(2025, 1, 15), 1) == date(2024, 12, 15)
