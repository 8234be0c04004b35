"""Build a batch's trace graph: where its traced commodity came from and how it travelled.

The graph's nodes are lot classes (canonical LGTIN class identifiers). A class is *produced*
by the TransformationEvents that list it among their outputs; failing those, it is *created*
by ObjectEvents with action ADD (a harvest at a farm is such a creation, and a farm is an
origin). Every other event naming a class (observations, aggregations, transactions, a
commissioning after a transformation) keeps the class and only adds a step to the journey.

Shares are fractions of the batch's tracked mass, pushed from the batch upstream:

- a class made by several transformations splits its share by each one's output quantity
  of that class;
- a transformation splits its share over its *tracked* inputs by mass (untracked inputs,
  such as sugar in chocolate, are reported but carry no share);
- a class created by several ADD events splits its share by their quantities.

Shares that cannot be followed (no upstream event, a cycle, a unit we cannot convert, a
creation away from a farm, an unknown location) are kept as `UnknownShare` rows so the
shares always add up to one. The walk visits each class once (classes numbered once by
`trace_index`, an iterative depth-first search over lists of numbers, then one pass in
topological order), so it is linear in the events. The classes made by transformations are
spread first, in that order; the lots they lead to (each a harvest, most often) take their
final shares then, in the same order, in one loop of their own. The journey is assembled
column by column (`trace_journey`), the rows of lots, flows, transformations and origins
by `trace_rows`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from server.core.evidence.event_reading import site_at, site_index, split_share
from server.core.evidence.inputs import BatchInputs, Site, TraceEvent
from server.core.evidence.trace_index import Making, TraceIndex
from server.core.evidence.trace_journey import journey
from server.core.evidence.trace_materials import ClassKinds
from server.core.evidence.trace_model import Problem, Trace, UnknownShare
from server.core.evidence.trace_plots import NamedPlots
from server.core.evidence.trace_rows import OriginTotals, TraceRows


def build_trace(inputs: BatchInputs) -> Trace:
    """Build the trace graph of `inputs.batch_class` from `inputs.events`."""
    return _Builder(inputs).build()


class _Builder:
    def __init__(self, inputs: BatchInputs) -> None:
        self.inputs = inputs
        self.sites = site_index(inputs.sites)
        self.problems: list[Problem] = []
        self.kinds = ClassKinds(inputs.materials, self.problems)
        self.index = TraceIndex(inputs.events, inputs.batch_class)
        self.unknown: dict[tuple[str, str], list[Any]] = {}
        self.origins: OriginTotals = {}
        # classes no event produces or creates, with their share, reported once all are known
        self.missing: dict[str, float] = {}
        self.site_of: dict[str | None, Site | None] = {}
        # by location: the id of the farm there, None if the site there is no farm (or none)
        self.farm_at: dict[str | None, str | None] = {}
        self.plots = NamedPlots()

    # -- lookups ---------------------------------------------------------------------------

    def site_at(self, location: str | None) -> Site | None:
        # A chain's events name a few locations many times over: each is looked up once.
        try:
            return self.site_of[location]
        except KeyError:
            site = self.site_of[location] = site_at(self.sites, location)
            return site

    def tracked_inputs(self, making: Making) -> list[tuple[int, float | None]]:
        """Return (class number, kg) of `making`'s tracked inputs, in input order."""
        if making.tracked is None:
            names, kinds, look_up = self.index.names, self.kinds.kinds, self.kinds.of
            pairs = zip(making.inputs, making.kg, strict=True)
            making.tracked = [
                (n, kg)
                for n, kg in pairs
                for cls in (names[n],)
                if (kinds.get(cls) or look_up(cls))[2]
            ]
        return making.tracked

    def children(self, n: int) -> list[int]:
        producers = self.index.producers[n]
        if len(producers) == 1:
            return list(dict.fromkeys([c for c, _ in self.tracked_inputs(producers[0][0])]))
        seen: dict[int, None] = {}
        for making, _ in producers:
            for c, _ in self.tracked_inputs(making):
                seen[c] = None
        return list(seen)

    # -- graph walk --------------------------------------------------------------------------

    def walk(self) -> tuple[list[int], set[tuple[int, int]]]:
        """Return class numbers in post-order and the back edges (parent, child) of cycles."""
        names, producers = self.index.names, self.index.producers
        colour = [0] * len(names)
        colour[0] = 1  # the batch's class is number 0
        on_stack = [0] * len(names)
        stack: list[tuple[int, list[int]]] = [(0, self.children(0)[::-1])]
        postorder: list[int] = []
        back: set[tuple[int, int]] = set()
        while stack:
            n, todo = stack[-1]
            if not todo:
                stack.pop()
                colour[n] = 2
                postorder.append(n)
                continue
            child = todo.pop()
            state = colour[child]
            if state == 1:
                back.add((n, child))
                loop = [names[c] for c, _ in stack[on_stack[child] :]]
                events = sorted(m.event.id for m, _ in self.index.producers[n] if child in m.inputs)
                self.problems.append(
                    Problem(
                        "cycle",
                        f"{names[child]} is an input of its own descendant {names[n]}",
                        tuple(events),
                        tuple(loop),
                    )
                )
            elif state == 0:
                if not producers[child]:  # a leaf (made by no transformation): done at once
                    colour[child] = 2
                    postorder.append(child)
                    continue
                colour[child] = 1
                on_stack[child] = len(stack)
                stack.append((child, self.children(child)[::-1]))
        return postorder, back

    def lose(self, reason: str, cls: str, share: float, events: list[str]) -> None:
        entry = self.unknown.setdefault((reason, cls), [0.0, set()])
        entry[0] += share
        entry[1].update(events)

    def spread(self, postorder: list[int], back: set[tuple[int, int]]) -> list[float]:
        """Push the batch's share upstream, each class after all that use it; return shares.

        The classes no transformation makes (the leaves) take their shares from the others
        only, and give none: they are spread once all the others are, in the same order
        (their origins' sums are the same), by `spread_leaves`.
        """
        producers = self.index.producers
        weights = [0.0] * len(producers)
        weights[0] = 1.0
        leaves = []
        for n in reversed(postorder):
            made_by = producers[n]
            if made_by:
                self.spread_transformations(n, weights[n], made_by, weights, back)
            else:
                leaves.append(n)
        self.spread_leaves(leaves, weights)
        return weights

    def spread_leaves(self, leaves: list[int], weights: list[float]) -> None:
        """Give each leaf's share to the origins of its creations (or lose it, saying why)."""
        names, creations = self.index.names, self.index.creations
        farm_at, origins, missing = self.farm_at, self.origins, self.missing
        named = self.plots.named
        for n in leaves:
            made = creations[n]
            if len(made) != 1:
                if made:
                    self.spread_creations(names[n], weights[n], made)
                else:
                    missing[names[n]] = weights[n]
                continue
            event, kg = made[0]
            if kg is None:
                self.lose("unknown_unit", names[n], weights[n], [event.id])
                continue
            # split_share's arithmetic for one row: its total is kg, the share goes whole
            # when the mass is not positive, else as share * kg / total
            part = weights[n] / 1 if kg <= 0 else weights[n] * kg / kg
            location = event.biz_location or event.read_point
            try:
                farm = farm_at[location]
            except KeyError:
                farm = self.farm_of(location)
            if farm is None:
                self.lose_created(names[n], part, event)
                continue
            key = (farm, named(event))
            row = origins.get(key)
            if row is None:
                row = origins[key] = [0.0, 0.0, set(), set()]
            row[0] += part
            row[1] += kg
            row[2].add(names[n])
            row[3].add(event.id)

    def farm_of(self, location: str | None) -> str | None:
        """Return the id of the farm at `location`, None if no farm is there."""
        site = self.site_at(location)
        farm = self.farm_at[location] = (
            site.id if site is not None and site.kind == "farm" else None
        )
        return farm

    def lose_created(self, cls: str, part: float, event: TraceEvent) -> None:
        """Lose the share of a creation at no farm: at no site known, or off farm."""
        if self.site_at(event.biz_location or event.read_point) is None:
            reason = "unknown_location" if event.biz_location else "no_location"
            self.lose(reason, cls, part, [event.id])
        else:
            self.lose("created_off_farm", cls, part, [event.id])

    def spread_creations(
        self, cls: str, share: float, creations: list[tuple[TraceEvent, float | None]]
    ) -> None:
        """Split a class's share over the several events creating it."""
        for event, kg, part in split_share(creations, share):
            if kg is None:
                self.lose("unknown_unit", cls, part, [event.id])
                continue
            farm = self.farm_of(event.biz_location or event.read_point)
            if farm is None:
                self.lose_created(cls, part, event)
                continue
            key = (farm, self.plots.named(event))
            row = self.origins.get(key)
            if row is None:
                row = self.origins[key] = [0.0, 0.0, set(), set()]
            row[0] += part
            row[1] += kg
            row[2].add(cls)
            row[3].add(event.id)

    def spread_transformations(
        self,
        n: int,
        share: float,
        producers: list[tuple[Making, float | None]],
        weights: list[float],
        back: set[tuple[int, int]],
    ) -> None:
        cls = self.index.names[n]
        if len(producers) == 1:
            kg = producers[0][1]
            parts = [share / 1 if kg is None or kg <= 0 else share * kg / kg]  # as above
        else:
            rows = [(making.event, kg) for making, kg in producers]
            parts = [part for _, _, part in split_share(rows, share)]
        for (making, out_kg), part in zip(producers, parts, strict=True):
            event = making.event
            if out_kg is None:
                self.lose("unknown_unit", cls, part, [event.id])
                continue
            tracked = self.tracked_inputs(making)
            if not tracked:
                self.lose("no_tracked_inputs", cls, part, [event.id])
                self.problems.append(
                    Problem(
                        "no_tracked_inputs",
                        f"{event.id} makes {cls} from no tracked input",
                        (event.id,),
                        (cls,),
                    )
                )
                continue
            masses = [kg for _, kg in tracked]
            total = sum(kg for kg in masses if kg is not None)
            if any(kg is None for kg in masses) or total <= 0:
                self.lose("unknown_unit", cls, part, [event.id])
                self.problems.append(
                    Problem(
                        "unknown_unit",
                        f"{event.id} has tracked inputs without a usable mass",
                        (event.id,),
                        (cls,),
                    )
                )
                continue
            for child, kg in tracked:
                child_share = part * (kg or 0.0) / total
                if (n, child) in back:
                    self.lose("cycle", self.index.names[child], child_share, [event.id])
                else:
                    weights[child] = weights[child] + child_share

    def report_missing(self) -> None:
        """Lose the share of each class without upstream, citing every event naming it."""
        if not self.missing:
            return
        mentions: dict[str, list[str]] = defaultdict(list)
        missing = self.missing
        for event, classes in zip(self.inputs.events, self.index.classes_of, strict=True):
            for cls in classes:
                if cls in missing:
                    mentions[cls].append(event.id)
        for cls, share in missing.items():
            events = sorted(mentions.get(cls, ()))
            self.lose("missing_upstream", cls, share, events)
            self.problems.append(
                Problem(
                    "missing_upstream",
                    f"no event produces or creates {cls}",
                    tuple(events),
                    (cls,),
                )
            )

    # -- result ------------------------------------------------------------------------------

    def build(self) -> Trace:
        index = self.index
        root = self.inputs.batch_class
        postorder, back = self.walk()
        weights = self.spread(postorder, back)
        self.report_missing()
        names = index.names
        reached = {names[n] for n in postorder}
        path = journey(
            self.inputs.events,
            index.classes_of,
            reached,
            self.site_at,
            everything=not index.unnamed and len(reached) == len(names),
        )
        self.problems.extend(path.problems)
        rows = TraceRows(self.inputs, index, self.kinds, self.site_at, self.problems)
        tracked_kg = rows.tracked_mass(0)
        origins = rows.origins(self.origins, tracked_kg)
        return Trace(
            batch_class=root,
            traced=bool(index.producers[0] or index.creations[0]),
            tracked_mass_kg=tracked_kg,
            origins=origins,
            unknown=tuple(
                UnknownShare(reason, cls, share, tuple(sorted(events)))
                for (reason, cls), (share, events) in sorted(self.unknown.items())
            ),
            lots=rows.lots(path.first_seen, weights),
            journey=path.steps,
            sites=path.sites,
            transformations=rows.transformations(path),
            # the message last: two problems alike but for it come in the same order always
            problems=tuple(
                sorted(
                    set(self.problems), key=lambda p: (p.kind, p.event_ids, p.classes, p.message)
                )
            ),
            # origins are sorted by farm first: their farms in order, each once
            farm_ids=tuple(dict.fromkeys([o.farm_id for o in origins])),
        )
