"""Assemble a batch's journey: the events naming its lots, in time order, column by column.

A 10,000-farm batch's journey is a hundred thousand steps, so it is made a column at a time
(ids, times, sites, lots), each by one pass the interpreter runs in C where it can, and the
steps are zipped from the columns at the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import compress, repeat
from operator import attrgetter, not_
from typing import Any, NamedTuple

from server.core.evidence.inputs import Site, TraceEvent
from server.core.evidence.trace_model import Problem, Step

_ID = attrgetter("id")
_TIME = attrgetter("time")
_TYPE = attrgetter("type")
_BIZ_STEP = attrgetter("biz_step")
_ACTION = attrgetter("action")
_BIZ_LOCATION = attrgetter("biz_location")
_READ_POINT = attrgetter("read_point")
_new_step = tuple.__new__  # a Step from a tuple of its fields, without a call per field


class Journey(NamedTuple):
    """A batch's journey and what was learnt making it."""

    events: list[TraceEvent]  # one per step, in journey order
    steps: tuple[Step, ...]
    sites: tuple[str, ...]  # in order of first visit
    first_seen: dict[str, list[str]]  # lot class -> ids of the steps naming it, in order
    problems: list[Problem]
    unique_ids: bool  # no two events on the journey share an id


def journey(
    events: tuple[TraceEvent, ...],
    classes_of: list[tuple[str, ...]],
    reached: set[str],
    site_at: Callable[[str | None], Site | None],
) -> Journey:
    """Return the journey of the events naming a class in `reached`.

    `classes_of` holds each event's classes; `site_at` finds the site at a location. One
    step per event id, in order of time then id; when events share an id, the last of them
    (in `events` order) stands for it.
    """
    on_path = list(map(not_, map(reached.isdisjoint, classes_of)))
    chosen = list(compress(events, on_path))
    classes = list(compress(classes_of, on_path))
    ids = list(map(_ID, chosen))
    unique_ids = len(set(ids)) == len(ids)
    if not unique_ids:
        last = sorted({eid: k for k, eid in enumerate(ids)}.values())
        chosen, classes, ids = _take(last, chosen, classes, ids)
    # two stable sorts give the order of sorting by (time, id)
    order = sorted(range(len(ids)), key=ids.__getitem__)
    times = list(map(_TIME, chosen))
    order.sort(key=times.__getitem__)
    chosen, classes, ids, times = _take(order, chosen, classes, ids, times)
    lots = [c if len(c) == 1 else _named(c, reached) for c in classes]
    biz_locations = list(map(_BIZ_LOCATION, chosen))
    locations = [b or r for b, r in zip(biz_locations, map(_READ_POINT, chosen), strict=True)]
    site_ids: dict[str | None, str | None] = {}
    for location in dict.fromkeys(locations):
        site = site_at(location)
        site_ids[location] = site.id if site else None
    site_of = list(map(site_ids.__getitem__, locations))
    first_seen: dict[str, list[str]] = defaultdict(list)
    for eid, named in zip(ids, lots, strict=True):
        for cls in named:
            first_seen[cls].append(eid)
    columns = zip(
        ids,
        times,
        map(_TYPE, chosen),
        map(_BIZ_STEP, chosen),
        map(_ACTION, chosen),
        site_of,
        biz_locations,
        lots,
        strict=True,
    )
    visited = dict.fromkeys(site_of)
    visited.pop(None, None)
    return Journey(
        chosen,
        tuple(map(_new_step, repeat(Step), columns)),
        tuple(s for s in visited if s is not None),
        dict(first_seen),
        _unknown_locations(chosen, site_ids),
        unique_ids,
    )


def _take(order: list[int], *columns: list[Any]) -> list[list[Any]]:
    """Return each of `columns` with the rows at `order`, in that order."""
    return [list(map(column.__getitem__, order)) for column in columns]


def _named(classes: tuple[str, ...], reached: set[str]) -> tuple[str, ...]:
    """Return the event's classes in `reached`: as they are if one, else sorted.

    (An event on the journey with one class names a reached one: the caller keeps it.)
    """
    named = [c for c in classes if c in reached]
    return tuple(named) if len(named) == 1 else tuple(sorted(named))


def _unknown_locations(
    events: list[TraceEvent], site_ids: dict[str | None, str | None]
) -> list[Problem]:
    """Return a problem for each event whose business location is no known site."""
    unknown = {loc for loc, site in site_ids.items() if loc and site is None}
    if not unknown:
        return []
    return [
        Problem(
            "unknown_location",
            f"{e.id} names unknown location {e.biz_location}",
            (e.id,),
        )
        for e in events
        if e.biz_location and e.biz_location in unknown
    ]
