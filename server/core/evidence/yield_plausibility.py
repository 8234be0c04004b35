"""Check each origin farm's deliveries per season against what its plots can grow."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from typing import Any

from server.core.evidence.event_reading import ilmd_value, is_creation, mass_kg, site_at, site_index
from server.core.evidence.inputs import BatchInputs, Plot, Site, TraceEvent
from server.core.evidence.parameters import per_country, scalar, sourced
from server.core.evidence.plots import plot_area_perimeter, plots_by_farm, prime_shapes
from server.core.evidence.result import CheckResult, worst
from server.core.evidence.trace_model import Trace
from server.core.evidence.uncertainty import (
    MASS_SOURCE,
    MASS_TOLERANCE,
    max_band,
    quotient_band,
    relative,
)
from server.core.gs1.identifiers import gtin_of

KEY = "yield_plausibility"
METHOD = (
    "For each farm feeding the batch and each season of its lots in the batch, add up every "
    "harvest (ADD event of a tracked material at the farm) in that season, times the "
    "material's yield basis factor (dry-equivalent kg). Season: the crop year named in the "
    'harvest event\'s ILMD season ("2024/25 main crop" -> 2024/2025: main and light crop '
    "together, as expected yields are per year), else the October-September crop year of the "
    "event time. Compare with the farm's "
    "plot area (geodesic area of polygons, declared area of points) times the expected yield "
    "for the farm's country: warn above the warn ratio of that estimate, fail when the yield "
    "per hectare exceeds the regional maximum (a sign of cocoa of unknown origin blended in). "
    "The check takes the worst farm row; the value is the highest ratio. Uncertainty band: "
    "a polygon's area may be off by its perimeter times the GPS accuracy (a strip that wide "
    "along every edge), a declared area by the declared-area uncertainty, and delivered "
    "masses by the mass-measurement tolerance; the band is the farm ratio with these errors "
    "at their worst, and the check's band that of the highest ratio. It leaves out the "
    "uncertainty of the expected yield itself; statuses use the ratio, not the band."
)
GPS_ACCURACY_M = 5.0
GPS_SOURCE = (
    "unconfirmed originxr default: horizontal accuracy of a phone or hand-held GNSS "
    "receiver, about 3-5 m in the open (GPS.gov performance standard ~4 m 95 %), worse "
    "under cocoa canopy"
)
DECLARED_AREA_UNCERTAINTY = 0.25
DECLARED_SOURCE = (
    "unconfirmed originxr default: farmer-declared cocoa plot areas commonly differ from "
    "measured ones by a quarter or more"
)
_CROP_YEAR = re.compile(r"\b(\d{4})\s*[/-]\s*(\d{2}|\d{4})\b")
_SEASON_KEYS = frozenset({"season", "cropyear", "crop_year", "harvestseason", "harvest_season"})


def season_of(event: TraceEvent) -> str:
    """Return a harvest's season: its ILMD season, else the Oct-Sep crop year ("2024/2025")."""
    named = ilmd_value(event.ilmd, _SEASON_KEYS)
    if not named:
        return crop_year(event.time)
    # "2024/25 main crop" and "2025 light crop" of one crop year are one season here, since the
    # expected yields are per year.
    found = _CROP_YEAR.search(str(named))
    return f"{found.group(1)}/{int(found.group(1)) + 1}" if found else str(named)


def crop_year(time: datetime) -> str:
    """Return the October-September crop year containing `time`, e.g. "2024/2025"."""
    start = time.year if time.month >= 10 else time.year - 1
    return f"{start}/{start + 1}"


def check_yield_plausibility(inputs: BatchInputs, trace: Trace) -> CheckResult:
    """Return deliveries vs plot-area estimates for the batch's farms, per season."""
    warn_ratio = scalar(inputs.parameters, "yield_warn_ratio", 1.0)
    params: dict[str, Any] = {
        "yield_warn_ratio": warn_ratio,
        "gps_accuracy_m": sourced(inputs.parameters, "gps_accuracy_m", GPS_ACCURACY_M, GPS_SOURCE),
        "declared_area_uncertainty": sourced(
            inputs.parameters,
            "declared_area_uncertainty",
            DECLARED_AREA_UNCERTAINTY,
            DECLARED_SOURCE,
        ),
        "mass_measurement_tolerance": sourced(
            inputs.parameters, "mass_measurement_tolerance", MASS_TOLERANCE, MASS_SOURCE
        ),
    }
    sites = site_index(inputs.sites)
    factors = {m.gtin: (m.tracked, m.yield_basis_factor) for m in inputs.materials}
    factor_of: dict[str, tuple[bool, float]] = {}  # per lot class, to parse each GTIN once
    events = {e.id: e for e in inputs.events}
    farms = set(trace.farm_ids)
    # (farm, season) -> harvest events at the farm (all of them, not only this batch's lots).
    harvests: dict[tuple[str, str], list[TraceEvent]] = defaultdict(list)
    for event in inputs.events:
        site = site_at(sites, event.biz_location) if is_creation(event) else None
        if site is not None and site.id in farms:
            harvests[(site.id, season_of(event))].append(event)
    wanted = sorted({(o.farm_id, season_of(events[e])) for o in trace.origins for e in o.event_ids})
    by_farm = plots_by_farm(inputs.plots)
    prime_shapes(inputs.plots, inputs.memo)
    measured: dict[str, list[Measured]] = {}  # per farm: each plot measured once, not per season
    rows = []
    for farm, season in wanted:
        site = sites.get(farm)
        delivered = 0.0
        ids = []
        for event in harvests[(farm, season)]:
            for q in event.outputs or event.quantities:
                if q.epc_class not in factor_of:
                    factor_of[q.epc_class] = factors.get(gtin_of(q.epc_class) or "", (True, 1.0))
                tracked, factor = factor_of[q.epc_class]
                kg = mass_kg(q)
                if tracked and kg is not None:
                    delivered += kg * factor
            ids.append(event.id)
        rows.append(
            _row(
                inputs,
                farm,
                season,
                site,
                measured.setdefault(
                    farm, [_measure(p, params, inputs.memo) for p in by_farm.get(farm, [])]
                ),
                delivered,
                ids,
                params,
            )
        )
    ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
    status = worst(r["status"] for r in rows) if rows else "unknown"
    evidence = tuple(sorted({e for r in rows for e in r["evidence"]}))
    bands = [(r["ratio_low"], r["ratio_high"]) for r in rows if r["ratio_high"] is not None]
    return CheckResult(
        KEY,
        status,
        max(ratios) if ratios else None,
        "ratio",
        METHOD,
        params,
        evidence,
        tuple(rows),
        # Only when every ratio has a band: else the highest ratio's band is not known.
        max_band(bands) if ratios and len(bands) == len(ratios) else None,
    )


Measured = tuple[Plot, float | None, str, tuple[float, float] | None]


def _measure(plot: Plot, params: dict[str, Any], memo: dict[Any, Any]) -> Measured:
    """Return (plot, area in ha, its source, (low, high) area) for one plot."""
    area, source, perimeter = plot_area_perimeter(plot, memo)
    if area is None:
        return plot, None, source, None
    return plot, area, source, area_band_ha(area, perimeter, params)


def area_band_ha(
    area: float, perimeter_m: float | None, params: dict[str, Any]
) -> tuple[float, float]:
    """Return the (low, high) area of a plot given GPS accuracy or declared-area uncertainty.

    A polygon traced with GPS positions off by up to `gps_accuracy_m` may be larger or
    smaller by a strip that wide along its whole boundary: perimeter x accuracy. An area
    without a measured perimeter is a declared one.
    """
    if perimeter_m is not None:
        strip = perimeter_m * params["gps_accuracy_m"]["value"] / 10_000
        return max(0.0, area - strip), area + strip
    low, high = relative(area, params["declared_area_uncertainty"]["value"])
    return max(0.0, low), high


def _row(
    inputs: BatchInputs,
    farm: str,
    season: str,
    site: Site | None,
    measured: list[Measured],
    delivered: float,
    ids: list[str],
    params: dict[str, Any],
) -> dict[str, Any]:
    plots = [plot for plot, *_ in measured]
    country = site.country if site and site.country else next((p.country for p in plots), None)
    areas = [(plot.id, area, source) for plot, area, source, _ in measured]
    expected = per_country(inputs.parameters, "expected_yield_kg_per_ha", country)
    maximum = per_country(inputs.parameters, "regional_max_yield_kg_per_ha", country)
    if expected:
        params[f"expected_yield_kg_per_ha.{country}"] = expected
    if maximum:
        params[f"regional_max_yield_kg_per_ha.{country}"] = maximum
    row: dict[str, Any] = {
        "farm": farm,
        "season": season,
        "country": country,
        "deliveries_kg": delivered,
        "plots": [{"plot": pid, "area_ha": a, "area_source": src} for pid, a, src in areas],
        "area_ha": None,
        "estimate_kg": None,
        "yield_kg_per_ha": None,
        "ratio": None,
        "ratio_low": None,
        "ratio_high": None,
        "status": "unknown",
        "reason": None,
        "evidence": sorted(ids),
    }
    if not plots:
        row["reason"] = "farm has no registered plots"
        return row
    missing = [pid for pid, a, _ in areas if a is None]
    if missing:
        row["reason"] = f"no area for point plot(s) {', '.join(missing)}"
        return row
    area = sum(a for _, a, _ in areas if a is not None)
    if area <= 0 or expected is None or maximum is None:
        row["reason"] = "zero plot area" if area <= 0 else f"no yield parameters for {country}"
        return row
    estimate = area * float(expected["value"])
    per_ha = delivered / area
    ratio = delivered / estimate
    row.update(area_ha=area, estimate_kg=estimate, yield_kg_per_ha=per_ha, ratio=ratio)
    plot_bands = [band for *_, band in measured if band is not None]
    area_band = (sum(lo for lo, _ in plot_bands), sum(hi for _, hi in plot_bands))
    mass_band = relative(delivered, params["mass_measurement_tolerance"]["value"])
    expected_kg = float(expected["value"])
    band = quotient_band(mass_band, (area_band[0] * expected_kg, area_band[1] * expected_kg))
    if band is not None:
        row.update(ratio_low=band[0], ratio_high=band[1])
    if per_ha > float(maximum["value"]):
        row.update(status="fail", reason="yield above the regional maximum")
    elif ratio > params["yield_warn_ratio"]["value"]:
        row.update(status="warn", reason="deliveries above the farm's expected harvest")
    else:
        row["status"] = "ok"
    return row
