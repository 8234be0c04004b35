"""Assemble a batch's journey: the events naming its lots, in time order, column by column.

A 10,000-farm batch's journey is a hundred thousand steps: each is made in one pass over the
events (a named tuple from a tuple of its fields), and the steps are then read a column at a
time by passes the interpreter runs in C (ids, times, sites); events loaded in time order
are not sorted again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import compress, islice
from operator import eq, itemgetter, le, lt, not_
from typing import Any, NamedTuple

from server.core.evidence.inputs import Site, TraceEvent
from server.core.evidence.trace_model import Problem, Step

_new_step = tuple.__new__  # a Step from a tuple of its fields, without a call per field
_ID, _TIME, _SITE = itemgetter(0), itemgetter(1), itemgetter(5)  # a Step's fields, read in C


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
    everything: bool = False,
) -> Journey:
    """Return the journey of the events naming a class in `reached`.

    `classes_of` holds each event's classes; `site_at` finds the site at a location. One
    step per event id, in order of time then id; when events share an id, the last of them
    (in `events` order) stands for it. With `everything`, the caller knows that every event
    names a class and every class named is reached: all events are on the journey.
    """
    if everything:
        chosen: list[TraceEvent] | tuple[TraceEvent, ...] = events
        classes = classes_of
    else:
        on_path = list(map(not_, map(reached.isdisjoint, classes_of)))
        chosen = list(compress(events, on_path))
        classes = list(compress(classes_of, on_path))
    site_ids = _SiteIds(site_at)
    # a step per event, its lots as the report names them: one as it is, several sorted
    steps = [
        _new_step(
            Step,
            (
                e.id,
                e.time,
                e.type,
                e.biz_step,
                e.action,
                site_ids[e.biz_location or e.read_point],
                e.biz_location,
                c if len(c) == 1 else tuple(sorted(c)) if everything else _named(c, reached),
            ),
        )
        for e, c in zip(chosen, classes, strict=True)
    ]
    ids = list(map(_ID, steps))
    unique_ids = len(set(ids)) == len(ids)
    if not unique_ids:
        last = sorted({eid: k for k, eid in enumerate(ids)}.values())
        steps, chosen, ids = _take(last, steps, chosen, ids)
    times = list(map(_TIME, steps))
    if not _in_order(times, ids):
        # two stable sorts give the order of sorting by (time, id)
        order = sorted(range(len(ids)), key=ids.__getitem__)
        order.sort(key=times.__getitem__)
        steps, chosen = _take(order, steps, chosen)
    first_seen: dict[str, list[str]] = defaultdict(list)
    for step in steps:
        for cls in step[7]:
            first_seen[cls].append(step[0])
    visited = dict.fromkeys(map(_SITE, steps))
    visited.pop(None, None)
    return Journey(
        list(chosen),
        tuple(steps),
        tuple(visited),
        dict(first_seen),
        _unknown_locations(chosen, site_ids),
        unique_ids,
    )


class _SiteIds(dict[str | None, str | None]):
    """The id of the site at each location, looked up on first use (None: no site)."""

    def __init__(self, site_at: Callable[[str | None], Site | None]) -> None:
        super().__init__()
        self.site_at = site_at

    def __missing__(self, location: str | None) -> str | None:
        site = self.site_at(location)
        self[location] = found = site.id if site else None
        return found


def _in_order(times: list[Any], ids: list[str]) -> bool:
    """Tell whether the rows are in order of (time, id) already (ids unique), as events
    loaded in time order are: the sorts are skipped."""
    try:
        if not all(map(le, times, islice(times, 1, None))):
            return False
        ties = list(map(eq, times, islice(times, 1, None)))
    except TypeError:  # times that do not compare: the sort says so itself
        return False
    return all(map(lt, compress(ids, ties), compress(islice(ids, 1, None), ties)))


def _take(order: list[int], *columns: Sequence[Any]) -> list[list[Any]]:
    """Return each of `columns` with the rows at `order`, in that order."""
    return [list(map(column.__getitem__, order)) for column in columns]


def _named(classes: tuple[str, ...], reached: set[str]) -> tuple[str, ...]:
    """Return the event's classes in `reached`: as they are if one, else sorted.

    (An event on the journey with one class names a reached one: the caller keeps it.)
    """
    named = [c for c in classes if c in reached]
    return tuple(named) if len(named) == 1 else tuple(sorted(named))


def _unknown_locations(
    events: list[TraceEvent] | tuple[TraceEvent, ...], site_ids: dict[str | None, str | None]
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
