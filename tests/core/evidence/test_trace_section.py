"""Tests for the report's ``trace`` section rows (server/core/evidence/trace_section.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from server.core.evidence import trace_section
from server.core.evidence.report_json import canonical_json
from server.core.evidence.result import SmallFloat, plain
from server.core.evidence.trace_model import Trace
from server.core.evidence.trace_section import TRACE_LISTS, time_texts, trace_summary
from tests.core.evidence.test_trace import D1, S1, W1, W2, add, move, trace, tx


def _chain() -> Trace:
    return trace(
        [
            add(f"h{i}", "farm-1" if i % 2 else "farm-2", f"{W1}-{i}", 10 + i, i % 3)
            for i in range(9)
        ]
        + [add("h9", "farm-2", W2, 0.00003, 0)]
        + [
            tx(
                "t1",
                "ferm",
                [(f"{W1}-{i}", 10 + i) for i in range(9)] + [(W2, 0.001)],
                [(D1, 60)],
                4,
            ),
            move("s1", "coop", D1, 5),
            tx("t2", "factory", [(D1, 60), (S1, 40)], [(f"{D1}-bar", 100)], 6),
        ],
        f"{D1}-bar",
    )


def _plain_rows(trace: Trace) -> dict[str, list[dict[str, Any]]]:
    """The section's rows as `plain` gives them from the trace's rows, field by field."""

    def flow(f: Any) -> dict[str, Any]:
        return plain(
            {
                "lot": f.epc_class,
                "material": f.material,
                "tracked": f.tracked,
                "quantity_kg": f.quantity_kg,
            }
        )

    return {
        "journey": [
            plain(
                {
                    "event": s.event_id,
                    "time": s.time,
                    "type": s.type,
                    "biz_step": s.biz_step,
                    "action": s.action,
                    "site": s.site_id,
                    "location": s.location,
                    "lots": s.lots,
                }
            )
            for s in trace.journey
        ],
        "lots": [
            plain(
                {
                    "lot": lot.epc_class,
                    "gtin": lot.gtin,
                    "material": lot.material,
                    "tracked": lot.tracked,
                    "share": lot.share,
                    "events": lot.event_ids,
                }
            )
            for lot in trace.lots
        ],
        "origins": [
            plain(
                {
                    "farm": o.farm_id,
                    "plots": o.plot_ids,
                    "registered": o.registered,
                    "share": o.share,
                    "mass_kg": o.mass_kg,
                    "harvested_kg": o.harvested_kg,
                    "lots": o.lots,
                    "events": o.event_ids,
                }
            )
            for o in trace.origins
        ],
        "transformations": [
            {
                "event": t.event_id,
                "time": plain(t.time),
                "site": t.site_id,
                "inputs": [flow(f) for f in t.inputs],
                "outputs": [flow(f) for f in t.outputs],
                "tracked_input_kg": plain(t.tracked_input_kg),
                "output_kg": plain(t.output_kg),
            }
            for t in trace.transformations
        ],
    }


def test_rows_are_what_plain_makes_of_the_trace_rows() -> None:
    result = _chain()
    section = trace_summary(result)
    expected = _plain_rows(result)
    for key, rows in expected.items():
        assert rows, key
        assert section[key] == rows, key
        assert canonical_json(section[key]) == canonical_json(rows), key
    # small shares are marked for the encoder, as plain marks them
    assert any(type(row["share"]) is SmallFloat for row in section["lots"])


def test_rows_are_the_same_a_few_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _chain()
    whole = {key: list(rows(result)) for key, rows in TRACE_LISTS}
    monkeypatch.setattr(trace_section, "CHUNK", 2)
    assert {key: list(rows(result)) for key, rows in TRACE_LISTS} == whole
    assert len(whole["journey"]) > 2 and len(whole["lots"]) > 2


def test_time_texts_are_plain_of_each_time() -> None:
    t0 = datetime(2024, 11, 1, 8, tzinfo=UTC)
    same_instant = t0.astimezone(timezone(timedelta(hours=1)))  # equal, other text
    times: list[Any] = [
        t0,
        datetime(2024, 11, 1, 8, tzinfo=UTC),  # equal, another object
        same_instant,
        t0,
        t0.replace(fold=1),
        datetime(2024, 11, 1, 8),  # naive
        t0 + timedelta(microseconds=5),
        None,
        None,
    ]
    assert time_texts(times) == [plain(t) for t in times]
    assert time_texts([]) == []
