"""Builds: one row per (batch, kind, input fingerprint); done rows are what pages show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import Base, utcnow

KINDS = ("evidence", "scene")
STATUSES = ("queued", "running", "done", "failed")


class Build(Base):
    """A worker's build of one output kind for a batch.

    A build is published by setting ``status = "done"`` together with its ``outputs``
    (blob hashes) in one transaction: the blobs are written first, so a killed build
    never leaves a half-visible result.
    """

    __tablename__ = "builds"
    __table_args__ = (UniqueConstraint("batch_id", "kind", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(default=0.0)
    step: Mapped[str | None] = mapped_column(String(64))
    job_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None]
    outputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
