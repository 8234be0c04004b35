"""A brand's disclosure policy: what the public may see of locations, suppliers and prices.

Pure: the policy is read from (and written to) ``brand.settings["disclosure"]`` as plain
JSON, with safe defaults when absent. Locations are coarsened by snapping to the centre of
a grid cell whose sides are about `CELL_KM` kilometres (rows of equal latitude height,
columns widened by 1/cos(latitude) so cells stay roughly square away from the equator).
A farm is never named in public: it is shown by its key. What the policy withholds is
applied where public outputs are built (`server.core.disclosure.redaction`,
`server.core.scene.public`);
outputs for authorised roles keep full precision.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.core.errors import N_, TranslatableError
from server.core.evidence.country_bounds import COUNTRY_BOXES

PRECISIONS = ("exact", "grid_1km", "grid_10km", "country")
CELL_KM = {"grid_1km": 1.0, "grid_10km": 10.0}
KM_PER_DEGREE_LAT = 111.32
# Site kinds a brand may choose to name; farms are people's land and never named.
NAMEABLE_KINDS = ("cooperative", "fermentary", "warehouse", "port", "factory")
NEVER_NAMED_KINDS = ("farm",)
MAX_WITHHELD_SITES = 200


class DisclosureError(TranslatableError):
    """A policy the studio refuses; `field` names the form field that is wrong."""

    def __init__(self, field: str, template: str, **params: object) -> None:
        self.field = field
        super().__init__(template, **params)


@dataclass(frozen=True)
class DisclosurePolicy:
    """What the public sees of a brand's supply chain."""

    location: str = "grid_1km"
    named_kinds: tuple[str, ...] = NAMEABLE_KINDS
    withheld_sites: tuple[str, ...] = ()
    show_prices: bool = True

    def names(self, site_key: str, kind: str) -> bool:
        """Tell whether the public may see the name of site `site_key` of `kind`."""
        return (
            kind not in NEVER_NAMED_KINDS
            and kind in self.named_kinds
            and site_key not in self.withheld_sites
        )

    def to_json(self) -> dict[str, Any]:
        """Return the policy as it is stored in the brand's settings."""
        return {
            "location": self.location,
            "named_kinds": list(self.named_kinds),
            "withheld_sites": list(self.withheld_sites),
            "show_prices": self.show_prices,
        }

    def digest(self) -> str:
        """Return a short hash of the policy (part of the build fingerprints)."""
        text = json.dumps(self.to_json(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


DEFAULT_POLICY = DisclosurePolicy()


def parse_policy(data: Mapping[str, Any], known_sites: set[str] | None = None) -> DisclosurePolicy:
    """Return the policy described by `data` (stored JSON or a form); raise DisclosureError.

    `named_kinds` and `withheld_sites` may be lists or comma/line separated text;
    `known_sites`, when given, are the only site keys `withheld_sites` may name.
    """
    location = str(data.get("location", DEFAULT_POLICY.location)).strip()
    if location not in PRECISIONS:
        raise DisclosureError(
            "location",
            N_("Choose how precisely locations are shown: one of %(choices)s."),
            choices=", ".join(PRECISIONS),
        )
    kinds = _items(data.get("named_kinds", list(DEFAULT_POLICY.named_kinds)))
    for kind in kinds:
        if kind in NEVER_NAMED_KINDS:
            raise DisclosureError("named_kinds", N_("Farms are never named in public."))
        if kind not in NAMEABLE_KINDS:
            raise DisclosureError(
                "named_kinds", N_("Unknown kind of supplier: %(kind)s."), kind=kind[:40]
            )
    withheld = _items(data.get("withheld_sites", []))
    if len(withheld) > MAX_WITHHELD_SITES:
        raise DisclosureError(
            "withheld_sites",
            N_("At most %(num)d sites can be listed."),
            num=MAX_WITHHELD_SITES,
        )
    if known_sites is not None:
        unknown = [key for key in withheld if key not in known_sites]
        if unknown:
            raise DisclosureError(
                "withheld_sites",
                N_("These sites do not exist at this brand: %(keys)s."),
                keys=", ".join(k[:64] for k in unknown[:5]),
            )
    prices = data.get("show_prices", DEFAULT_POLICY.show_prices)
    if isinstance(prices, str):
        if prices not in ("yes", "no", "true", "false"):
            raise DisclosureError("show_prices", N_("Choose whether prices are shown."))
        prices = prices in ("yes", "true")
    if not isinstance(prices, bool):
        raise DisclosureError("show_prices", N_("Choose whether prices are shown."))
    return DisclosurePolicy(
        location=location,
        named_kinds=tuple(k for k in NAMEABLE_KINDS if k in kinds),
        withheld_sites=tuple(sorted(set(withheld))),
        show_prices=prices,
    )


def _items(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace(",", "\n").splitlines()
    if not isinstance(value, list | tuple):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def policy_of(settings: Mapping[str, Any] | None) -> DisclosurePolicy:
    """Return the policy in a brand's `settings`; the default when absent or unreadable.

    A stored policy is validated on save, so an unreadable one means hand-edited data:
    the default (1 km cells, farms unnamed) is the safe reading.
    """
    stored = (settings or {}).get("disclosure")
    if not isinstance(stored, Mapping):
        return DEFAULT_POLICY
    try:
        return parse_policy(stored)
    except DisclosureError:
        return DEFAULT_POLICY


def snap(lat: float, lon: float, precision: str, country: str | None = None) -> tuple[float, float]:
    """Return (lat, lon) coarsened to `precision`: the centre of its cell (6 decimals).

    ``country`` precision answers the centre of the country's box (`COUNTRY_BOXES`), or the
    centre of a 1-degree cell for a country the table does not know.
    """
    if precision == "exact":
        return lat, lon
    if precision == "country":
        box = COUNTRY_BOXES.get(country or "")
        if box is not None:
            return round((box[1] + box[3]) / 2, 6), round((box[0] + box[2]) / 2, 6)
        return round(math.floor(lat) + 0.5, 6), round(math.floor(lon) + 0.5, 6)
    if precision not in CELL_KM:
        raise ValueError(f"`precision` must be one of {PRECISIONS}, got {precision!r}")
    step_lat = CELL_KM[precision] / KM_PER_DEGREE_LAT
    row = math.floor((lat + 90.0) / step_lat)
    lat_c = -90.0 + (row + 0.5) * step_lat
    step_lon = step_lat / max(math.cos(math.radians(lat_c)), 0.01)
    col = math.floor((lon + 180.0) / step_lon)
    lon_c = -180.0 + (col + 0.5) * step_lon
    return round(lat_c, 6), round(lon_c, 6)


def coarse_km(distance: float | None, precision: str) -> float | None:
    """Return a distance rounded to the cell size of `precision` (None: withheld)."""
    if distance is None or precision == "exact":
        return distance
    if precision == "country":
        return None
    cell = CELL_KM[precision]
    return round(round(distance / cell) * cell, 1)
