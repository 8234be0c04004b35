"""Reality snapshots: Gaussian-splat captures of a site and their level-of-detail tilesets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import Base, utcnow


class Snapshot(Base):
    """One uploaded capture of a site: its source blob, capture metadata and tiling state.

    ``status`` runs queued → tiling → done (``tileset_sha256`` set in the same commit)
    or failed (``error`` says why).
    """

    __tablename__ = "snapshots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    # The site's brand-scoped key, not a foreign key to sites.id: loading a brand pack
    # replaces its site rows (new ids), and snapshots must outlive that.
    site_key: Mapped[str] = mapped_column(String(64), index=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    splat_count: Mapped[int]
    sh_degree: Mapped[int]
    captured_on: Mapped[date]
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    device: Mapped[str | None] = mapped_column(String(200))
    party: Mapped[str | None] = mapped_column(String(200))
    consent: Mapped[str | None] = mapped_column(Text)
    # Verified C2PA capture credentials (server.services.capture_credentials.Credentials), if sent.
    credentials: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str | None] = mapped_column(String(32))
    job_id: Mapped[str | None] = mapped_column(String(64))
    tileset_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
