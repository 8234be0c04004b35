"""Check each transformation on the batch's path against its expected conversion ratio.

Ranges come from the brand's ``conversion_ratios`` parameter, a list of
``{"from": GTIN, "to": GTIN, "min": 0.36, "max": 0.44, "source": "..."}``; ``"*"`` as
``from`` means "all inputs together" (mixed inputs, such as liquor, butter and sugar made
into chocolate) and as ``to`` any output. A pair the brand did not set falls back to the
defaults below, matched on the materials' names, and says so in its source.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from server.core.evidence.inputs import BatchInputs
from server.core.evidence.lot_gtins import LotGtins
from server.core.evidence.parameters import DEFAULT_SOURCE, scalar, sourced
from server.core.evidence.result import CheckResult, plain_columns, worst
from server.core.evidence.trace_model import Flow, Trace, Transformation
from server.core.evidence.uncertainty import MASS_SOURCE, MASS_TOLERANCE

KEY = "conversion_balance"
ALL = "*"
METHOD = (
    "For every transformation on the batch's path, add up input and output masses per "
    "material (GTIN). With one input material, each output material's mass divided by the "
    "input mass is compared with the expected range for that pair (input -> output); with "
    "several input materials, or when input and output are the same material, the total "
    "output mass divided by the total input mass (tracked and untracked inputs) is compared "
    "with the range for mixed inputs. Ranges come from the brand's conversion_ratios, else "
    "from originxr defaults matched on the materials' names. A ratio inside its range is ok; "
    "outside it by less than the tolerance (relative to the nearer bound) warns; further out "
    "fails. A transformation with a missing mass or no known range is unknown. The check "
    "takes the worst transformation; the value is the share of transformations in range. "
    "Uncertainty band: every mass may be off by the mass-measurement tolerance, so a ratio "
    "may be off by about twice that; the band runs from the share of transformations whose "
    "ratios are in range even at their worst to the share whose ratios could be in range. "
    "Statuses use the ratios as weighed, not the band."
)

# (from stage, to stage, min, max, why); stages are matched on material names by _stage.
DEFAULT_RATIOS: tuple[tuple[str, str, float, float, str], ...] = (
    ("wet beans", "fermented beans", 0.95, 1.00, "pulp sweatings drain during fermentation"),
    ("fermented beans", "dried beans", 0.35, 0.45, "drying to 6-8 % moisture"),
    ("wet beans", "dried beans", 0.33, 0.45, "fermentation and drying in one step"),
    ("dried beans", "nibs", 0.75, 0.88, "roasting and winnowing: shell and moisture lost"),
    ("nibs", "liquor", 0.95, 1.00, "grinding losses"),
    ("liquor", "butter", 0.40, 0.50, "pressing liquor of 50-56 % fat"),
    ("liquor", "press cake", 0.48, 0.60, "pressing, cake at 10-22 % residual fat"),
    (ALL, ALL, 0.97, 1.01, "mixing conserves mass: total output vs total input"),
)
_STAGE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fermented beans", ("ferment",)),
    ("wet beans", ("wet",)),
    ("dried beans", ("dried", "dry bean")),
    ("nibs", ("nib",)),
    ("liquor", ("liquor", "cocoa mass")),
    ("butter", ("butter",)),
    ("press cake", ("press cake", "cake")),
)


def check_conversion_balance(inputs: BatchInputs, trace: Trace) -> CheckResult:
    """Return the conversion ratio of every transformation on the batch's path vs its range."""
    tolerance = scalar(inputs.parameters, "conversion_tolerance", 0.10)
    mass = sourced(inputs.parameters, "mass_measurement_tolerance", MASS_TOLERANCE, MASS_SOURCE)
    brand_ranges = _brand_ranges(inputs.parameters.get("conversion_ratios"))
    used: dict[tuple[str, str, float, float, str], dict[str, Any]] = {}
    rows = []
    gtin_of = LotGtins()
    on_path = {lot.epc_class for lot in trace.lots}
    # The journey also holds transformations that use the batch's lots for something else.
    made_for_batch = [
        t for t in trace.transformations if any(f.epc_class in on_path for f in t.outputs)
    ]
    for t in made_for_batch:
        row = _row(t, brand_ranges, tolerance["value"], mass["value"], gtin_of)
        for pair in row["pairs"]:
            if pair["min"] is not None:
                key = (pair["from"], pair["to"], pair["min"], pair["max"], pair["source"])
                used[key] = dict(zip(("from", "to", "min", "max", "source"), key, strict=True))
        rows.append(row)
    _plain(rows)  # the ranges and statuses above read the numbers as computed
    params: dict[str, Any] = {
        "conversion_tolerance": tolerance,
        "conversion_ratios": [used[k] for k in sorted(used)],
        "mass_measurement_tolerance": mass,
    }
    evidence = tuple(sorted(t.event_id for t in made_for_batch))
    if not rows:
        return CheckResult(KEY, "unknown", None, "ratio", METHOD, params, evidence, ready=True)
    in_range = sum(1 for r in rows if r["status"] == "ok") / len(rows)
    status = worst({r["status"] for r in rows})
    surely = sum(1 for r in rows if r["in_range"] == "surely") / len(rows)
    possibly = sum(1 for r in rows if r["in_range"] in ("surely", "possibly")) / len(rows)
    return CheckResult(
        KEY,
        status,
        in_range,
        "ratio",
        METHOD,
        params,
        evidence,
        tuple(rows),
        (surely, possibly),
        ready=True,
    )


def _plain(rows: list[dict[str, Any]]) -> None:
    """Make the numbers of `rows`, their lines' and their pairs' JSON-ready, all at once."""
    plain_columns(rows, ("tracked_input_kg", "input_kg", "output_kg"))
    lines = [line for row in rows for side in ("inputs", "outputs") for line in row[side]]
    plain_columns(lines, ("quantity_kg",))
    pairs = [pair for row in rows for pair in row["pairs"]]
    plain_columns(pairs, ("ratio", "ratio_low", "ratio_high", "min", "max", "deviation"))


def _brand_ranges(raw: Any) -> dict[tuple[str, str], dict[str, Any]]:
    ranges: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or not {"from", "to", "min", "max"} <= set(entry):
            continue
        ranges[(str(entry["from"]), str(entry["to"]))] = {
            "min": float(entry["min"]),
            "max": float(entry["max"]),
            "source": str(entry.get("source", "brand parameters")),
        }
    return ranges


def _stage(name: str | None) -> str | None:
    """Return the processing stage a material's name suggests (for the default ranges)."""
    text = (name or "").lower()
    for stage, words in _STAGE_WORDS:
        if any(word in text for word in words):
            return stage
    return None


@lru_cache(maxsize=256)
def _default_range(from_name: str | None, to_name: str | None) -> dict[str, Any] | None:
    # Cached: transformations repeat a few material pairs. The dict is only ever read.
    pair = (ALL, ALL) if from_name == ALL else (_stage(from_name), _stage(to_name))
    for a, b, low, high, why in DEFAULT_RATIOS:
        if (a, b) == pair:
            return {"min": low, "max": high, "source": f"{DEFAULT_SOURCE}: {why}"}
    return None


def _materials(flows: Iterable[Flow], gtin_of: LotGtins) -> dict[str, dict[str, Any]]:
    """Return flows summed per GTIN (the lot class when it has none), in first-seen order."""
    out: dict[str, dict[str, Any]] = {}
    for epc_class, material, tracked, kg in flows:
        key = gtin_of(epc_class) or epc_class
        line = out.get(key)
        if line is None:  # a sum from 0.0, as ever: an int or -0.0 mass becomes a float
            total = None if kg is None else 0.0 + kg
            out[key] = {"gtin": key, "material": material, "tracked": tracked, "quantity_kg": total}
        elif kg is None or line["quantity_kg"] is None:
            line["quantity_kg"] = None
        else:
            line["quantity_kg"] += kg
    return out


def _in_range(pairs: list[dict[str, Any]]) -> str | None:
    """Return "surely", "possibly" or "not" for ratios and their bands against their ranges."""
    if not pairs or any(p["ratio_low"] is None or p["min"] is None for p in pairs):
        return None
    lows = [p["ratio_low"] >= p["min"] - 1e-9 and p["ratio_high"] <= p["max"] + 1e-9 for p in pairs]
    if all(lows):
        return "surely"
    could = [
        p["ratio_high"] >= p["min"] - 1e-9 and p["ratio_low"] <= p["max"] + 1e-9 for p in pairs
    ]
    return "possibly" if all(could) else "not"


def _row(
    t: Transformation,
    brand: dict[tuple[str, str], dict[str, Any]],
    tolerance: float,
    mass_tolerance: float,
    gtin_of: LotGtins,
) -> dict[str, Any]:
    """Return the row of one transformation (JSON-ready once `_plain` made its numbers so)."""
    ins, outs = _materials(t.inputs, gtin_of), _materials(t.outputs, gtin_of)
    masses = [m["quantity_kg"] for m in (*ins.values(), *outs.values())]
    input_kg = _total(ins.values())
    output_kg = _total(outs.values())
    row: dict[str, Any] = {
        "event": t.event_id,
        "time": t.time.isoformat(),
        "site": t.site_id,
        "inputs": list(ins.values()),
        "outputs": list(outs.values()),
        "tracked_input_kg": t.tracked_input_kg,
        "input_kg": input_kg,
        "output_kg": output_kg,
    }
    if not ins or not outs:
        return {
            **row,
            "pairs": [],
            "status": "unknown",
            "reason": "no inputs or no outputs",
            "in_range": None,
        }
    if len(ins) == 1 and set(ins) != set(outs):
        (source,) = ins.values()
        pairs = [_pair(source, out, brand, tolerance, mass_tolerance) for out in outs.values()]
    else:
        mixed = {"gtin": ALL, "material": ALL, "quantity_kg": input_kg}
        target = next(iter(outs.values())) if len(outs) == 1 else None
        total = {"gtin": ALL, "material": ALL, "quantity_kg": output_kg}
        pairs = [_pair(mixed, total, brand, tolerance, mass_tolerance, target)]
    status = worst(p["status"] for p in pairs)
    reason = None
    if any(kg is None for kg in masses):
        reason = "a mass is missing or not in a mass unit"
    elif status != "ok":
        reason = next(p["reason"] for p in pairs if p["status"] == status)
    return {**row, "pairs": pairs, "status": status, "reason": reason, "in_range": _in_range(pairs)}


def _total(lines: Iterable[dict[str, Any]]) -> float | None:
    masses = [line["quantity_kg"] for line in lines]
    return None if any(m is None for m in masses) else sum(masses)


def _pair(
    source: dict[str, Any],
    target: dict[str, Any],
    brand: dict[tuple[str, str], dict[str, Any]],
    tolerance: float,
    mass_tolerance: float,
    mixed_output: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Compare target mass / source mass with the range for (source, target)."""
    keys = [(source["gtin"], target["gtin"])]
    if mixed_output is not None:
        keys.insert(0, (ALL, mixed_output["gtin"]))
    found = next((brand[k] for k in keys if k in brand), None)
    if found is None:
        found = _default_range(source["material"], target["material"])
    pair: dict[str, Any] = {
        "from": source["gtin"],
        "to": target["gtin"],
        "from_material": source["material"],
        "to_material": target["material"],
        "ratio": None,
        "ratio_low": None,
        "ratio_high": None,
        "min": None if found is None else found["min"],
        "max": None if found is None else found["max"],
        "source": None if found is None else found["source"],
        "deviation": None,
    }
    if source["quantity_kg"] is None or target["quantity_kg"] is None:
        return {**pair, "status": "unknown", "reason": "a mass is missing or not in a mass unit"}
    if source["quantity_kg"] <= 0:
        return {**pair, "status": "unknown", "reason": "input mass is zero"}
    ratio = target["quantity_kg"] / source["quantity_kg"]
    # Output weighed light and input heavy, and the other way round.
    pair["ratio"] = ratio
    pair["ratio_low"] = ratio * (1 - mass_tolerance) / (1 + mass_tolerance)
    pair["ratio_high"] = ratio * (1 + mass_tolerance) / (1 - mass_tolerance)
    if found is None:
        return {
            **pair,
            "status": "unknown",
            "reason": f"no expected ratio for {source['material']} -> {target['material']}",
        }
    low, high = found["min"], found["max"]
    if ratio < low - 1e-9:
        deviation = (low - ratio) / low if low > 0 else low - ratio
    elif ratio > high + 1e-9:
        deviation = (ratio - high) / high if high > 0 else ratio - high
    else:
        return {**pair, "deviation": 0.0, "status": "ok", "reason": None}
    status = "warn" if deviation < tolerance else "fail"
    side = "below" if ratio < low else "above"
    return {
        **pair,
        "deviation": deviation,
        "status": status,
        "reason": f"ratio {ratio:.3f} is {deviation:.1%} {side} the range {low:g}-{high:g}",
    }
