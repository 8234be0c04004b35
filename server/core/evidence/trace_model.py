"""What a batch's trace graph holds: origins, unknown shares, lots, the journey, problems.

The rows are named tuples, not dataclasses: a 10,000-farm batch's trace has a quarter of a
million of them (a step per event, a lot per class, a flow per transformation line), and a
frozen dataclass's constructor, which sets each field through ``object.__setattr__``, cost
several times what a tuple's does. They are read by attribute, as before, and are immutable
and hashable all the same; only the builder in `trace` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class Flow(NamedTuple):
    """One input or output line of a transformation."""

    epc_class: str
    material: str | None
    tracked: bool
    quantity_kg: float | None


def flow_total(masses: list[float | None]) -> float | None:
    """Return the sum of `masses`, None if any of them is None."""
    return None if any(m is None for m in masses) else sum(m for m in masses if m is not None)


class Transformation(NamedTuple):
    """A TransformationEvent on the batch's path, with its masses.

    `tracked_input_kg` is the mass of its tracked inputs and `output_kg` that of all its
    outputs, each None if one of the lines it sums has no mass (`flow_total`).
    """

    event_id: str
    time: datetime
    site_id: str | None
    inputs: tuple[Flow, ...]
    outputs: tuple[Flow, ...]
    tracked_input_kg: float | None
    output_kg: float | None


def transformation(
    event_id: str,
    time: datetime,
    site_id: str | None,
    inputs: tuple[Flow, ...],
    outputs: tuple[Flow, ...],
) -> Transformation:
    """Return the Transformation of these flows, with its tracked input and output masses."""
    return Transformation(
        event_id,
        time,
        site_id,
        inputs,
        outputs,
        flow_total([f.quantity_kg for f in inputs if f.tracked]),
        flow_total([f.quantity_kg for f in outputs]),
    )


class Origin(NamedTuple):
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


class UnknownShare(NamedTuple):
    """A share of the batch's tracked mass whose origin cannot be told, and why."""

    reason: str
    epc_class: str
    share: float
    event_ids: tuple[str, ...]


class Problem(NamedTuple):
    """Something wrong with the data behind the trace."""

    kind: str
    message: str
    event_ids: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()


class Step(NamedTuple):
    """One event on the batch's journey."""

    event_id: str
    time: datetime
    type: str
    biz_step: str | None
    action: str | None
    site_id: str | None
    location: str | None
    lots: tuple[str, ...]


class Lot(NamedTuple):
    """A lot class on the batch's path and its share of the batch's tracked mass."""

    epc_class: str
    gtin: str | None
    material: str | None
    tracked: bool
    share: float
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Trace:
    """The batch's trace graph, reduced to what checks and pages read.

    `farm_ids` are the ids of the farms feeding the batch, sorted (those of `origins`).
    """

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
    farm_ids: tuple[str, ...]

    @property
    def untracked_inputs(self) -> tuple[tuple[str, Flow], ...]:
        """Return (event id, flow) for every untracked input of the batch's transformations."""
        return tuple(
            (t.event_id, f) for t in self.transformations for f in t.inputs if not f.tracked
        )
