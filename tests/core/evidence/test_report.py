"""Tests for the evidence report."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from server.core.evidence.report import CHECKS, SCHEMA, build_report

if TYPE_CHECKING:
    from conftest import Kit


def test_report_shape_and_summary(kit: Kit) -> None:
    report = build_report(kit.inputs())
    assert report["schema"] == SCHEMA == "originxr.evidence-report/1"
    assert report["batch"] == {
        "class": kit.bar,
        "gtin": kit.bar.split("/")[4],
        "lot": "NK24-0317",
        "quantity_kg": 1000.0,
    }
    assert report["as_of"] == "2025-03-31"
    assert [c["key"] for c in report["checks"]] == [key for key, _ in CHECKS]
    summary = {row["key"]: (row["status"], row["value"]) for row in report["consumer_summary"]}
    assert summary == {
        "known_origin_share": ("ok", 1.0),
        "yield_plausibility": ("ok", 0.450548),
        "plot_geometry": ("ok", 1.0),
        "deforestation": ("ok", 1.0),
        "farmgate_price": ("ok", 1.044776),
        "child_labour": ("ok", 1.0),
        "conversion_balance": ("ok", 1.0),
        "transport_emissions": ("ok", 0.0),  # the kit's sites all stand on one spot
        "evidence_freshness": ("ok", 1.0),
    }
    trace = report["trace"]
    assert [(o["farm"], o["plots"], o["share"]) for o in trace["origins"]] == [
        ("farm-1", ["plot-1a"], 0.666667),
        ("farm-2", ["plot-2a"], 0.333333),
    ]
    assert [s["event"] for s in trace["journey"]] == ["h1", "h2", "r1", "t1", "r2", "t2"]
    assert trace["untracked_inputs"][0]["material"] == "Cane sugar"
    assert trace["problems"] == []
    assert {r["id"] for r in report["evidence_records"]} == {e.id for e in kit.evidence()}


def test_report_is_deterministic_and_json(kit: Kit) -> None:
    events = kit.chain()
    first = json.dumps(build_report(kit.inputs(events=events)), sort_keys=True)
    second = json.dumps(build_report(kit.inputs(events=events[::-1])), sort_keys=True)
    assert first == second


def test_gaps_show_in_the_summary(kit: Kit) -> None:
    report = build_report(kit.inputs(evidence=[], events=kit.chain()[:4] + kit.chain()[5:]))
    summary = {row["key"]: row["status"] for row in report["consumer_summary"]}
    assert summary["deforestation"] == "unknown"
    assert summary["child_labour"] == "unknown"
    assert summary["farmgate_price"] == "unknown"
