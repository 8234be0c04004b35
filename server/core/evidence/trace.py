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
shares always add up to one. The walk visits each class once (index by class, iterative
depth-first search, then one pass in topological order), so it is linear in the events.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from server.core.evidence.event_reading import (
    class_quantities,
    is_creation,
    mass_kg,
    named_plots,
    site_at,
    site_index,
    split_share,
)
from server.core.evidence.inputs import BatchInputs, Material, Quantity, Site, TraceEvent
from server.core.evidence.trace_model import (
    Flow,
    Lot,
    Origin,
    Problem,
    Step,
    Trace,
    Transformation,
    UnknownShare,
)
from server.core.gs1.identifiers import gtin_of


def _event_id(event: TraceEvent) -> str:
    return event.id


def _event_time(event: TraceEvent) -> datetime:
    return event.time


def build_trace(inputs: BatchInputs) -> Trace:
    """Build the trace graph of `inputs.batch_class` from `inputs.events`."""
    return _Builder(inputs).build()


class _Builder:
    def __init__(self, inputs: BatchInputs) -> None:
        self.inputs = inputs
        self.sites = site_index(inputs.sites)
        self.materials: dict[str, Material] = {m.gtin: m for m in inputs.materials}
        self.plots_of: dict[str, set[str]] = defaultdict(set)
        for plot in inputs.plots:
            self.plots_of[plot.farm].add(plot.id)
        self.events = {e.id: e for e in inputs.events}
        # class -> [(event, kg of the class in it)]
        self.producers: dict[str, list[tuple[TraceEvent, float | None]]] = defaultdict(list)
        self.creations: dict[str, list[tuple[TraceEvent, float | None]]] = defaultdict(list)
        self.mentions: dict[str, list[TraceEvent]] = defaultdict(list)
        # id(event) -> the classes it names, in order of first mention (read again by the
        # journey, for each event on it); by identity, as two events may share an id
        self.classes_of: dict[int, tuple[str, ...]] = {}
        for event in inputs.events:
            lines = event.inputs + event.outputs + event.quantities
            classes = tuple(dict.fromkeys([q.epc_class for q in lines]))
            self.classes_of[id(event)] = classes
            for cls in classes:
                self.mentions[cls].append(event)
            if event.type == "TransformationEvent":
                for cls, kg in class_quantities(event, event.outputs).items():
                    self.producers[cls].append((event, kg))
            elif is_creation(event):
                created = class_quantities(event, event.outputs or event.quantities)
                for cls, kg in created.items():
                    self.creations[cls].append((event, kg))
        self.problems: list[Problem] = []
        self.unknown: dict[tuple[str, str], list[Any]] = {}
        self.origins: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
        self.material_of: dict[str, Material | None] = {}
        self.site_of: dict[str | None, Site | None] = {}

    # -- lookups ---------------------------------------------------------------------------

    def site_at(self, location: str | None) -> Site | None:
        # A chain's events name a few locations many times over: each is looked up once.
        try:
            return self.site_of[location]
        except KeyError:
            site = self.site_of[location] = site_at(self.sites, location)
            return site

    def material(self, cls: str) -> Material | None:
        if cls in self.material_of:
            return self.material_of[cls]
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

    def tracked(self, cls: str) -> bool:
        material = self.material(cls)
        return True if material is None else material.tracked

    def children(self, cls: str) -> list[str]:
        seen: dict[str, None] = {}
        for event, _ in self.producers.get(cls, ()):
            for q in event.inputs:
                if self.tracked(q.epc_class):
                    seen[q.epc_class] = None
        return list(seen)

    # -- graph walk --------------------------------------------------------------------------

    def walk(self) -> tuple[list[str], set[tuple[str, str]]]:
        """Return classes in post-order and the back edges (parent, child) that close cycles."""
        root = self.inputs.batch_class
        colour: dict[str, int] = {root: 1}
        on_stack: dict[str, int] = {root: 0}
        stack: list[tuple[str, list[str]]] = [(root, self.children(root)[::-1])]
        postorder: list[str] = []
        back: set[tuple[str, str]] = set()
        while stack:
            cls, todo = stack[-1]
            if not todo:
                stack.pop()
                del on_stack[cls]
                colour[cls] = 2
                postorder.append(cls)
                continue
            child = todo.pop()
            state = colour.get(child, 0)
            if state == 1:
                back.add((cls, child))
                loop = [c for c, _ in stack[on_stack[child] :]]
                events = sorted(
                    e.id
                    for e, _ in self.producers[cls]
                    if any(q.epc_class == child for q in e.inputs)
                )
                self.problems.append(
                    Problem(
                        "cycle",
                        f"{child} is an input of its own descendant {cls}",
                        tuple(events),
                        tuple(loop),
                    )
                )
            elif state == 0:
                colour[child] = 1
                on_stack[child] = len(stack)
                stack.append((child, self.children(child)[::-1]))
        return postorder, back

    def lose(self, reason: str, cls: str, share: float, events: list[str]) -> None:
        entry = self.unknown.setdefault((reason, cls), [0.0, set()])
        entry[0] += share
        entry[1].update(events)

    def spread(
        self,
        cls: str,
        share: float,
        weights: dict[str, float],
        back: set[tuple[str, str]],
    ) -> None:
        producers = self.producers.get(cls)
        if producers:
            self.spread_transformations(cls, share, producers, weights, back)
            return
        creations = self.creations.get(cls)
        if not creations:
            events = sorted(e.id for e in self.mentions.get(cls, ()))
            self.lose("missing_upstream", cls, share, events)
            self.problems.append(
                Problem(
                    "missing_upstream",
                    f"no event produces or creates {cls}",
                    tuple(events),
                    (cls,),
                )
            )
            return
        for event, kg, part in split_share(creations, share):
            if kg is None:
                self.lose("unknown_unit", cls, part, [event.id])
                continue
            site = self.site_at(event.biz_location or event.read_point)
            if site is None:
                reason = "unknown_location" if event.biz_location else "no_location"
                self.lose(reason, cls, part, [event.id])
            elif site.kind != "farm":
                self.lose("created_off_farm", cls, part, [event.id])
            else:
                plot_ids = named_plots(event)
                row = self.origins.setdefault(
                    (site.id, plot_ids),
                    {"share": 0.0, "kg": 0.0, "lots": set(), "events": set()},
                )
                row["share"] += part
                row["kg"] += kg
                row["lots"].add(cls)
                row["events"].add(event.id)

    def spread_transformations(
        self,
        cls: str,
        share: float,
        producers: list[tuple[TraceEvent, float | None]],
        weights: dict[str, float],
        back: set[tuple[str, str]],
    ) -> None:
        for event, out_kg, part in split_share(producers, share):
            if out_kg is None:
                self.lose("unknown_unit", cls, part, [event.id])
                continue
            tracked = [(q.epc_class, mass_kg(q)) for q in event.inputs if self.tracked(q.epc_class)]
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
                if (cls, child) in back:
                    self.lose("cycle", child, child_share, [event.id])
                else:
                    weights[child] = weights.get(child, 0.0) + child_share

    # -- result ------------------------------------------------------------------------------

    def build(self) -> Trace:
        root = self.inputs.batch_class
        postorder, back = self.walk()
        weights: dict[str, float] = {root: 1.0}
        for cls in reversed(postorder):
            self.spread(cls, weights.get(cls, 0.0), weights, back)
        reached = set(postorder)
        # One row per event id (the last one seen, as a dict keyed by id keeps), in order of
        # time then id: two stable sorts give the order of sorting by (time, id).
        by_id = {e.id: e for c in reached for e in self.mentions.get(c, ())}
        journey_events = sorted(by_id.values(), key=_event_id)
        journey_events.sort(key=_event_time)
        del by_id
        journey: list[Step] = []
        sites: dict[str, None] = {}
        first_seen: dict[str, list[str]] = {}
        classes_of = self.classes_of
        for event in journey_events:
            site = self.site_at(event.biz_location or event.read_point)
            if event.biz_location and site is None:  # the site looked up is biz_location's
                self.problems.append(
                    Problem(
                        "unknown_location",
                        f"{event.id} names unknown location {event.biz_location}",
                        (event.id,),
                    )
                )
            named = [c for c in classes_of[id(event)] if c in reached]
            lots = tuple(named) if len(named) == 1 else tuple(sorted(named))
            for cls in lots:
                seen = first_seen.get(cls)
                if seen is None:
                    first_seen[cls] = [event.id]
                else:
                    seen.append(event.id)
            if site is not None:
                sites.setdefault(site.id, None)
            journey.append(
                Step(
                    event.id,
                    event.time,
                    event.type,
                    event.biz_step,
                    event.action,
                    site.id if site else None,
                    event.biz_location,
                    lots,
                )
            )
        tracked_kg = self.tracked_mass(root)
        origins = tuple(
            Origin(
                farm,
                plots,
                farm in self.plots_of and set(plots) <= self.plots_of[farm],
                row["share"],
                None if tracked_kg is None else row["share"] * tracked_kg,
                row["kg"],
                tuple(sorted(row["lots"])),
                tuple(sorted(row["events"])),
            )
            for (farm, plots), row in sorted(self.origins.items(), key=lambda kv: kv[0])
        )
        for origin in origins:
            if origin.plot_ids and not origin.registered:
                self.problems.append(
                    Problem(
                        "unknown_plot",
                        f"{', '.join(origin.plot_ids)}: not all plots of {origin.farm_id}",
                        origin.event_ids,
                    )
                )
        return Trace(
            batch_class=root,
            traced=bool(self.producers.get(root) or self.creations.get(root)),
            tracked_mass_kg=tracked_kg,
            origins=origins,
            unknown=tuple(
                UnknownShare(reason, cls, share, tuple(sorted(events)))
                for (reason, cls), (share, events) in sorted(self.unknown.items())
            ),
            lots=tuple(
                self.lot(cls, weights.get(cls, 0.0), ids) for cls, ids in first_seen.items()
            ),
            journey=tuple(journey),
            sites=tuple(sites),
            transformations=tuple(
                self.transformation(self.events[s.event_id])
                for s in journey
                if s.type == "TransformationEvent" and self.events[s.event_id].outputs
            ),
            problems=tuple(
                sorted(set(self.problems), key=lambda p: (p.kind, p.event_ids, p.classes))
            ),
        )

    def lot(self, cls: str, share: float, event_ids: list[str]) -> Lot:
        material = self.material(cls)
        return Lot(
            cls,
            material.gtin if material else gtin_of(cls),
            material.name if material else None,
            material.tracked if material else True,
            share,
            tuple(event_ids),
        )

    def flow(self, q: Quantity) -> Flow:
        material = self.material(q.epc_class)
        return Flow(
            q.epc_class,
            material.name if material else None,
            material.tracked if material else True,
            mass_kg(q),
        )

    def transformation(self, event: TraceEvent) -> Transformation:
        site = self.site_at(event.biz_location or event.read_point)
        return Transformation(
            event.id,
            event.time,
            site.id if site else None,
            tuple(self.flow(q) for q in event.inputs),
            tuple(self.flow(q) for q in event.outputs),
        )

    def tracked_mass(self, cls: str) -> float | None:
        """Return the tracked mass in `cls`: transformation inputs allocated by output mass."""
        producers = self.producers.get(cls)
        if not producers:
            if not self.tracked(cls):
                return None
            if self.inputs.batch_quantity_kg is not None:
                return self.inputs.batch_quantity_kg
            masses = [kg for _, kg in self.creations.get(cls, ())]
            return (
                sum(m for m in masses if m is not None) if masses and None not in masses else None
            )
        total = 0.0
        for event, kg in producers:
            t = self.transformation(event)
            tracked_in, out = t.tracked_input_kg, t.output_kg
            if kg is None or tracked_in is None or not out:
                return None
            total += tracked_in * kg / out
        return total
