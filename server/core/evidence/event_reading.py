"""Reading EPCIS events for the trace: masses in kilograms, sites, ILMD keys, split shares."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from server.core.evidence.inputs import Quantity, Site, TraceEvent
from server.core.gs1.identifiers import CANONICAL_HOST, gtin_of

_KG_PER_UNIT = {
    "KGM": 1.0,
    "KG": 1.0,
    "TNE": 1000.0,
    "T": 1000.0,
    "GRM": 0.001,
    "G": 0.001,
}
_KG_PER_UNIT["LBR"] = 0.45359237
# `gtin_of` reads a class no further than the host, "/01/", 14 digits and one character more.
GTIN_SPAN = len(CANONICAL_HOST) + len("/01/") + 15
_PLOT_KEYS = frozenset({"plot", "plots", "plotid", "plot_id", "plotids", "plot_ids"})


def site_index(sites: Iterable[Site]) -> dict[str, Site]:
    """Return sites keyed by id and by canonical location id, for `site_at`."""
    index: dict[str, Site] = {}
    for site in sites:
        index[site.id] = site
        if site.sgln:
            index[site.sgln] = site
    return index


def site_at(index: dict[str, Site], location: str | None) -> Site | None:
    """Return the site at `location`, ignoring a GLN extension (``/254/...``) if need be."""
    if location is None:
        return None
    site = index.get(location)
    if site is None and "/254/" in location:
        site = index.get(location.split("/254/", 1)[0])
    return site


def is_creation(event: TraceEvent) -> bool:
    """Tell whether `event` creates lots: an ObjectEvent with action ADD."""
    return event.type == "ObjectEvent" and (event.action or "").upper() == "ADD"


def mass_kg(quantity: Quantity) -> float | None:
    """Return `quantity` in kilograms, or None when its unit is not a mass unit we know.

    A missing unit means kilograms, as the brand pack format states.
    """
    uom = quantity.uom
    if uom is None:
        return float(quantity.quantity)
    factor = _kg_per(uom)
    return None if factor is None else float(quantity.quantity) * factor


@lru_cache(maxsize=256)
def _kg_per(uom: str) -> float | None:
    """Return kilograms per `uom` as written (events repeat a few units, each read once)."""
    return _KG_PER_UNIT.get(uom.strip().upper())


def class_gtin(epc_class: str) -> str | None:
    """Return `gtin_of(epc_class)`, read once per GTIN (a material's lots share the prefix)."""
    prefix = epc_class[:GTIN_SPAN]
    if prefix[-1:] == "\n":  # the pattern's `$` matches before a final newline: read it all
        return gtin_of(epc_class)
    return _prefix_gtin(prefix)


@lru_cache(maxsize=4096)
def _prefix_gtin(prefix: str) -> str | None:
    return gtin_of(prefix)


def ilmd_value(ilmd: dict[str, Any], names: frozenset[str]) -> Any:
    """Return the ILMD value whose key's local name (after ``:``, ``/`` or ``#``) is in `names`."""
    key = ilmd_key(ilmd, names)
    return None if key is None else ilmd[key]


def ilmd_key(keys: Iterable[str], names: frozenset[str]) -> str | None:
    """Return the first of `keys` in sorted order whose local name is in `names` (see above)."""
    for key in sorted(keys):
        if _local_name(key) in names:
            return key
    return None


@lru_cache(maxsize=4096)
def _local_name(key: str) -> str:
    """Return an ILMD key's local name; a chain's events repeat a handful of keys."""
    return key.replace("#", "/").replace(":", "/").rsplit("/", 1)[-1].lower()


def named_plots(event: TraceEvent) -> tuple[str, ...]:
    """Return the plot ids a harvest (creation) event names in its ILMD, sorted."""
    named = ilmd_value(event.ilmd, _PLOT_KEYS)
    if isinstance(named, (list, tuple)):
        return tuple(sorted({str(p) for p in named}))
    return (str(named),) if named else ()


def class_quantities(event: TraceEvent, lines: tuple[Quantity, ...]) -> dict[str, float | None]:
    """Return the mass in kilograms of each class among `lines` (None: not all in mass)."""
    totals: dict[str, float | None] = {}
    for line in lines:
        kg = mass_kg(line)
        before = totals.get(line.epc_class, 0.0)
        totals[line.epc_class] = None if kg is None or before is None else before + kg
    return totals


def split_share(
    rows: list[tuple[TraceEvent, float | None]], share: float
) -> list[tuple[TraceEvent, float | None, float]]:
    """Split `share` over events by their quantity (evenly if any is missing or all are zero)."""
    masses = [kg for _, kg in rows]
    total = sum(kg for kg in masses if kg is not None)
    if any(kg is None for kg in masses) or total <= 0:
        return [(e, kg, share / len(rows)) for e, kg in rows]
    return [(e, kg, share * (kg or 0.0) / total) for e, kg in rows]
