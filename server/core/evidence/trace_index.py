"""Index a batch's events once for its trace: lot classes numbered, producers listed by number.

Each lot class an event names, and the batch's own class, gets a number (its place in
`names`); the graph is then lists indexed by those numbers: the
transformations producing each class, the creations of each class, and for every
transformation its input classes and their masses. Each event's classes (in order of first
mention over its inputs, outputs and quantities) are kept as text for the journey, which
reports them by name.

A big batch is a hundred thousand events, most of them naming one lot (an observation, or a
harvest whose output and quantity are the same line): those take a path without a list or a
dict per event, and a class that nothing produces or creates holds the shared empty tuple.
"""

from __future__ import annotations

from server.core.evidence.event_reading import class_quantities, mass_kg
from server.core.evidence.inputs import Quantity, TraceEvent

_NONE: tuple[()] = ()  # what `producers` and `creations` hold for a class until it has one


class Making:
    """A transformation as the trace walks it: its event, inputs by class number and mass."""

    __slots__ = ("event", "inputs", "kg", "tracked")

    def __init__(self, event: TraceEvent, inputs: list[int], kg: list[float | None]) -> None:
        self.event = event
        self.inputs = inputs
        self.kg = kg
        # (class number, kg) of its tracked inputs, once the builder knows which are tracked
        self.tracked: list[tuple[int, float | None]] | None = None


class TraceIndex:
    """The lot classes and events of a batch, numbered for the trace graph."""

    def __init__(self, events: tuple[TraceEvent, ...], root: str) -> None:
        self.number: dict[str, int] = {root: 0}
        self.names: list[str] = [root]
        # by class number: (the transformation, kg of the class it outputs), in event order
        self.producers: list[list[tuple[Making, float | None]] | tuple[()]] = [_NONE]
        # by class number: (the creating event, kg of the class it creates), in event order
        self.creations: list[list[tuple[TraceEvent, float | None]] | tuple[()]] = [_NONE]
        # by id(event), for the TransformationEvents
        self.making: dict[int, Making] = {}
        # by event (as in `events`): its classes, in order of first mention
        self.classes_of: list[tuple[str, ...]] = []
        # how many events name no class (they are on no journey); every class named is numbered
        self.unnamed = 0
        classes_of = self.classes_of.append
        number, creations, of = self.number, self.creations, self.of
        for event in events:
            kind, quantities, outputs = event.type, event.quantities, event.outputs
            if not event.inputs and len(quantities) == 1 and (outputs is quantities or not outputs):
                line = quantities[0]  # an observation, or a harvest naming its lot twice
                cls = line.epc_class
                classes_of((cls,))
                if cls not in number:
                    of(cls)
            else:
                line = None
                classes = _classes(event.inputs + outputs + quantities)
                classes_of(classes)
                for cls in classes:
                    if cls not in number:
                        of(cls)
                if not classes:
                    self.unnamed += 1
            if kind == "TransformationEvent":
                self._add_transformation(event)
                continue
            action = event.action
            # `event_reading.is_creation`: an ObjectEvent with action ADD
            if (
                action is None
                or kind != "ObjectEvent"
                or (action != "ADD" and action.upper() != "ADD")
            ):
                continue
            made = outputs or quantities
            if line is not None or len(made) == 1:
                line = made[0]
                kg = mass_kg(line)
                pairs = [(line.epc_class, None if kg is None else 0.0 + kg)]  # as class_quantities
            else:
                pairs = list(class_quantities(event, made).items())
            for cls, kg in pairs:
                n = number[cls]
                made_by = creations[n]
                if made_by:
                    made_by.append((event, kg))
                else:
                    creations[n] = [(event, kg)]

    def of(self, cls: str) -> int:
        """Return the number of class `cls`, numbering it if it is new."""
        n = self.number.get(cls)
        if n is None:
            n = self.number[cls] = len(self.names)
            self.names.append(cls)
            self.producers.append(_NONE)
            self.creations.append(_NONE)
        return n

    def _add_transformation(self, event: TraceEvent) -> None:
        number, producers = self.number, self.producers  # its classes are numbered already
        inputs = event.inputs
        making = Making(event, [number[q.epc_class] for q in inputs], list(map(mass_kg, inputs)))
        self.making[id(event)] = making
        for cls, kg in _class_kg(event, event.outputs):
            n = number[cls]
            made_by = producers[n]
            if made_by:
                made_by.append((making, kg))
            else:
                producers[n] = [(making, kg)]


def _classes(lines: tuple[Quantity, ...]) -> tuple[str, ...]:
    """Return the classes of `lines` in order of first mention, each once."""
    if len(lines) == 1:
        return (lines[0].epc_class,)
    if len(lines) == 2:
        first, second = lines[0].epc_class, lines[1].epc_class
        return (first,) if first == second else (first, second)
    return tuple(dict.fromkeys([q.epc_class for q in lines]))


def _class_kg(event: TraceEvent, lines: tuple[Quantity, ...]) -> list[tuple[str, float | None]]:
    """Return `class_quantities(event, lines)` as pairs, the common single line without a dict."""
    if len(lines) == 1:
        line = lines[0]
        kg = mass_kg(line)
        # as class_quantities sums: from 0.0
        return [(line.epc_class, None if kg is None else 0.0 + kg)]
    return list(class_quantities(event, lines).items())
