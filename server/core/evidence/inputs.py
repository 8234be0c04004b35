"""Plain data the evidence checks and the trace graph read.

The worker's loader builds these from the database; tests build them by hand. Nothing
here knows about Flask, Redis or SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Quantity:
    """An amount of one product class (canonical LGTIN class URN)."""

    epc_class: str
    quantity: float
    uom: str | None = None


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One stored EPCIS event, reduced to what tracing needs."""

    id: str
    type: str
    time: datetime
    biz_step: str | None = None
    action: str | None = None
    biz_location: str | None = None
    read_point: str | None = None
    inputs: tuple[Quantity, ...] = ()
    outputs: tuple[Quantity, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    destinations: tuple[tuple[str, str], ...] = ()
    ilmd: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Site:
    """A place in the supply chain (farm, cooperative, factory, ...)."""

    id: str
    kind: str
    name: str
    sgln: str | None
    country: str | None
    lat: float | None
    lon: float | None
    region: str | None = None
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Plot:
    """A farm's plot: GeoJSON geometry (RFC 7946, lon/lat) and the declared area."""

    id: str
    farm: str
    geometry: dict[str, Any]
    declared_area_ha: float | None
    country: str | None


@dataclass(frozen=True, slots=True)
class Material:
    """A product class (GTIN-14) and how the checks treat it."""

    gtin: str
    name: str
    tracked: bool
    yield_basis_factor: float = 1.0


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """A stored evidence record (assessment, visit, payment, audit, certificate)."""

    id: str
    kind: str
    subject_type: str
    subject_id: str
    issuer: str | None
    issued_on: date | None
    valid_until: date | None
    payload: dict[str, Any]
    source_hash: str | None = None


@dataclass(frozen=True)
class BatchInputs:
    """Everything the evidence checks need for one batch, as plain data."""

    batch_class: str
    batch_quantity_kg: float | None
    as_of: date
    events: tuple[TraceEvent, ...]
    sites: tuple[Site, ...]
    plots: tuple[Plot, ...]
    materials: tuple[Material, ...]
    evidence: tuple[EvidenceRecord, ...]
    parameters: dict[str, Any]
    # What several checks compute from the same plot (its shapely shape, geodesic area):
    # computed once per input, by `server.core.evidence.plots`. Not an input: not compared,
    # not copied by dataclasses.replace.
    memo: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
