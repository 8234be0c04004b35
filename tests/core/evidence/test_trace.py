"""Tests for the batch trace graph (server/core/evidence/trace.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from server.core.evidence.event_reading import mass_kg, named_plots
from server.core.evidence.inputs import BatchInputs, Material, Quantity, Site, TraceEvent
from server.core.evidence.trace import build_trace
from server.core.evidence.trace_model import Trace
from server.core.evidence.trace_plots import NamedPlots
from server.core.gs1.identifiers import gs1_check_digit, location_id, lot_class


def _gtin(n: int) -> str:
    body = f"0952012300{n:03d}"
    return body + gs1_check_digit(body)


WET, DRY, SUGAR, BAR, NIBS = _gtin(1), _gtin(3), _gtin(7), _gtin(100), _gtin(4)
T0 = datetime(2024, 11, 1, tzinfo=UTC)


def _loc(ref: int) -> str:
    body = f"9520123{ref:05d}"
    return location_id(body + gs1_check_digit(body))


SITES = (
    Site("farm-1", "farm", "Farm 1", _loc(1), "GH", 6.5, -1.6),
    Site("farm-2", "farm", "Farm 2", _loc(2), "GH", 6.5, -1.5),
    Site("coop", "cooperative", "Coop", _loc(40), "GH", 6.6, -1.6),
    Site("ferm", "fermentary", "Fermentary", _loc(50), "GH", 6.6, -1.6),
    Site("factory", "factory", "Factory", _loc(90), "BE", 51.0, 4.4),
)
LOC = {s.id: s.sgln for s in SITES}


def add(eid: str, where: str | None, lot: str, kg: float, day: int, uom: str = "KGM") -> TraceEvent:
    return TraceEvent(
        eid,
        "ObjectEvent",
        T0 + timedelta(days=day),
        "harvesting",
        "ADD",
        LOC.get(where or "", where),
        quantities=(Quantity(lot, kg, uom),),
    )


def move(eid: str, where: str, lot: str, day: int) -> TraceEvent:
    return TraceEvent(
        eid,
        "ObjectEvent",
        T0 + timedelta(days=day),
        "shipping",
        "OBSERVE",
        LOC.get(where, where),
        quantities=(Quantity(lot, 1.0, "KGM"),),
    )


def tx(
    eid: str, where: str, ins: list[tuple[str, float]], outs: list[tuple[str, float]], day: int
) -> TraceEvent:
    return TraceEvent(
        eid,
        "TransformationEvent",
        T0 + timedelta(days=day),
        "transforming",
        None,
        LOC.get(where, where),
        inputs=tuple(Quantity(c, q) for c, q in ins),
        outputs=tuple(Quantity(c, q) for c, q in outs),
    )


def trace(events: list[TraceEvent], batch: str) -> Trace:
    return build_trace(
        BatchInputs(
            batch_class=batch,
            batch_quantity_kg=None,
            as_of=date(2025, 3, 31),
            events=tuple(events),
            sites=SITES,
            plots=(),
            parameters={},
            evidence=(),
            materials=(
                Material(WET, "Wet", True, 0.4),
                Material(DRY, "Dry", True),
                Material(NIBS, "Nibs", True),
                Material(SUGAR, "Sugar", False),
                Material(BAR, "Bar", False),
            ),
        )
    )


W1, W2, D1, S1, B1 = (
    lot_class(WET, "W1"),
    lot_class(WET, "W2"),
    lot_class(DRY, "D1"),
    lot_class(SUGAR, "S1"),
    lot_class(BAR, "B1"),
)


def total_share(result: Trace) -> float:
    return sum(o.share for o in result.origins) + sum(u.share for u in result.unknown)


def test_mass_weighted_shares_follow_tracked_inputs_only() -> None:
    result = trace(
        [
            add("h1", "farm-1", W1, 1000, 0),
            add("h2", "farm-2", W2, 500, 1),
            tx("t1", "ferm", [(W1, 1000), (W2, 500)], [(D1, 600)], 5),
            move("s1", "coop", D1, 7),
            tx("t2", "factory", [(D1, 600), (S1, 400)], [(B1, 1000)], 30),
        ],
        B1,
    )
    shares = {o.farm_id: o.share for o in result.origins}
    assert shares == pytest.approx({"farm-1": 2 / 3, "farm-2": 1 / 3})
    assert result.tracked_mass_kg == pytest.approx(600.0)
    assert [o.mass_kg for o in result.origins] == pytest.approx([400.0, 200.0])
    assert result.unknown == ()
    assert [(e, f.epc_class, f.quantity_kg) for e, f in result.untracked_inputs] == [
        ("t2", S1, 400)
    ]
    assert [s.event_id for s in result.journey] == ["h1", "h2", "t1", "s1", "t2"]
    assert result.sites == ("farm-1", "farm-2", "ferm", "coop", "factory")
    assert [t.tracked_input_kg for t in result.transformations] == [1500, 600]
    assert [t.output_kg for t in result.transformations] == [600, 1000]
    assert result.problems == ()


def test_cycle_is_reported_and_its_share_is_unknown() -> None:
    nibs = lot_class(NIBS, "N1")
    result = trace(
        [
            add("h1", "farm-1", W1, 100, 0),
            tx("t1", "ferm", [(W1, 100), (nibs, 100)], [(D1, 100)], 1),  # nibs loop back into D1
            tx("t2", "factory", [(D1, 100)], [(nibs, 100)], 2),
            tx("t3", "factory", [(nibs, 100)], [(B1, 100)], 3),
        ],
        B1,
    )
    assert [p.kind for p in result.problems] == ["cycle"]
    assert result.problems[0].event_ids == ("t1",)
    assert {o.farm_id: o.share for o in result.origins} == pytest.approx({"farm-1": 0.5})
    assert [(u.reason, u.share) for u in result.unknown] == [("cycle", pytest.approx(0.5))]
    assert total_share(result) == pytest.approx(1.0)


def test_self_loop_terminates() -> None:
    result = trace([tx("t1", "factory", [(D1, 10)], [(D1, 10)], 1)], D1)
    assert result.problems[0].kind == "cycle"
    assert [u.reason for u in result.unknown] == ["cycle"]


def test_missing_upstream_counts_as_unknown_origin() -> None:
    result = trace(
        [
            add("h1", "farm-1", W1, 300, 0),
            tx("t1", "ferm", [(W1, 300), (W2, 100)], [(D1, 160)], 5),  # W2 never harvested
        ],
        D1,
    )
    assert [(u.reason, u.epc_class) for u in result.unknown] == [("missing_upstream", W2)]
    assert result.unknown[0].share == pytest.approx(0.25)
    assert result.origins[0].share == pytest.approx(0.75)
    assert "missing_upstream" in {p.kind for p in result.problems}


def test_unknown_and_off_farm_locations() -> None:
    stranger = "https://id.gs1.org/414/9999999999994"
    result = trace(
        [
            add("h1", stranger, W1, 100, 0),
            add("h2", "coop", W2, 100, 0),
            move("m1", stranger, D1, 6),
            tx("t1", "ferm", [(W1, 100), (W2, 100)], [(D1, 80)], 5),
        ],
        D1,
    )
    assert {(u.reason, u.epc_class) for u in result.unknown} == {
        ("unknown_location", W1),
        ("created_off_farm", W2),
    }
    assert result.origins == ()
    located = [p for p in result.problems if p.kind == "unknown_location"]
    assert sorted(p.event_ids for p in located) == [("h1",), ("m1",)]


def test_several_producers_split_by_output_and_units_convert() -> None:
    result = trace(
        [
            add("h1", "farm-1", W1, 1, 0, uom="TNE"),
            add("h2", "farm-2", W2, 1000, 0),
            tx("t1", "ferm", [(W1, 1000)], [(D1, 300)], 5),
            tx("t2", "ferm", [(W2, 1000)], [(D1, 100)], 6),
        ],
        D1,
    )
    assert {o.farm_id: o.share for o in result.origins} == pytest.approx(
        {"farm-1": 0.75, "farm-2": 0.25}
    )
    assert result.origins[0].harvested_kg == 1000.0


def test_unknown_unit_is_an_unknown_share() -> None:
    result = trace([add("h1", "farm-1", W1, 5, 0, uom="BX")], W1)
    assert [u.reason for u in result.unknown] == ["unknown_unit"]
    assert mass_kg(Quantity(W1, 5, "BX")) is None
    assert mass_kg(Quantity(W1, 5, "grm")) == pytest.approx(0.005)


def test_untraced_batch() -> None:
    result = trace([], B1)
    assert not result.traced
    assert [u.reason for u in result.unknown] == ["missing_upstream"]


def test_long_chain_needs_no_recursion() -> None:
    lots = [lot_class(DRY, f"D{i}") for i in range(3000)]
    events = [add("h", "farm-1", lots[0], 10, 0)]
    events += [
        tx(f"t{i}", "factory", [(lots[i - 1], 10)], [(lots[i], 10)], i) for i in range(1, 3000)
    ]
    result = trace(events, lots[-1])
    assert result.origins[0].share == pytest.approx(1.0)
    assert len(result.journey) == 3000


def test_steps_follow_time_then_id_whatever_the_input_order() -> None:
    events = [
        add("h2", "farm-2", W2, 500, 1),
        add("h1", "farm-1", W1, 1000, 1),
        tx("t1", "ferm", [(W1, 1000), (W2, 500)], [(D1, 600)], 5),
        move("s1", "coop", D1, 0),  # before the harvests: the journey keeps time order
    ]
    forward, backward = trace(events, D1), trace(events[::-1], D1)
    assert [s.event_id for s in forward.journey] == ["s1", "h1", "h2", "t1"]
    assert forward == backward
    assert forward.sites == ("coop", "farm-1", "farm-2", "ferm")
    assert [(lot.epc_class, lot.event_ids) for lot in forward.lots] == [
        (D1, ("s1", "t1")),
        (W1, ("h1", "t1")),
        (W2, ("h2", "t1")),
    ]


def test_events_sharing_an_id_make_one_step_the_last_of_them() -> None:
    first = move("m1", "coop", D1, 6)
    again = move("m1", "factory", D1, 6)
    result = trace([add("h1", "farm-1", D1, 10, 0), first, again], D1)
    assert [(s.event_id, s.site_id) for s in result.journey] == [
        ("h1", "farm-1"),
        ("m1", "factory"),
    ]


@pytest.mark.parametrize(
    "ilmd",
    [
        {},
        {"originxr:plots": ["p-1"]},
        {"originxr:plots": ["p-2", "p-1", "p-2"]},
        {"originxr:plots": "p-1"},
        {"originxr:plots": [7]},
        {"plot_id": "p-3", "a:plots": ["p-1"]},
        {"note": "dry season"},
        {"originxr:plots": []},
    ],
)
def test_named_plots_reads_as_event_reading_does(ilmd: dict[str, object]) -> None:
    event = TraceEvent("h1", "ObjectEvent", T0, action="ADD", ilmd=ilmd)
    plots = NamedPlots()
    assert plots.named(event) == named_plots(event)
    assert plots.named(event) == named_plots(event)  # its key remembered


def test_harvests_naming_plots_are_origins_per_plot() -> None:
    def harvest(eid: str, lot: str, plot: str) -> TraceEvent:
        event = add(eid, "farm-1", lot, 100, 0)
        return TraceEvent(
            event.id,
            event.type,
            event.time,
            event.biz_step,
            event.action,
            event.biz_location,
            quantities=event.quantities,
            ilmd={"originxr:plots": [plot]},
        )

    result = trace(
        [
            harvest("h1", W1, "plot-a"),
            harvest("h2", W2, "plot-b"),
            tx("t1", "ferm", [(W1, 100), (W2, 300)], [(D1, 160)], 5),
        ],
        D1,
    )
    assert [(o.farm_id, o.plot_ids, o.share) for o in result.origins] == [
        ("farm-1", ("plot-a",), 0.25),
        ("farm-1", ("plot-b",), 0.75),
    ]
    assert result.farm_ids == ("farm-1",)
    assert {p.kind for p in result.problems} == {"unknown_plot"}  # no plots registered


def test_origins_name_the_plots_named_plots_reads_whatever_the_ilmd() -> None:
    ilmds: list[dict[str, object]] = [
        {"originxr:plots": ["p-1"]},  # the common case, read inline once its key is known
        {"originxr:plots": ["p-2"]},
        {"originxr:plots": "p-3"},  # the same key, not a list
        {"originxr:plots": [7]},
        {"originxr:plots": ["p-5", "p-4"]},
        {"note": "dry season"},  # one key naming no plots
        {"plot_id": "p-6", "a:plots": ["p-1"]},
        {},
    ]
    events = [
        replace(add(f"h{i}", "farm-1", f"{W1}-{i}", 100, 0), ilmd=ilmd)
        for i, ilmd in enumerate(ilmds)
    ]
    made = tx("t1", "ferm", [(f"{W1}-{i}", 100) for i in range(len(ilmds))], [(D1, 400)], 5)
    result = trace([*events, made], D1)
    assert sorted(o.plot_ids for o in result.origins) == sorted({named_plots(e) for e in events})
    for origin in result.origins:
        named = {e.id for e in events if named_plots(e) == origin.plot_ids}
        assert set(origin.event_ids) == named
