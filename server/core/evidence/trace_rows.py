"""Assemble a trace's rows once its shares are known: lots, flows, transformations, origins.

The graph walk (`trace`) finds each class's share and each origin's totals; these rows are
what the checks and the report read of them. A 10,000-farm batch has fifty thousand lots and
sixty thousand flows: each row is a named tuple made from a tuple of its fields, and each
class's material is looked up once (`trace_materials`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from server.core.evidence.event_reading import mass_kg
from server.core.evidence.inputs import BatchInputs, Quantity, Site, TraceEvent
from server.core.evidence.trace_index import TraceIndex
from server.core.evidence.trace_journey import Journey
from server.core.evidence.trace_materials import ClassKinds
from server.core.evidence.trace_model import Flow, Lot, Origin, Problem, Transformation

_new = tuple.__new__  # a row (a named tuple) from a tuple of its fields

# What the walk sums for each origin, by (farm id, plot ids): [share, kg harvested, lot
# classes, event ids]
OriginTotals = dict[tuple[str, tuple[str, ...]], list[Any]]


class TraceRows:
    """Make the rows of one batch's trace from its index and the walk's results."""

    def __init__(
        self,
        inputs: BatchInputs,
        index: TraceIndex,
        kinds: ClassKinds,
        site_at: Callable[[str | None], Site | None],
        problems: list[Problem],
    ) -> None:
        self.inputs = inputs
        self.index = index
        self.kinds = kinds
        self.site_at = site_at
        self.problems = problems

    def lots(self, first_seen: dict[str, list[str]], weights: list[float]) -> tuple[Lot, ...]:
        """Return a lot per class on the journey (in order of first step), with its share."""
        number, kinds, look_up = self.index.number, self.kinds.kinds, self.kinds.of
        return tuple(
            [
                _new(
                    Lot, (cls, *(kinds.get(cls) or look_up(cls)), weights[number[cls]], tuple(ids))
                )
                for cls, ids in first_seen.items()
            ]
        )

    def flows(self, lines: tuple[Quantity, ...], masses: list[float | None]) -> tuple[Flow, ...]:
        """Return a flow per line of a transformation, with its mass in kg."""
        kinds, look_up = self.kinds.kinds, self.kinds.of
        return tuple(
            [
                _new(Flow, (cls, kind[1], kind[2], kg))
                for cls, kg in zip([q.epc_class for q in lines], masses, strict=True)
                for kind in (kinds.get(cls) or look_up(cls),)
            ]
        )

    def transformation(self, event: TraceEvent) -> Transformation:
        """Return the Transformation of `event`, its flows' masses read as the index read them."""
        site = self.site_at(event.biz_location or event.read_point)
        making = self.index.making.get(id(event))
        inputs = self.flows(event.inputs, making.kg if making else list(map(mass_kg, event.inputs)))
        outputs = self.flows(event.outputs, list(map(mass_kg, event.outputs)))
        # model.transformation's totals (`flow_total`), summed as it sums them
        tracked = [f[3] for f in inputs if f[2]]
        masses = [f[3] for f in outputs]
        return _new(
            Transformation,
            (
                event.id,
                event.time,
                site.id if site else None,
                inputs,
                outputs,
                None if None in tracked else sum(kg for kg in tracked if kg is not None),
                None if None in masses else sum(kg for kg in masses if kg is not None),
            ),
        )

    def transformations(self, path: Journey) -> tuple[Transformation, ...]:
        """Return the journey's transformations with outputs, in journey order."""
        events = path.events
        if not path.unique_ids:
            # a step stands for every event of its id: read as the last of them
            last = {e.id: e for e in self.inputs.events}
            picked = [last[e.id] for e in events if e.type == "TransformationEvent"]
        else:
            picked = [e for e in events if e.type == "TransformationEvent"]
        return tuple([self.transformation(e) for e in picked if e.outputs])

    def tracked_mass(self, n: int) -> float | None:
        """Return the tracked mass in class number `n`: inputs allocated by output mass."""
        producers = self.index.producers[n]
        if not producers:
            if not self.kinds.of(self.index.names[n])[2]:
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

    def origins(self, totals: OriginTotals, tracked_kg: float | None) -> tuple[Origin, ...]:
        """Return an origin per (farm, plots), sorted; report plots the farm does not have."""
        plots_of: dict[str, set[str]] = defaultdict(set)
        for plot in self.inputs.plots:
            plots_of[plot.farm].add(plot.id)
        origins = []
        for key in sorted(totals):
            farm, plots = key
            share, kg, lots, events = totals[key]
            registered = farm in plots_of and set(plots) <= plots_of[farm]
            event_ids = tuple(sorted(events))
            origins.append(
                _new(
                    Origin,
                    (
                        farm,
                        plots,
                        registered,
                        share,
                        None if tracked_kg is None else share * tracked_kg,
                        kg,
                        tuple(sorted(lots)),
                        event_ids,
                    ),
                )
            )
            if plots and not registered:
                self.problems.append(
                    Problem(
                        "unknown_plot", f"{', '.join(plots)}: not all plots of {farm}", event_ids
                    )
                )
        return tuple(origins)
