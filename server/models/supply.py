"""Supply-chain master data and events: sites, plots, EPCIS events, evidence records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, utcnow


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
    """A farm's plot with its GeoJSON geometry and declared area."""

    __tablename__ = "plots"
    __table_args__ = (UniqueConstraint("brand_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    site_key: Mapped[str] = mapped_column(String(64))
    geometry: Mapped[dict[str, Any]] = mapped_column(default=dict)
    declared_area_ha: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(2))


class EpcisEvent(Base):
    """One EPCIS 2.0 event: the raw JSON as captured plus the fields tracing needs."""

    __tablename__ = "epcis_events"
    __table_args__ = (UniqueConstraint("brand_id", "event_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
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


class EvidenceRecord(Base):
    """A piece of evidence about a plot, site or batch (assessment, visit, payment, audit)."""

    __tablename__ = "evidence_records"
    __table_args__ = (UniqueConstraint("brand_id", "key"),)

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
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    record_sha256: Mapped[str] = mapped_column(String(64))
