"""Estimate the transport emissions of the batch's traced commodity, per kg of product.

A disclosure, not a test: the status is ok whenever every leg could be computed and
unknown otherwise. Factors are indicative defaults unless the brand sets its own::

    "emission_factors": {"road": {"value": 0.105, "unit": "kg CO2e/t-km", "source": "..."},
                         "sea": {...}},
    "detour_factors": {"road": {"value": 1.3, "source": "..."}, "sea": {...}}
"""

from __future__ import annotations

import math
from collections import defaultdict
from operator import itemgetter
from typing import Any

from server.core.evidence.continents import continent
from server.core.evidence.inputs import BatchInputs, Site
from server.core.evidence.parameters import DEFAULT_SOURCE, per_country, scalar
from server.core.evidence.result import CheckResult, plain, plain_columns
from server.core.evidence.trace_model import Step, Trace

KEY = "transport_emissions"
EARTH_RADIUS_KM = 6371.0088
MODES = ("road", "sea")
GLEC = "indicative, GLEC Framework v3 defaults; confirm"
DEFAULT_FACTORS = {
    "road": {"value": 0.105, "unit": "kg CO2e/t-km", "source": f"{GLEC} (road, truck)"},
    "sea": {"value": 0.016, "unit": "kg CO2e/t-km", "source": f"{GLEC} (sea, container ship)"},
}
DEFAULT_DETOURS = {
    "road": {"value": 1.3, "source": f"{DEFAULT_SOURCE}: road distance ~ 1.3 x great circle"},
    "sea": {"value": 1.2, "source": f"{DEFAULT_SOURCE}: sea route ~ 1.2 x great circle"},
}
# A row's numbers, made JSON-ready all rows at once.
NUMBERS = (
    "great_circle_km",
    "distance_km",
    "factor",
    "mass_kg",
    "emissions_kg",
    "kg_co2e_per_kg_product",
)
METHOD = (
    "Follow every lot on the batch's path through its events in time order; each time a lot "
    "is next seen at another site, it travelled a leg between the two sites. Legs between the "
    "same two sites are added up. Distance is the great-circle distance between the sites' "
    "coordinates times a detour factor for the mode. The mode is sea between two ports or "
    "between countries on different continents, else road. The mass on a leg is the part of "
    "the lot that ends up in the batch (transformations share their inputs over their outputs "
    "by mass). Emissions = distance (km) x mass (t) x the mode's factor (kg CO2e per t-km); "
    "the value is their sum divided by the batch's mass, in kg CO2e per kg of product, with "
    "an uncertainty band. Legs of untracked inputs (such as sugar) are not included. A leg "
    "without coordinates, country or mass is unknown, and so is the check."
)


def check_transport_emissions(inputs: BatchInputs, trace: Trace) -> CheckResult:
    """Return the batch's transport emissions in kg CO2e per kg of product."""
    factors = {m: _mode_parameter(inputs, "emission_factors", m, DEFAULT_FACTORS) for m in MODES}
    detours = {m: _mode_parameter(inputs, "detour_factors", m, DEFAULT_DETOURS) for m in MODES}
    band = scalar(inputs.parameters, "emission_uncertainty", 0.30)
    params: dict[str, Any] = {
        "emission_factors": factors,
        "detour_factors": detours,
        "emission_uncertainty": band,
    }
    sites = {s.id: s for s in inputs.sites}
    attributed = attributed_mass(inputs, trace)
    cited: dict[str, None] = {}  # the legs' events, in journey order (nearly sorted)
    legs = _legs(_moves_by_leg(trace), attributed, cited)
    rows, emissions = [], []  # JSON-ready rows; each leg's emissions as computed
    for (a, b), leg in sorted(legs.items(), key=lambda kv: (kv[1]["departed"], kv[0])):
        row, kg = _leg_row(sites.get(a), sites.get(b), a, b, leg, factors, detours)
        rows.append(row)
        emissions.append(kg)
    evidence = tuple(sorted(cited))
    product_kg = attributed.get(trace.batch_class)
    if not trace.journey or not product_kg:
        plain_columns(rows, NUMBERS)
        return CheckResult(
            KEY, "unknown", None, "kg CO2e/kg", METHOD, params, evidence, tuple(rows), ready=True
        )
    total = sum(kg for kg in emissions if kg is not None)
    for row, kg in zip(rows, emissions, strict=True):
        if kg is not None:
            row["kg_co2e_per_kg_product"] = kg / product_kg
    plain_columns(rows, NUMBERS)
    value = total / product_kg
    status = "unknown" if any(r["status"] == "unknown" for r in rows) else "ok"
    spread = band["value"]
    return CheckResult(
        KEY,
        status,
        value,
        "kg CO2e/kg",
        METHOD,
        params,
        evidence,
        tuple(rows),
        (value * (1 - spread), value * (1 + spread)),
        ready=True,
    )


def _mode_parameter(
    inputs: BatchInputs, name: str, mode: str, defaults: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    entry = per_country(inputs.parameters, name, mode)
    if entry is None:
        return dict(defaults[mode])
    return {**entry, "value": float(entry["value"]), "source": entry.get("source", "brand")}


def great_circle_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Return the haversine distance in km between two points given in degrees."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def transport_mode(a: Site, b: Site) -> str | None:
    """Return "sea" between ports or continents, "road" within one, None when undecidable."""
    if a.kind == "port" and b.kind == "port":
        return "sea"
    if not a.country or not b.country:
        return None
    if a.country.upper() == b.country.upper():
        return "road"
    ca, cb = continent(a.country), continent(b.country)
    if ca is None or cb is None:
        return None
    return "road" if ca == cb else "sea"


def lot_legs(trace: Trace) -> list[tuple[str, Step, Step]]:
    """Return (lot class, last step at one site, first step at the next) for every move.

    Steps without a known site are skipped: they cannot start or end a leg. Moves come
    by lot class, then in journey order.
    """
    moves = [move for group in _moves_by_leg(trace).values() for move in group]
    moves.sort(key=itemgetter(0))  # stable: each class's moves stay in journey order
    return moves


def _moves_by_leg(trace: Trace) -> dict[tuple[str, str], list[tuple[str, Step, Step]]]:
    """Return `lot_legs` grouped by (from site, to site), each group in `lot_legs` order."""
    last: dict[str, Step] = {}  # per lot class, its latest step at a known site so far
    legs: dict[tuple[str, str], list[tuple[str, Step, Step]]] = defaultdict(list)
    for step in trace.journey:
        site = step.site_id
        if site is None:
            continue
        for cls in step.lots:
            before = last.get(cls)
            if before is not None and before.site_id != site:
                legs[(before.site_id or "", site or "")].append((cls, before, step))
            last[cls] = step
    for moves in legs.values():
        moves.sort(key=itemgetter(0))  # stable: each class's moves stay in journey order
    return legs


def _legs(
    moves_by_leg: dict[tuple[str, str], list[tuple[str, Step, Step]]],
    attributed: dict[str, float | None],
    cited: dict[str, None],
) -> dict[tuple[str, str], dict[str, Any]]:
    """Return the moves added up per (from site, to site), masses in `lot_legs` order; add
    the events of the moves to `cited`."""
    legs = {}
    for key, group in moves_by_leg.items():
        mass: float | None = 0.0
        lots: dict[str, None] = {}  # sorted, as the group
        departed = group[0][1].time
        for cls, before, step in group:
            kg = attributed.get(cls)
            mass = None if kg is None or mass is None else mass + kg
            lots[cls] = None
            if before.time < departed:  # the first of the earliest, as min() gives
                departed = before.time
            cited[before.event_id] = None
            cited[step.event_id] = None
        legs[key] = {"lots": list(lots), "mass_kg": mass, "departed": departed}
    return legs


def attributed_mass(inputs: BatchInputs, trace: Trace) -> dict[str, float | None]:
    """Return, per lot class, the kg of it that ends up in the batch (None when unknown).

    The batch is its stated quantity (else what its transformations made). Going back from
    the latest transformation, each one passes on the share of its output mass the batch
    draws, in proportion, to all its inputs.
    """
    produced: dict[str, float | None] = {}
    for t in trace.transformations:
        for flow in t.outputs:
            before = produced.get(flow.epc_class, 0.0)
            kg = flow.quantity_kg
            produced[flow.epc_class] = None if kg is None or before is None else before + kg
    root = trace.batch_class
    mass: dict[str, float | None] = {root: inputs.batch_quantity_kg or produced.get(root)}
    for t in reversed(trace.transformations):
        drawn: float | None = 0.0
        for flow in t.outputs:
            want = mass.get(flow.epc_class, 0.0)
            made = produced.get(flow.epc_class)
            if want == 0.0 or drawn is None:
                continue
            if want is None or made is None or not made or flow.quantity_kg is None:
                drawn = None
            else:
                drawn += want * flow.quantity_kg / made
        out_kg = t.output_kg
        share = None if drawn is None or not out_kg else drawn / out_kg
        for flow in t.inputs:
            before = mass.get(flow.epc_class, 0.0)
            add = None if share is None or flow.quantity_kg is None else share * flow.quantity_kg
            mass[flow.epc_class] = None if add is None or before is None else before + add
    return mass


def _leg_row(
    a: Site | None,
    b: Site | None,
    a_id: str,
    b_id: str,
    leg: dict[str, Any],
    factors: dict[str, dict[str, Any]],
    detours: dict[str, dict[str, Any]],
) -> tuple[dict[str, Any], float | None]:
    """Return a leg's row (JSON-ready but for its `NUMBERS`) and its emissions in kg (None
    if unknown)."""
    row: dict[str, Any] = {
        "from": a_id,
        "to": b_id,
        "departed": plain(leg["departed"]),
        "lots": leg["lots"],  # sorted, as `_legs` makes it
        "great_circle_km": None,
        "distance_km": None,
        "mode": None,
        "factor": None,
        "mass_kg": leg["mass_kg"],
        "emissions_kg": None,
        "kg_co2e_per_kg_product": None,
    }
    if a is None or b is None:
        row.update(status="unknown", reason="a site is not registered")
        return row, None
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        row.update(status="unknown", reason="a site has no coordinates")
        return row, None
    crow = great_circle_km(a.lat, a.lon, b.lat, b.lon)
    row["great_circle_km"] = crow
    mode = transport_mode(a, b)
    if mode is None:
        row.update(status="unknown", reason="a site's country or continent is unknown")
        return row, None
    distance = crow * detours[mode]["value"]
    factor = factors[mode]["value"]
    row.update(mode=mode, distance_km=distance, factor=factor)
    if leg["mass_kg"] is None:
        row.update(status="unknown", reason="the mass carried is unknown")
        return row, None
    emitted = distance * leg["mass_kg"] / 1000 * factor
    row.update(emissions_kg=emitted, status="ok", reason=None)
    return row, emitted
