"""Tests for the trace's journey order, problems order, plots and materials read once.

Each test sets up a case where a shortcut the trace takes (events already in time order,
every event on the journey, a remembered ILMD key, a material found by GTIN prefix) would
give a different answer from the general path if it were wrong.
"""

from __future__ import annotations

from datetime import timedelta

from server.core.evidence.event_reading import class_gtin, named_plots
from server.core.evidence.inputs import Material, TraceEvent
from server.core.evidence.trace_materials import ClassKinds
from server.core.evidence.trace_model import Problem
from server.core.evidence.trace_plots import NamedPlots
from server.core.gs1.identifiers import CANONICAL_HOST, lot_class
from tests.core.evidence.test_trace import D1, DRY, T0, W1, W2, WET, _gtin, add, move, trace, tx


def test_events_at_one_time_follow_their_ids_though_the_times_are_in_order() -> None:
    # times never go back, so only the ids of equal times put the steps out of order
    events = [
        add("h1", "farm-1", W1, 10, 0),
        move("s2", "coop", W1, 1),
        move("s1", "coop", W1, 1),
        move("s3", "coop", W1, 2),
    ]
    result = trace(events, W1)
    assert [s.event_id for s in result.journey] == ["h1", "s1", "s2", "s3"]
    assert [(lot.epc_class, lot.event_ids) for lot in result.lots] == [
        (W1, ("h1", "s1", "s2", "s3"))
    ]


def test_events_in_time_and_id_order_keep_it() -> None:
    events = [
        add("h1", "farm-1", W1, 10, 0),
        add("h2", "farm-2", W2, 10, 0),
        tx("t1", "ferm", [(W1, 10), (W2, 10)], [(D1, 8)], 1),
        move("s1", "coop", D1, 1),
    ]
    forward, backward = trace(events, D1), trace(events[::-1], D1)
    assert [s.event_id for s in forward.journey] == ["h1", "h2", "s1", "t1"]
    assert forward == backward


def test_events_off_the_path_are_left_out_and_lots_name_reached_classes_only() -> None:
    other = lot_class(DRY, "D9")  # made from W2, but not part of the batch
    events = [
        add("h1", "farm-1", W1, 10, 0),
        add("h2", "farm-2", W2, 10, 0),
        tx("t1", "ferm", [(W1, 10)], [(D1, 8)], 1),
        tx("t2", "ferm", [(W2, 10)], [(other, 8)], 1),
        # an observation of both dry lots: on the journey, naming D1 only
        TraceEvent(
            "s1",
            "ObjectEvent",
            T0 + timedelta(days=2),
            "shipping",
            "OBSERVE",
            quantities=move("x", "coop", D1, 2).quantities + move("x", "coop", other, 2).quantities,
        ),
    ]
    result = trace(events, D1)
    assert [(s.event_id, s.lots) for s in result.journey] == [
        ("h1", (W1,)),
        ("t1", tuple(sorted((W1, D1)))),
        ("s1", (D1,)),
    ]
    assert {lot.epc_class for lot in result.lots} == {W1, D1}


def test_problems_alike_but_for_their_message_come_in_message_order() -> None:
    # one harvest id used twice, naming two sets of plots the farm does not have
    def harvest(lot: str, plots: list[str]) -> TraceEvent:
        event = add("h1", "farm-1", lot, 100, 0)
        return TraceEvent(
            event.id,
            event.type,
            event.time,
            event.biz_step,
            event.action,
            event.biz_location,
            quantities=event.quantities,
            ilmd={"originxr:plots": plots},
        )

    events = [
        harvest(W1, ["p-b"]),
        harvest(W2, ["p-a", "p-b"]),
        tx("t1", "ferm", [(W1, 100), (W2, 100)], [(D1, 80)], 5),
    ]
    for order in (events, events[::-1]):
        result = trace(order, D1)
        assert [(p.kind, p.message) for p in result.problems] == [
            ("unknown_plot", "p-a, p-b: not all plots of farm-1"),
            ("unknown_plot", "p-b: not all plots of farm-1"),
        ]


def test_named_plots_remembers_keys_across_ilmd_shapes() -> None:
    ilmds: list[dict[str, object]] = [
        {"originxr:plots": ["p-1"]},
        {"originxr:plots": "p-2"},
        {"originxr:plots": [7]},
        {"originxr:plots": ["p-2", "p-1"]},
        {"originxr:plots": []},
        {"note": "dry season"},
        {"plot_id": "p-3"},
        {"originxr:plots": ["p-4"], "note": "x"},
        {"originxr:plots": ["p-5"]},
    ]
    plots = NamedPlots()
    for ilmd in ilmds * 2:
        event = TraceEvent("h1", "ObjectEvent", T0, action="ADD", ilmd=ilmd)
        assert plots.named(event) == named_plots(event), ilmd


def test_class_kinds_read_a_gtin_once_and_report_each_unknown_class() -> None:
    problems: list[Problem] = []
    kinds = ClassKinds((Material(WET, "Wet", True), Material(DRY, "Dry", False)), problems)
    unknown = lot_class(_gtin(555), "X1")  # a GTIN of no material
    assert kinds.of(lot_class(WET, "A")) == (WET, "Wet", True)
    assert kinds.of(lot_class(WET, "B")) == (WET, "Wet", True)  # by the remembered prefix
    assert kinds.of(lot_class(DRY, "A")) == (DRY, "Dry", False)
    # a class that ends in a newline right after its GTIN is read whole, as class_gtin does
    odd = f"{CANONICAL_HOST}/01/{WET}\n"
    assert kinds.of(odd) == (class_gtin(odd), "Wet", True)
    assert kinds.of(unknown) == (class_gtin(unknown), None, True)
    assert kinds.of("urn:x:lot") == (None, None, True)
    assert kinds.of(unknown) == (class_gtin(unknown), None, True)  # reported once
    assert [p.classes for p in problems] == [(unknown,), ("urn:x:lot",)]
