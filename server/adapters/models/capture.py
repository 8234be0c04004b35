"""Integrator access and EPCIS capture records: API tokens and captures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import Base, utcnow


class ApiToken(Base):
    """A bearer token of one integrator, scoped to one brand; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class Capture(Base):
    """One accepted EPCIS capture request: what came in and what became of it."""

    __tablename__ = "captures"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    event_count: Mapped[int] = mapped_column(default=0)
    stored_count: Mapped[int] = mapped_column(default=0)
    # [{"path", "eventHash", "eventID"}] of events already stored before this capture
    duplicates: Mapped[list[Any]] = mapped_column(default=list)
    # [{"path", "message"}] when the capture failed
    errors: Mapped[list[Any]] = mapped_column(default=list)
