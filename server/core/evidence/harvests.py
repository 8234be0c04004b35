"""Add up the harvests at a batch's farms by season, for the yield plausibility check."""

from __future__ import annotations

import re
from operator import attrgetter

from server.core.evidence.event_reading import class_gtin, ilmd_key, mass_kg, site_at
from server.core.evidence.inputs import BatchInputs, Quantity, Site, TraceEvent
from server.core.evidence.trace_model import Trace

CROP_YEAR = re.compile(r"\b(\d{4})\s*[/-]\s*(\d{2}|\d{4})\b")
SEASON_KEYS = frozenset({"season", "cropyear", "crop_year", "harvestseason", "harvest_season"})


def season_pairs(inputs: BatchInputs, trace: Trace, seasons: Seasons) -> list[tuple[str, str]]:
    """Return the (farm, season) pairs of the batch's origins, sorted."""
    read = seasons.by_id.get  # the harvests' seasons, read by `harvests`
    events: dict[str, TraceEvent] | None = None  # the last event of each id, if need be
    pairs: set[tuple[str, str]] = set()
    for o in trace.origins:
        farm = o.farm_id
        for event_id in o.event_ids:
            season = read(event_id)
            if season is None:
                if events is None:
                    events = dict(
                        zip(map(attrgetter("id"), inputs.events), inputs.events, strict=True)
                    )
                season = seasons(events[event_id])
            pairs.add((farm, season))
    return sorted(pairs)


class Seasons:
    """`season_of` for many events: each ILMD key set, season text and crop year read once."""

    def __init__(self) -> None:
        self.of_event: dict[int, str] = {}  # by id(event): the check's events outlive it
        self.by_id: dict[str, str] = {}  # the harvests' seasons by event id (`harvests`)
        # the season key of each ILMD key set; an ILMD of one key (a chain's harvests write
        # theirs alike) is remembered under that key, not a tuple of it
        self.key_of: dict[str | tuple[str, ...], str | None] = {}
        self.named: dict[str, str] = {}
        self.crop_years: dict[int, str] = {}

    def __call__(self, event: TraceEvent) -> str:
        found = self.of_event.get(id(event))
        if found is None:
            found = self.of_event[id(event)] = self.season(event)
        return found

    def season(self, event: TraceEvent) -> str:
        ilmd = event.ilmd
        named = None
        if ilmd:
            keys: str | tuple[str, ...] = next(iter(ilmd)) if len(ilmd) == 1 else tuple(ilmd)
            if keys in self.key_of:
                key = self.key_of[keys]
            else:
                key = self.key_of[keys] = ilmd_key(
                    (keys,) if type(keys) is str else keys, SEASON_KEYS
                )
            named = None if key is None else ilmd[key]
        if not named:
            time = event.time
            start = time.year if time.month >= 10 else time.year - 1
            year = self.crop_years.get(start)
            if year is None:
                year = self.crop_years[start] = f"{start}/{start + 1}"
            return year
        text = str(named)
        season = self.named.get(text)
        if season is None:
            found = CROP_YEAR.search(text)
            season = f"{found.group(1)}/{int(found.group(1)) + 1}" if found else text
            self.named[text] = season
        return season


class Harvest:
    """One farm's deliveries in one season: dry-equivalent kg and the harvest events."""

    __slots__ = ("delivered", "ids")

    def __init__(self) -> None:
        self.delivered = 0.0
        self.ids: list[str] = []


def harvests(
    inputs: BatchInputs, sites: dict[str, Site], farms: set[str], seasons: Seasons
) -> dict[tuple[str, str], Harvest]:
    """Return the harvests at each of `farms` added up by (farm, season), in event order.

    Every creation event at the farm counts (not only the batch's lots), each of its
    tracked lines times its material's yield basis factor (read once per GTIN). Each
    harvest's season goes into `seasons.by_id` under its event id, unless a later event of
    the same id is not a harvest at one of `farms` (ids name the last event of the id).
    """
    added: dict[tuple[str, str], Harvest] = {}
    farm_at: dict[str | None, str | None] = {}  # location -> farm among `farms`, or None
    lines = _Lines(inputs)
    by_id, season = seasons.by_id, seasons.season
    absent = ""  # not looked up yet: `farm_at` holds farm ids or None (an empty id: again)
    for event in inputs.events:
        action = event.action
        # is_creation, inline: a batch has a hundred thousand events
        if event.type != "ObjectEvent" or (action != "ADD" and (action or "").upper() != "ADD"):
            if event.id in by_id:
                del by_id[event.id]
            continue
        location = event.biz_location
        farm = farm_at.get(location, absent)
        if farm == absent:
            site = site_at(sites, location)
            farm = farm_at[location] = site.id if site is not None and site.id in farms else None
        if farm is None:
            if event.id in by_id:
                del by_id[event.id]
            continue
        key = (farm, season(event))
        by_id[event.id] = key[1]
        harvest = added.get(key)
        if harvest is None:
            harvest = added[key] = Harvest()
        for line in event.outputs or event.quantities:
            lines.add(harvest, line)
        harvest.ids.append(event.id)
    return added


class _Lines:
    """Harvests' lines in dry-equivalent kg: GTINs read once per prefix (`class_gtin`),
    units once each."""

    def __init__(self, inputs: BatchInputs) -> None:
        self.factors = {m.gtin: (m.tracked, m.yield_basis_factor) for m in inputs.materials}
        self.kg_per: dict[str | None, float | None] = {None: 1.0}  # a missing unit is kg

    def add(self, harvest: Harvest, q: Quantity) -> None:
        """Add a tracked line's kg x yield basis factor to `harvest`."""
        tracked, factor = self.factors.get(class_gtin(q.epc_class) or "", (True, 1.0))
        uom = q.uom
        if uom in self.kg_per:
            per = self.kg_per[uom]
        else:
            per = self.kg_per[uom] = mass_kg(Quantity(q.epc_class, 1.0, uom))
        if tracked and per is not None:
            # mass_kg's product, then the factor's, as one line at a time would give
            harvest.delivered += float(q.quantity) * per * factor
