"""Apply a disclosure policy to public outputs: the evidence report, EPCIS events, names.

Pure: takes the full (auditor-grade) data and returns a redacted copy for the public,
which says what was redacted and names the full report it was derived from, so the
public report stays honest: a withheld figure is marked withheld, never "unknown" and
never silently dropped. Unknown stays unknown.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from server.core.disclosure.policy import CELL_KM, DisclosurePolicy, coarse_km, snap

# Money fields of the farmgate price check (payments and per-farm rows).
PRICE_KEYS = frozenset({"amount", "price_per_kg", "ratio", "currency", "exchange_rate"})
# EPCIS extension fields whose name says they carry money.
PRICE_WORDS = ("price", "amount", "currency", "cost", "payment")
DISTANCE_KEYS = ("distance_km", "great_circle_km")
REDACTED_CHECKS = frozenset({"farmgate_price", "transport_emissions", "plot_geometry"})
EMISSION_KEYS = ("emissions_kg", "kg_co2e_per_kg_product")
_BRACKETED_COORDS = re.compile(r"\[[-+0-9.eE ,]+\]|\(?-?\d{1,3}\.\d{3,}[ ,]+-?\d{1,3}\.\d{3,}\)?")
_GEO_URI = re.compile(r"^geo:(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)(.*)$")
LOCATION_WITHHELD = "[location withheld]"


@dataclass(frozen=True)
class SiteInfo:
    """What redaction needs of a site: its key, kind and name."""

    key: str
    kind: str
    name: str


def withheld_names(sites: Iterable[SiteInfo], policy: DisclosurePolicy) -> dict[str, str]:
    """Return {name: key} of every site whose name the public may not see."""
    return {
        s.name: s.key
        for s in sites
        if s.name and s.name != s.key and not policy.names(s.key, s.kind)
    }


def public_names(sites: Iterable[SiteInfo], policy: DisclosurePolicy) -> dict[str, str]:
    """Return {key: what the public sees as the site's name}: its name, or its key."""
    return {s.key: s.name if policy.names(s.key, s.kind) else s.key for s in sites}


def scrub(value: Any, replacements: dict[str, str]) -> Any:
    """Return `value` with every withheld name in its strings replaced by the site key.

    Containers are rebuilt, so `value` itself is left unchanged.
    """
    return scrubber(replacements)(value)


def scrubber(replacements: dict[str, str]) -> Callable[[Any], Any]:
    """Return `scrub` with `replacements` bound: its pattern is compiled once, so a report
    scrubbed a section (or a chunk of rows) at a time does not rebuild it per piece."""
    if not replacements:
        return _same
    # Longest first, so a name that contains another is replaced whole.
    names = sorted(replacements, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(name) for name in names))

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(lambda m: replacements[m.group(0)], item)
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        return item

    return walk


def _same(value: Any) -> Any:
    return value


def _notes(policy: DisclosurePolicy, names_withheld: bool) -> list[str]:
    notes = []
    if policy.location in CELL_KM:
        km = f"{CELL_KM[policy.location]:g}"
        notes.append(
            f"locations rounded to {km} km grid cells; transport distances rounded to {km} km "
            "and their emissions scaled to the rounded distance"
        )
    elif policy.location == "country":
        notes.append("locations shown by country only; transport distances withheld")
    if not policy.show_prices:
        notes.append("farmgate payment amounts, prices per kg and price ratios withheld")
    if names_withheld:
        notes.append("names of farms and withheld suppliers replaced by their site keys")
    return notes


def _redact_prices(check: dict[str, Any]) -> None:
    def strip(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: strip(v) for k, v in item.items() if k not in PRICE_KEYS}
        if isinstance(item, list):
            return [strip(v) for v in item]
        return item

    check["details"] = strip(check.get("details", []))
    check["value"] = None
    check["uncertainty"] = None
    check["withheld"] = True


def _redact_distances(check: dict[str, Any], precision: str) -> None:
    for row in check.get("details", []):
        original = row.get("distance_km")
        for key in DISTANCE_KEYS:
            if isinstance(row.get(key), int | float):
                row[key] = coarse_km(row[key], precision)
        rounded = row.get("distance_km")
        for key in EMISSION_KEYS:
            if not isinstance(row.get(key), int | float):
                continue
            if rounded is None or not original:
                row[key] = None
            else:
                row[key] = round(row[key] * rounded / original, 6)


def _redact_geometry(check: dict[str, Any]) -> None:
    for row in check.get("details", []):
        for issue in row.get("issues", []):
            if isinstance(issue.get("message"), str):
                issue["message"] = _BRACKETED_COORDS.sub(LOCATION_WITHHELD, issue["message"])


def redact_report(
    report: dict[str, Any],
    policy: DisclosurePolicy,
    sites: Iterable[SiteInfo],
    derived_from: str,
) -> dict[str, Any]:
    """Return the public derivative of the full evidence `report` (whose sha256 is
    `derived_from`) under `policy`, with a ``disclosure`` section saying what changed."""
    # Only the parts changed in place are copied: a large report's trace is shared.
    public = dict(report)
    public["checks"] = [
        copy.deepcopy(c) if c.get("key") in REDACTED_CHECKS else c for c in report.get("checks", [])
    ]
    public["consumer_summary"] = [dict(e) for e in report.get("consumer_summary", [])]
    for check in public["checks"]:
        redact_check(check, policy)
    for entry in public.get("consumer_summary", []):
        redact_summary_entry(entry, policy)
    replacements = withheld_names(sites, policy)
    public = scrub(public, replacements)
    public["disclosure"] = disclosure_section(policy, derived_from, bool(replacements))
    return public


def redact_check(check: dict[str, Any], policy: DisclosurePolicy) -> None:
    """Redact one check of the report (a copy: changed in place) as `policy` asks.

    Every change is to the check's head or to one row of its details at a time, so a
    writer may call it on the head with a chunk of the rows as ``details``.
    """
    if check.get("key") == "farmgate_price" and not policy.show_prices:
        _redact_prices(check)
    if check.get("key") == "transport_emissions" and policy.location != "exact":
        _redact_distances(check, policy.location)
    if check.get("key") == "plot_geometry" and policy.location != "exact":
        _redact_geometry(check)


def redact_summary_entry(entry: dict[str, Any], policy: DisclosurePolicy) -> None:
    """Redact one ``consumer_summary`` entry (a copy: changed in place)."""
    if entry.get("key") == "farmgate_price" and not policy.show_prices:
        entry["value"] = None
        entry["withheld"] = True


def disclosure_section(
    policy: DisclosurePolicy, derived_from: str, names_withheld: bool
) -> dict[str, Any]:
    """Return the public report's ``disclosure`` section: what was redacted, and from what."""
    return {
        "redacted": True,
        "derived_from": derived_from,
        "policy": policy.to_json(),
        "notes": _notes(policy, names_withheld),
    }


def _strip_prices(item: Any) -> Any:
    if isinstance(item, dict):
        return {
            k: _strip_prices(v)
            for k, v in item.items()
            if not any(word in k.lower() for word in PRICE_WORDS)
        }
    if isinstance(item, list):
        return [_strip_prices(v) for v in item]
    return item


def _snap_geo(item: Any, precision: str) -> Any:
    if isinstance(item, str):
        match = _GEO_URI.match(item)
        if match:
            lat, lon = snap(float(match.group(1)), float(match.group(2)), precision)
            return f"geo:{lat},{lon}"
        return item
    if isinstance(item, list):
        return [_snap_geo(v, precision) for v in item]
    if isinstance(item, dict):
        return {k: _snap_geo(v, precision) for k, v in item.items()}
    return item


def redact_events(
    events: list[dict[str, Any]], policy: DisclosurePolicy, sites: Iterable[SiteInfo]
) -> list[dict[str, Any]]:
    """Return EPCIS events as the public may see them: geo URIs coarsened, money fields
    dropped when prices are withheld, withheld names replaced by site keys."""
    result: Any = events
    if policy.location != "exact":
        result = _snap_geo(result, policy.location)
    if not policy.show_prices:
        result = _strip_prices(result)
    scrubbed: list[dict[str, Any]] = scrub(result, withheld_names(sites, policy))
    return scrubbed
