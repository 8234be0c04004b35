"""Time the trace graph and the evidence report on a synthetic batch of ~20,000 events.

Run from the repository root::

    .venv/bin/python -m bench.bench_evidence [--farms 500] [--repeat 5]
        [--save FILE] [--baseline FILE]

It prints the median seconds of each stage; with ``--baseline`` it prints earlier figures
(written by ``--save``) side by side. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import load_baseline, print_table, save
from workers.evidence.inputs import (
    BatchInputs,
    EvidenceRecord,
    Material,
    Plot,
    Quantity,
    Site,
    TraceEvent,
)
from workers.evidence.report import CHECKS, build_report
from workers.identifiers import gs1_check_digit, location_id, lot_class
from workers.trace import build_trace


def _gtin(n: int) -> str:
    body = f"0952012300{n:03d}"
    return body + gs1_check_digit(body)


def _loc(ref: int) -> str:
    body = f"9520123{ref:05d}"
    return location_id(body + gs1_check_digit(body))


WET, FERM, DRY, LIQUOR, SUGAR, BAR = (_gtin(n) for n in (1, 2, 3, 5, 7, 100))


def synthetic_inputs(farms: int = 500, harvests_per_farm: int = 30) -> BatchInputs:
    """Return a batch fed by `farms` farms through fermentation, drying and a factory."""
    t0 = datetime(2024, 10, 1, tzinfo=UTC)
    sites = [
        Site("coop", "cooperative", "Coop", _loc(90001), "GH", 6.6, -1.6),
        Site("ferm", "fermentary", "Fermentary", _loc(90002), "GH", 6.6, -1.6),
        Site("port", "port", "Port", _loc(90003), "GH", 5.1, -1.3),
        Site("factory", "factory", "Factory", _loc(90004), "BE", 51.0, 4.4),
    ]
    plots: list[Plot] = []
    events: list[TraceEvent] = []
    evidence: list[EvidenceRecord] = []
    wet_lots: list[tuple[str, datetime]] = []
    for f in range(farms):
        farm = f"farm-{f:04d}"
        lon, lat = -2.5 + (f % 50) * 0.01, 6.0 + (f // 50) * 0.01
        sites.append(Site(farm, "farm", farm, _loc(f + 1), "GH", lat, lon))
        side = 0.0013
        ring = [
            [lon, lat],
            [lon + side, lat],
            [lon + side, lat + side],
            [lon, lat + side],
            [lon, lat],
        ]
        geometry = {
            "type": "Polygon",
            "coordinates": [[[round(x + 1e-6, 6), round(y + 1e-6, 6)] for x, y in ring]],
        }
        plots.append(Plot(f"plot-{f:04d}a", farm, geometry, 2.0, "GH"))
        plots.append(
            Plot(
                f"plot-{f:04d}b",
                farm,
                {"type": "Point", "coordinates": [lon + 0.005001, lat + 0.005001]},
                1.5,
                "GH",
            )
        )
        for h in range(harvests_per_farm):
            lot = lot_class(WET, f"W{f:04d}-{h:02d}")
            when = t0 + timedelta(days=h * 6, hours=f % 24)
            events.append(
                TraceEvent(
                    f"h-{f}-{h}",
                    "ObjectEvent",
                    when,
                    "harvesting",
                    "ADD",
                    _loc(f + 1),
                    quantities=(Quantity(lot, 40.0, "KGM"),),
                    ilmd={"originxr:plots": [f"plot-{f:04d}a"]},
                )
            )
            if h % 3 == 0:
                events.append(
                    TraceEvent(
                        f"r-{f}-{h}",
                        "ObjectEvent",
                        when + timedelta(hours=5),
                        "receiving",
                        "OBSERVE",
                        _loc(90001),
                        quantities=(Quantity(lot, 40.0, "KGM"),),
                    )
                )
            wet_lots.append((lot, when))
        for p in ("a", "b"):
            evidence.append(
                EvidenceRecord(
                    f"ev-defor-{f}{p}",
                    "deforestation_assessment",
                    "plot",
                    f"plot-{f:04d}{p}",
                    "desk",
                    date(2024, 8, 1),
                    None,
                    {"status": "no_deforestation", "cutoff": "2020-12-31"},
                )
            )
        evidence.append(
            EvidenceRecord(
                f"ev-clmrs-{f}",
                "clmrs_visit",
                "site",
                farm,
                "coop",
                date(2024, 6, 1),
                None,
                {
                    "site": farm,
                    "visit_on": "2024-06-01",
                    "children_identified": f % 7 == 0,
                    "follow_up_visits": 2,
                },
            )
        )
        evidence.append(
            EvidenceRecord(
                f"ev-pay-{f}",
                "farmgate_payment",
                "site",
                farm,
                "coop",
                date(2025, 2, 10),
                None,
                {
                    "site": farm,
                    "paid_on": "2025-02-10",
                    "quantity_kg": 400,
                    "amount": 16000.0,
                    "currency": "GHS",
                },
            )
        )
    wet_lots.sort(key=lambda lw: (lw[1], lw[0]))
    group = 30
    ferm_lots: list[tuple[str, float, datetime]] = []
    for j in range(0, len(wet_lots), group):
        chunk = wet_lots[j : j + group]
        out = lot_class(FERM, f"F{j // group:05d}")
        when = chunk[-1][1] + timedelta(days=1)
        events.append(
            TraceEvent(
                f"t-ferm-{j}",
                "TransformationEvent",
                when,
                "fermenting",
                None,
                _loc(90002),
                inputs=tuple(Quantity(c, 40.0) for c, _ in chunk),
                outputs=(Quantity(out, 36.0 * len(chunk)),),
            )
        )
        ferm_lots.append((out, 36.0 * len(chunk), when))
    dry_lots: list[tuple[str, float]] = []
    for j in range(0, len(ferm_lots), 5):
        batch = ferm_lots[j : j + 5]
        out = lot_class(DRY, f"D{j // 5:05d}")
        mass = sum(m for _, m, _ in batch) * 0.4
        when = batch[-1][2] + timedelta(days=7)
        events.append(
            TraceEvent(
                f"t-dry-{j}",
                "TransformationEvent",
                when,
                "drying",
                None,
                _loc(90002),
                inputs=tuple(Quantity(c, m) for c, m, _ in batch),
                outputs=(Quantity(out, mass),),
            )
        )
        events.append(
            TraceEvent(
                f"s-{j}",
                "ObjectEvent",
                when + timedelta(days=3),
                "departing",
                "OBSERVE",
                _loc(90003),
                quantities=(Quantity(out, mass),),
            )
        )
        dry_lots.append((out, mass))
    total = sum(m for _, m in dry_lots)
    liquor, bar = lot_class(LIQUOR, "L1"), lot_class(BAR, "NK-BENCH")
    end = t0 + timedelta(days=400)
    events.append(
        TraceEvent(
            "t-liquor",
            "TransformationEvent",
            end,
            "transforming",
            None,
            _loc(90004),
            inputs=tuple(Quantity(c, m) for c, m in dry_lots),
            outputs=(Quantity(liquor, total * 0.8),),
        )
    )
    events.append(
        TraceEvent(
            "t-bar",
            "TransformationEvent",
            end + timedelta(days=1),
            "transforming",
            None,
            _loc(90004),
            inputs=(Quantity(liquor, total * 0.8), Quantity(lot_class(SUGAR, "S1"), total * 0.5)),
            outputs=(Quantity(bar, total * 1.3),),
        )
    )
    parameters: dict[str, Any] = {
        "expected_yield_kg_per_ha": {"GH": {"value": 450, "source": "bench"}},
        "regional_max_yield_kg_per_ha": {"GH": {"value": 1333, "source": "bench"}},
        "living_income_reference_price": {
            "GH": {"value": 2.68, "currency": "USD", "valid_from": "2025-01-01", "source": "bench"}
        },
        "exchange_rates": [{"from": "GHS", "to": "USD", "rate": 0.068, "on": "2025-01-15"}],
    }
    materials = (
        Material(WET, "Wet", True, 0.4),
        Material(FERM, "Fermented", True, 0.41),
        Material(DRY, "Dry", True),
        Material(LIQUOR, "Liquor", True, 1.25),
        Material(SUGAR, "Sugar", False),
        Material(BAR, "Bar", False),
    )
    return BatchInputs(
        bar,
        total * 1.3,
        date(2025, 11, 30),
        tuple(events),
        tuple(sites),
        tuple(plots),
        materials,
        tuple(evidence),
        parameters,
    )


def _median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(farms: int, repeat: int) -> dict[str, float]:
    """Return median seconds per stage for a synthetic batch of `farms` farms."""
    start = time.perf_counter()
    inputs = synthetic_inputs(farms)
    figures = {"build_inputs": time.perf_counter() - start, "events": float(len(inputs.events))}
    figures["trace"] = _median_seconds(lambda: build_trace(inputs), repeat)
    trace = build_trace(inputs)
    for key, check in CHECKS:
        figures[f"check.{key}"] = _median_seconds(partial(check, inputs, trace), repeat)
    figures["report"] = _median_seconds(lambda: build_report(inputs), repeat)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally save or compare figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--farms", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    args = parser.parse_args(argv)
    figures = measure(args.farms, args.repeat)
    units = {name: "" if name == "events" else "s" for name in figures}
    print_table(figures, load_baseline(args.baseline), units)
    save(args.save, figures, farms=args.farms, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
