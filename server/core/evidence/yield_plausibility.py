"""Check each origin farm's deliveries per season against what its plots can grow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.core.evidence.event_reading import ilmd_value, site_index
from server.core.evidence.harvests import (
    CROP_YEAR,
    SEASON_KEYS,
    Harvest,
    Seasons,
    harvests,
    season_pairs,
)
from server.core.evidence.inputs import BatchInputs, Plot, Site, TraceEvent
from server.core.evidence.parameters import per_country, scalar, sourced
from server.core.evidence.plot_columns import plot_columns
from server.core.evidence.plots import plot_area_perimeter, plots_by_farm
from server.core.evidence.result import CheckResult, plain_columns, unique_sorted, worst
from server.core.evidence.trace_model import Trace
from server.core.evidence.uncertainty import (
    MASS_SOURCE,
    MASS_TOLERANCE,
    max_band,
    quotient_band,
    relative,
)

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
# A row's numbers, made JSON-ready all rows at once.
NUMBERS = (
    "deliveries_kg",
    "area_ha",
    "estimate_kg",
    "yield_kg_per_ha",
    "ratio",
    "ratio_low",
    "ratio_high",
)


def season_of(event: TraceEvent) -> str:
    """Return a harvest's season: its ILMD season, else the Oct-Sep crop year ("2024/2025")."""
    named = ilmd_value(event.ilmd, SEASON_KEYS)
    if not named:
        return crop_year(event.time)
    # "2024/25 main crop" and "2025 light crop" of one crop year are one season here, since the
    # expected yields are per year.
    found = CROP_YEAR.search(str(named))
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
    seasons = Seasons()
    # (farm, season) -> what the farm harvested then (all of it, not only this batch's lots).
    harvested = harvests(inputs, sites, set(trace.farm_ids), seasons)
    wanted = season_pairs(inputs, trace, seasons)
    by_farm = plots_by_farm(inputs.plots)
    columns = plot_columns(inputs.plots, inputs.memo)
    columns.measure(
        (p.geometry for farm in {f for f, _ in wanted} for p in by_farm.get(farm, ())),
        inputs.memo,
    )
    yields = _Yields(inputs.parameters)
    farms: dict[str, _Farm] = {}  # each farm's plots measured once, not per season
    rows = []
    ratios: list[float] = []  # unrounded, as are the bands: the check's value and band
    bands: list[tuple[float, float]] = []
    statuses = set()
    ids: list[str] = []
    none = Harvest()
    for farm, season in wanted:
        known = farms.get(farm)
        if known is None:
            plots = [_measure(p, params, inputs.memo) for p in by_farm.get(farm, [])]
            known = farms[farm] = _Farm(farm, sites.get(farm), plots, yields, params)
        harvest = harvested.get((farm, season)) or none
        row, ratio, band = known.row(season, harvest.delivered, harvest.ids, params)
        rows.append(row)
        statuses.add(row["status"])
        ids += row["evidence"]
        if ratio is not None:
            ratios.append(ratio)
        if band is not None:
            bands.append(band)
    plain_columns(rows, NUMBERS)
    plain_columns([p for farm in farms.values() for p in farm.plot_rows], ("area_ha",))
    status = worst(statuses) if rows else "unknown"
    return CheckResult(
        KEY,
        status,
        max(ratios) if ratios else None,
        "ratio",
        METHOD,
        params,
        tuple(unique_sorted(ids)),
        tuple(rows),
        # Only when every ratio has a band: else the highest ratio's band is not known.
        max_band(bands) if ratios and len(bands) == len(ratios) else None,
        ready=True,
    )


class _Yields:
    """The expected and maximum yields of each country, read once (and named in the
    check's parameters once)."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        self.parameters = parameters
        self.of: dict[str | None, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {}

    def __call__(
        self, country: str | None, params: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        found = self.of.get(country)
        if found is None:
            expected = per_country(self.parameters, "expected_yield_kg_per_ha", country)
            maximum = per_country(self.parameters, "regional_max_yield_kg_per_ha", country)
            found = self.of[country] = (expected, maximum)
            if expected:
                params[f"expected_yield_kg_per_ha.{country}"] = expected
            if maximum:
                params[f"regional_max_yield_kg_per_ha.{country}"] = maximum
        return found


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


class _Farm:
    """A farm's measured plots and country: what its rows of every season share."""

    def __init__(
        self,
        farm: str,
        site: Site | None,
        measured: list[Measured],
        yields: _Yields,
        params: dict[str, Any],
    ) -> None:
        self.farm = farm
        country = site.country if site and site.country else None
        if country is None:
            country = next((m[0].country for m in measured), None)
        self.country = country
        self.expected, self.maximum = yields(country, params)
        # The same list in each season's row (made JSON-ready once: rows are only read).
        self.plot_rows = [
            {"plot": plot.id, "area_ha": area, "area_source": source}
            for plot, area, source, _ in measured
        ]
        # Why no season of the farm can be compared, if so; else its area and area band.
        self.reason: str | None = None
        self.area = 0.0
        self.area_band = (0.0, 0.0)
        missing = [m[0].id for m in measured if m[1] is None]
        if not measured:
            self.reason = "farm has no registered plots"
        elif missing:
            self.reason = f"no area for point plot(s) {', '.join(missing)}"
        else:
            area = self.area = sum([m[1] for m in measured])  # type: ignore[misc]
            if area <= 0:
                self.reason = "zero plot area"
            elif self.expected is None or self.maximum is None:
                self.reason = f"no yield parameters for {country}"
            bands = [m[3] for m in measured if m[3] is not None]
            self.area_band = (sum([lo for lo, _ in bands]), sum([hi for _, hi in bands]))

    def row(
        self, season: str, delivered: float, ids: list[str], params: dict[str, Any]
    ) -> tuple[dict[str, Any], float | None, tuple[float, float] | None]:
        """Return the farm's row for one season's deliveries (JSON-ready but for its
        `NUMBERS`), and its ratio and ratio band (None when not known)."""
        row: dict[str, Any] = {
            "farm": self.farm,
            "season": season,
            "country": self.country,
            "deliveries_kg": delivered,
            "plots": self.plot_rows,
            "area_ha": None,
            "estimate_kg": None,
            "yield_kg_per_ha": None,
            "ratio": None,
            "ratio_low": None,
            "ratio_high": None,
            "status": "unknown",
            "reason": self.reason,
            "evidence": sorted(ids),
        }
        expected, maximum = self.expected, self.maximum
        if self.reason is not None or expected is None or maximum is None:
            return row, None, None
        area, area_band = self.area, self.area_band
        expected_kg = float(expected["value"])
        estimate = area * expected_kg
        per_ha = delivered / area
        ratio = delivered / estimate
        row.update(area_ha=area, estimate_kg=estimate, yield_kg_per_ha=per_ha, ratio=ratio)
        mass_band = relative(delivered, params["mass_measurement_tolerance"]["value"])
        band = quotient_band(mass_band, (area_band[0] * expected_kg, area_band[1] * expected_kg))
        if band is not None:
            row.update(ratio_low=band[0], ratio_high=band[1])
        if per_ha > float(maximum["value"]):
            row.update(status="fail", reason="yield above the regional maximum")
        elif ratio > params["yield_warn_ratio"]["value"]:
            row.update(status="warn", reason="deliveries above the farm's expected harvest")
        else:
            row["status"] = "ok"
        return row, ratio, band
