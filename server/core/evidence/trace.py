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
topological order), so it is linear in the events; the journey is assembled column by
column (`trace_journey`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from server.core.evidence.event_reading import mass_kg, site_at, site_index, split_share
from server.core.evidence.inputs import BatchInputs, Material, Quantity, Site, TraceEvent
from server.core.evidence.trace_index import Making, TraceIndex
from server.core.evidence.trace_journey import Journey, journey
from server.core.evidence.trace_model import (
    Flow,
    Lot,
    Origin,
    Problem,
    Trace,
    Transformation,
    UnknownShare,
    transformation,
)
from server.core.evidence.trace_plots import NamedPlots
from server.core.gs1.identifiers import gtin_of

_UNSEEN: Any = object()
_new = tuple.__new__  # a row (a named tuple) from a tuple of its fields


def build_trace(inputs: BatchInputs) -> Trace:
    """Build the trace graph of `inputs.batch_class` from `inputs.events`."""
    return _Builder(inputs).build()


class _Builder:
    def __init__(self, inputs: BatchInputs) -> None:
        self.inputs = inputs
        self.sites = site_index(inputs.sites)
        self.materials: dict[str, Material] = {m.gtin: m for m in inputs.materials}
        self.index = TraceIndex(inputs.events, inputs.batch_class)
        # by class number: whether it is tracked, once asked
        self.tracked_of: list[bool | None] = [None] * len(self.index.names)
        self.problems: list[Problem] = []
        self.unknown: dict[tuple[str, str], list[Any]] = {}
        # (farm, plots) -> [share, kg harvested, lots, events]
        self.origins: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
        # classes no event produces or creates, with their share, reported once all are known
        self.missing: dict[str, float] = {}
        self.material_of: dict[str, Material | None] = {}
        self.kind: dict[str, tuple[str | None, str | None, bool]] = {}
        self.site_of: dict[str | None, Site | None] = {}
        self.plots = NamedPlots()

    # -- lookups ---------------------------------------------------------------------------

    def site_at(self, location: str | None) -> Site | None:
        # A chain's events name a few locations many times over: each is looked up once.
        try:
            return self.site_of[location]
        except KeyError:
            site = self.site_of[location] = site_at(self.sites, location)
            return site

    def material(self, cls: str) -> Material | None:
        material = self.material_of.get(cls, _UNSEEN)
        if material is not _UNSEEN:
            return material
        gtin = gtin_of(cls)
        material = self.materials.get(gtin) if gtin else None
        self.material_of[cls] = material
        if material is None:
            self.problems.append(
                Problem(
                    "unknown_material",
                    f"no material registered for {cls}; treated as tracked",
                    classes=(cls,),
                )
            )
        return material

    def kind_of(self, cls: str) -> tuple[str | None, str | None, bool]:
        """Return the gtin, material name and tracked flag of `cls`, as lots and flows show."""
        kind = self.kind.get(cls)
        if kind is None:
            material = self.material(cls)
            kind = self.kind[cls] = (
                (material.gtin, material.name, material.tracked)
                if material
                else (gtin_of(cls), None, True)
            )
        return kind

    def tracked(self, n: int) -> bool:
        """Tell whether class number `n` is tracked (a class of no known material is)."""
        tracked = self.tracked_of[n]
        if tracked is None:
            material = self.material(self.index.names[n])
            tracked = self.tracked_of[n] = True if material is None else material.tracked
        return tracked

    def tracked_inputs(self, making: Making) -> list[tuple[int, float | None]]:
        """Return (class number, kg) of `making`'s tracked inputs, in input order."""
        if making.tracked is None:
            tracked = self.tracked
            pairs = zip(making.inputs, making.kg, strict=True)
            making.tracked = [(n, kg) for n, kg in pairs if tracked(n)]
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
        """Push the batch's share upstream, each class after all that use it; return shares."""
        index = self.index
        names, producers, creations = index.names, index.producers, index.creations
        weights = [0.0] * len(names)
        weights[0] = 1.0
        for n in reversed(postorder):
            if producers[n]:
                self.spread_transformations(n, weights[n], producers[n], weights, back)
            elif creations[n]:
                self.spread_creations(names[n], weights[n], creations[n])
            else:
                self.missing[names[n]] = weights[n]
        return weights

    def spread_creations(
        self, cls: str, share: float, creations: list[tuple[TraceEvent, float | None]]
    ) -> None:
        site_of, origins = self.site_of, self.origins
        if len(creations) == 1:
            kg = creations[0][1]
            # split_share's arithmetic for one row: its total is kg, the share goes whole
            # when the mass is missing or not positive, else as share * kg / total
            parts = [share / 1 if kg is None or kg <= 0 else share * kg / kg]
        else:
            parts = [part for _, _, part in split_share(creations, share)]
        for (event, kg), part in zip(creations, parts, strict=True):
            if kg is None:
                self.lose("unknown_unit", cls, part, [event.id])
                continue
            location = event.biz_location or event.read_point
            site = site_of[location] if location in site_of else self.site_at(location)
            if site is None:
                reason = "unknown_location" if event.biz_location else "no_location"
                self.lose(reason, cls, part, [event.id])
            elif site.kind != "farm":
                self.lose("created_off_farm", cls, part, [event.id])
            else:
                key = (site.id, self.plots.named(event))
                row = origins.get(key)
                if row is None:
                    row = origins[key] = [0.0, 0.0, set(), set()]
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
        path = journey(
            self.inputs.events, index.classes_of, {names[n] for n in postorder}, self.site_at
        )
        self.problems.extend(path.problems)
        tracked_kg = self.tracked_mass(0)
        origins = self.origin_rows(tracked_kg)
        return Trace(
            batch_class=root,
            traced=bool(index.producers[0] or index.creations[0]),
            tracked_mass_kg=tracked_kg,
            origins=origins,
            unknown=tuple(
                UnknownShare(reason, cls, share, tuple(sorted(events)))
                for (reason, cls), (share, events) in sorted(self.unknown.items())
            ),
            lots=self.lots(path.first_seen, weights),
            journey=path.steps,
            sites=path.sites,
            transformations=self.transformations(path),
            problems=tuple(
                sorted(set(self.problems), key=lambda p: (p.kind, p.event_ids, p.classes))
            ),
            # origins are sorted by farm first: their farms in order, each once
            farm_ids=tuple(dict.fromkeys([o.farm_id for o in origins])),
        )

    def origin_rows(self, tracked_kg: float | None) -> tuple[Origin, ...]:
        plots_of: dict[str, set[str]] = defaultdict(set)
        for plot in self.inputs.plots:
            plots_of[plot.farm].add(plot.id)
        origins = []
        for key in sorted(self.origins):
            farm, plots = key
            share, kg, lots, events = self.origins[key]
            origin = Origin(
                farm,
                plots,
                farm in plots_of and set(plots) <= plots_of[farm],
                share,
                None if tracked_kg is None else share * tracked_kg,
                kg,
                tuple(sorted(lots)),
                tuple(sorted(events)),
            )
            if plots and not origin.registered:
                self.problems.append(
                    Problem(
                        "unknown_plot",
                        f"{', '.join(plots)}: not all plots of {farm}",
                        origin.event_ids,
                    )
                )
            origins.append(origin)
        return tuple(origins)

    def transformations(self, path: Journey) -> tuple[Transformation, ...]:
        """Return the journey's transformations with outputs, in journey order."""
        events = path.events
        if not path.unique_ids:
            # a step stands for every event of its id: read as the last of them
            last = {e.id: e for e in self.inputs.events}
            picked = [last[e.id] for e in events if e.type == "TransformationEvent"]
        else:
            picked = [e for e in events if e.type == "TransformationEvent"]
        return tuple(self.transformation(e) for e in picked if e.outputs)

    def lots(self, first_seen: dict[str, list[str]], weights: list[float]) -> tuple[Lot, ...]:
        number, kind_of = self.index.number, self.kind_of
        return tuple(
            _new(Lot, (cls, *kind_of(cls), weights[number[cls]], tuple(ids)))
            for cls, ids in first_seen.items()
        )

    def flows(self, lines: tuple[Quantity, ...], masses: list[float | None]) -> tuple[Flow, ...]:
        kind_of = self.kind_of
        flows = []
        for q, kg in zip(lines, masses, strict=True):
            _, material, tracked = kind_of(q.epc_class)
            flows.append(_new(Flow, (q.epc_class, material, tracked, kg)))
        return tuple(flows)

    def transformation(self, event: TraceEvent) -> Transformation:
        site = self.site_at(event.biz_location or event.read_point)
        making = self.index.making.get(id(event))
        inputs = making.kg if making else list(map(mass_kg, event.inputs))
        return transformation(
            event.id,
            event.time,
            site.id if site else None,
            self.flows(event.inputs, inputs),
            self.flows(event.outputs, list(map(mass_kg, event.outputs))),
        )

    def tracked_mass(self, n: int) -> float | None:
        """Return the tracked mass in class number `n`: inputs allocated by output mass."""
        producers = self.index.producers[n]
        if not producers:
            if not self.tracked(n):
                return None
            if self.inputs.batch_quantity_kg is not None:
                return self.inputs.batch_quantity_kg
            masses = [kg for _, kg in self.index.creations[n]]
            return (
                sum(m for m in masses if m is not None) if masses and None not in masses else None
            )
        total = 0.0
        for making, kg in producers:
            t = self.transformation(making.event)
            tracked_in, out = t.tracked_input_kg, t.output_kg
            if kg is None or tracked_in is None or not out:
                return None
            total += tracked_in * kg / out
        return total
