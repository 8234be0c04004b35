"""Index a batch's events once for its trace: lot classes numbered, producers listed by number.

Each lot class that a transformation or a creation names, and the batch's own class, gets a
number (its place in `names`); the graph is then lists indexed by those numbers: the
transformations producing each class, the creations of each class, and for every
transformation its input classes and their masses. Each event's classes (in order of first
mention over its inputs, outputs and quantities) are kept as text for the journey, which
reports them by name.
"""

from __future__ import annotations

from server.core.evidence.event_reading import class_quantities, is_creation, mass_kg
from server.core.evidence.inputs import Quantity, TraceEvent


class Making:
    """A transformation as the trace walks it: its event, inputs by class number and mass."""

    __slots__ = ("event", "inputs", "kg", "tracked")

    def __init__(self, event: TraceEvent, inputs: list[int], kg: list[float | None]) -> None:
        self.event = event
        self.inputs = inputs
        self.kg = kg
        # (class number, kg) of its tracked inputs, once `TraceIndex.tracked` is known for them
        self.tracked: list[tuple[int, float | None]] | None = None


class TraceIndex:
    """The lot classes and events of a batch, numbered for the trace graph."""

    def __init__(self, events: tuple[TraceEvent, ...], root: str) -> None:
        self.number: dict[str, int] = {root: 0}
        self.names: list[str] = [root]
        # by class number: (the transformation, kg of the class it outputs), in event order
        self.producers: list[list[tuple[Making, float | None]]] = [[]]
        # by class number: (the creating event, kg of the class it creates), in event order
        self.creations: list[list[tuple[TraceEvent, float | None]]] = [[]]
        # by id(event), for the TransformationEvents
        self.making: dict[int, Making] = {}
        # by event (as in `events`): its classes, in order of first mention
        self.classes_of: list[tuple[str, ...]] = []
        classes_of = self.classes_of.append
        # whether an event creates lots, by (type, action): is_creation reads those two only
        creates: dict[tuple[str, str | None], bool] = {}
        number, creations = self.number, self.creations
        for event in events:
            lines = event.inputs + event.outputs + event.quantities
            if len(lines) == 1:
                classes_of((lines[0].epc_class,))
            elif len(lines) == 2:  # a harvest names its lot as output and as quantity
                first, second = lines[0].epc_class, lines[1].epc_class
                classes_of((first,) if first == second else (first, second))
            else:
                classes_of(tuple(dict.fromkeys([q.epc_class for q in lines])))
            kind = event.type
            if kind == "TransformationEvent":
                self._add_transformation(event)
                continue
            key = (kind, event.action)
            creation = creates.get(key)
            if creation is None:
                creation = creates[key] = is_creation(event)
            if creation:
                for cls, kg in _class_kg(event, event.outputs or event.quantities):
                    n = number.get(cls)
                    creations[self.of(cls) if n is None else n].append((event, kg))

    def of(self, cls: str) -> int:
        """Return the number of class `cls`, numbering it if it is new."""
        n = self.number.get(cls)
        if n is None:
            n = self.number[cls] = len(self.names)
            self.names.append(cls)
            self.producers.append([])
            self.creations.append([])
        return n

    def _add_transformation(self, event: TraceEvent) -> None:
        of, number = self.of, self.number
        inputs = [q.epc_class for q in event.inputs]
        making = Making(
            event,
            [number[c] if c in number else of(c) for c in inputs],
            list(map(mass_kg, event.inputs)),
        )
        self.making[id(event)] = making
        for cls, kg in _class_kg(event, event.outputs):
            self.producers[of(cls)].append((making, kg))


def _class_kg(event: TraceEvent, lines: tuple[Quantity, ...]) -> list[tuple[str, float | None]]:
    """Return `class_quantities(event, lines)` as pairs, the common single line without a dict."""
    if len(lines) == 1:
        line = lines[0]
        kg = mass_kg(line)
        # as class_quantities sums: from 0.0
        return [(line.epc_class, None if kg is None else 0.0 + kg)]
    return list(class_quantities(event, lines).items())
