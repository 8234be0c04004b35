"""What a batch's trace graph holds: origins, unknown shares, lots, the journey, problems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Flow:
    """One input or output line of a transformation."""

    epc_class: str
    material: str | None
    tracked: bool
    quantity_kg: float | None


@dataclass(frozen=True, slots=True)
class Transformation:
    """A TransformationEvent on the batch's path, with its masses."""

    event_id: str
    time: datetime
    site_id: str | None
    inputs: tuple[Flow, ...]
    outputs: tuple[Flow, ...]

    @property
    def tracked_input_kg(self) -> float | None:
        """Return the mass of tracked inputs, None if any of them has no mass."""
        masses = [f.quantity_kg for f in self.inputs if f.tracked]
        return None if any(m is None for m in masses) else sum(m for m in masses if m is not None)

    @property
    def output_kg(self) -> float | None:
        """Return the mass of all outputs, None if any of them has no mass."""
        masses = [f.quantity_kg for f in self.outputs]
        return None if any(m is None for m in masses) else sum(m for m in masses if m is not None)


@dataclass(frozen=True, slots=True)
class Origin:
    """A farm (and plots, when the creation event names them) the batch's commodity came from.

    `plot_ids` is empty when the harvest event names no plot: the whole farm is the origin.
    """

    farm_id: str
    plot_ids: tuple[str, ...]
    registered: bool
    share: float
    mass_kg: float | None
    harvested_kg: float
    lots: tuple[str, ...]
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnknownShare:
    """A share of the batch's tracked mass whose origin cannot be told, and why."""

    reason: str
    epc_class: str
    share: float
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the data behind the trace."""

    kind: str
    message: str
    event_ids: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One event on the batch's journey."""

    event_id: str
    time: datetime
    type: str
    biz_step: str | None
    action: str | None
    site_id: str | None
    location: str | None
    lots: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lot:
    """A lot class on the batch's path and its share of the batch's tracked mass."""

    epc_class: str
    gtin: str | None
    material: str | None
    tracked: bool
    share: float
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Trace:
    """The batch's trace graph, reduced to what checks and pages read."""

    batch_class: str
    traced: bool
    tracked_mass_kg: float | None
    origins: tuple[Origin, ...]
    unknown: tuple[UnknownShare, ...]
    lots: tuple[Lot, ...]
    journey: tuple[Step, ...]
    sites: tuple[str, ...]
    transformations: tuple[Transformation, ...]
    problems: tuple[Problem, ...]

    @property
    def farm_ids(self) -> tuple[str, ...]:
        """Return the ids of the farms feeding the batch, sorted."""
        return tuple(sorted({o.farm_id for o in self.origins}))

    @property
    def untracked_inputs(self) -> tuple[tuple[str, Flow], ...]:
        """Return (event id, flow) for every untracked input of the batch's transformations."""
        return tuple(
            (t.event_id, f) for t in self.transformations for f in t.inputs if not f.tracked
        )
