"""Scan analytics: daily counts and unique-visitor counts; never an IP address or UA.

Counts are keyed by the batch's public identifiers (GTIN and lot, "" for the product
page) rather than row ids, so a brand's history stays readable if a batch is removed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import Base, utcnow


class ScanCount(Base):
    """How many page views or client events one (day, batch, locale, device, kind) had."""

    __tablename__ = "scan_counts"
    __table_args__ = (
        UniqueConstraint("brand_id", "day", "gtin", "lot", "locale", "device_class", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    day: Mapped[date]
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str] = mapped_column(String(20))  # "" for the product page
    locale: Mapped[str] = mapped_column(String(8))
    device_class: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(default=0)


class VisitorCount(Base):
    """Unique visitors of one day: per batch, or for the whole brand (gtin = lot = "")."""

    __tablename__ = "visitor_counts"
    __table_args__ = (UniqueConstraint("brand_id", "day", "gtin", "lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    day: Mapped[date]
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str] = mapped_column(String(20))
    visitors: Mapped[int] = mapped_column(default=0)


class ScanDrain(Base):
    """A batch of buffered records already added to the counts (so it is never added twice)."""

    __tablename__ = "scan_drains"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
