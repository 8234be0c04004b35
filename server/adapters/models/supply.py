"""Supply-chain master data and events: sites, plots, EPCIS events, evidence records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.compare import comparators
from alembic.operations.ops import (
    DropIndexOp,
    DropTableOp,
    MigrateOperation,
    ModifyTableOps,
    UpgradeOps,
)
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import (
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    column,
    event,
    func,
    select,
    table,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from server.adapters.models.base import Base, utcnow
from server.core.evidence.plots import bounds
from server.core.evidence.records import site_named


class Site(Base):
    """A place in the chain: farm, cooperative, fermentary, warehouse, port, factory, ..."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("brand_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    gln: Mapped[str | None] = mapped_column(String(13))
    location_id: Mapped[str | None] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100))
    parent_key: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Plot(Base):
    """A farm's plot with its GeoJSON geometry and declared area.

    The bounding box is kept from the geometry so that plots near a batch's plots (the ones
    an overlap check must compare) are found through a spatial index: on PostgreSQL a GiST
    index over the box (`ix_plots_box`), on SQLite the R*Tree `plots_rtree` (migration 0011,
    kept by triggers). `ix_plots_bbox` stays for the range query's exact recheck.
    """

    __tablename__ = "plots"
    __table_args__ = (
        UniqueConstraint("brand_id", "key"),
        Index("ix_plots_bbox", "brand_id", "min_lon", "max_lon", "min_lat", "max_lat"),
        Index("ix_plots_farm", "brand_id", "site_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    site_key: Mapped[str] = mapped_column(String(64))
    geometry: Mapped[dict[str, Any]] = mapped_column(default=dict)
    declared_area_ha: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(2))
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)

    @validates("geometry")
    def _keep_bounds(self, _key: str, geometry: dict[str, Any]) -> dict[str, Any]:
        box = bounds(geometry) if geometry else None
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = box or (None,) * 4
        return geometry


PLOTS_RTREE = table(
    "plots_rtree",
    column("id"),
    column("min_lon"),
    column("max_lon"),
    column("min_lat"),
    column("max_lat"),
)
"""SQLite's R*Tree of the plots' boxes (its id is `plots.id`), made by migration 0011."""


def in_spatial_index(
    dialect: str, min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> ColumnElement[bool]:
    """Return a condition on `Plot` that the spatial index answers: its box meets this one.

    A superset, not the exact test: the R*Tree stores 32-bit floats rounded outwards and
    PostgreSQL's box operators compare with a tolerance of 1e-6, so callers also compare the
    float columns (which keeps the result exactly that of the range query).
    """
    if dialect == "sqlite":
        rtree = PLOTS_RTREE.c
        return Plot.id.in_(
            select(rtree.id).where(
                rtree.min_lon <= max_lon,
                rtree.max_lon >= min_lon,
                rtree.min_lat <= max_lat,
                rtree.max_lat >= min_lat,
            )
        )
    # The indexed expression of migration 0011; closed boxes, so `&&` is true for boxes that
    # only touch, as the range query is.
    of_plot = _box(Plot.min_lon, Plot.min_lat, Plot.max_lon, Plot.max_lat)
    return of_plot.op("&&")(_box(min_lon, min_lat, max_lon, max_lat))


def _box(min_lon: Any, min_lat: Any, max_lon: Any, max_lat: Any) -> ColumnElement[Any]:
    return func.box(func.point(min_lon, min_lat), func.point(max_lon, max_lat))


PLOTS_BOX_INDEX = "ix_plots_box"
"""PostgreSQL's GiST index over the plots' boxes, made by migration 0011."""

# The spatial index is made by migration 0011, not by the models: SQLAlchemy can neither
# create an R*Tree nor reflect an expression index on SQLite. These are the names Alembic's
# comparison must not propose to drop (the R*Tree's shadow tables are SQLite's own).
_SPATIAL_TABLES = frozenset(f"plots_rtree{suffix}" for suffix in ("", "_node", "_parent", "_rowid"))


def _is_spatial_index(op: MigrateOperation) -> bool:
    if isinstance(op, DropTableOp):
        return op.table_name in _SPATIAL_TABLES
    return isinstance(op, DropIndexOp) and op.index_name == PLOTS_BOX_INDEX


@comparators.dispatch_for("autogenerate", priority=DispatchPriority.LAST)
def _keep_spatial_index(
    _context: AutogenContext, upgrade_ops: UpgradeOps
) -> PriorityDispatchResult:
    """Remove autogenerate's proposals to drop the plots' spatial index (migration 0011)."""
    upgrade_ops.ops = [op for op in upgrade_ops.ops if not _is_spatial_index(op)]
    for op in upgrade_ops.ops:
        if isinstance(op, ModifyTableOps):
            op.ops = [inner for inner in op.ops if not _is_spatial_index(inner)]
    upgrade_ops.ops = [
        op for op in upgrade_ops.ops if not (isinstance(op, ModifyTableOps) and op.is_empty())
    ]
    return PriorityDispatchResult.CONTINUE


class EpcisEvent(Base):
    """One EPCIS 2.0 event: the raw JSON as captured plus the fields tracing needs."""

    __tablename__ = "epcis_events"
    __table_args__ = (
        UniqueConstraint("brand_id", "event_hash"),
        Index("ix_epcis_events_event_id", "brand_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the two composite indexes above start with it (migration 0015).
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    event_hash: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str | None] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(32))
    event_time: Mapped[datetime]
    event_timezone: Mapped[str] = mapped_column(String(6))
    action: Mapped[str | None] = mapped_column(String(8))
    biz_step: Mapped[str | None] = mapped_column(String(200), index=True)
    read_point: Mapped[str | None] = mapped_column(String(200))
    biz_location: Mapped[str | None] = mapped_column(String(200), index=True)
    # [{"epc_class", "quantity", "uom"}] in canonical identifiers
    inputs: Mapped[list[Any]] = mapped_column(default=list)
    outputs: Mapped[list[Any]] = mapped_column(default=list)
    quantities: Mapped[list[Any]] = mapped_column(default=list)
    parsed: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_document: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventIdentifier(Base):
    """One canonical identifier an event names, in a role: what identifier filters look up.

    Roles: ``epc`` (epcList, childEPCs and the classes of quantityList/childQuantityList:
    what ``MATCH_epc`` sees), ``io`` (parentID, input/output EPCs and classes: the rest of
    ``MATCH_anyEPC``) and ``place`` (the bizLocation without its ``/254/`` extension).
    """

    __tablename__ = "event_identifiers"
    __table_args__ = (Index("ix_event_identifiers_lookup", "brand_id", "identifier", "role"),)

    event_id: Mapped[int] = mapped_column(
        ForeignKey("epcis_events.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(8), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), primary_key=True)
    # No foreign key of its own (migration 0016): `event_id`'s ties the row to an event of the
    # brand and cascades a brand's deletion; a second key was a trigger and a lock per row.
    brand_id: Mapped[int]


class EvidenceRecord(Base):
    """A piece of evidence about a plot, site or batch (assessment, visit, payment, audit)."""

    __tablename__ = "evidence_records"
    __table_args__ = (
        UniqueConstraint("brand_id", "key"),
        Index("ix_evidence_records_subject", "brand_id", "subject_type", "subject_key"),
        Index("ix_evidence_records_about_site", "brand_id", "about_site"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(String(200))
    issued_on: Mapped[date | None]
    valid_until: Mapped[date | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    document_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    record_sha256: Mapped[str] = mapped_column(String(64))
    # the site the record is about (`server.core.evidence.records.record_site`), kept on write
    about_site: Mapped[str | None] = mapped_column(String(200))


@event.listens_for(EvidenceRecord, "before_insert")
@event.listens_for(EvidenceRecord, "before_update")
def _keep_about_site(_mapper: Any, _connection: Any, record: EvidenceRecord) -> None:
    site = site_named(record.payload or {}, record.subject_type, record.subject_key)
    record.about_site = site[:200] if site else None
