"""Brands, their products, batches and story versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.adapters.models.base import Base, utcnow


class Brand(Base):
    """A brand: its settings, chapters, parameters and revision counters."""

    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    locales: Mapped[list[Any]] = mapped_column(default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Bumped whenever supply-chain data of the brand changes: builds keyed on it go stale.
    data_revision: Mapped[int] = mapped_column(default=1)
    pack_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    products: Mapped[list[Product]] = relationship(back_populates="brand", order_by="Product.id")
    stories: Mapped[list[StoryVersion]] = relationship(
        back_populates="brand", order_by="StoryVersion.version"
    )


class StoryVersion(Base):
    """An immutable version of a brand's story text: chapters per locale."""

    __tablename__ = "story_versions"
    __table_args__ = (UniqueConstraint("brand_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    version: Mapped[int]
    # {locale: {chapter_key: {"title": str, "body": str}}}
    chapters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # [{"key", "site_kinds", "checks": [check names in display order]}]; None: brand settings
    layout: Mapped[list[Any] | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Where the version came from: "pack", "studio" or "rollback:<version>".
    source: Mapped[str] = mapped_column(String(32), default="pack")
    note: Mapped[str | None] = mapped_column(Text)
    # Claim-check findings open at publish time, and the reason given to publish anyway.
    findings: Mapped[list[Any]] = mapped_column(default=list)
    override_reason: Mapped[str | None] = mapped_column(Text)

    brand: Mapped[Brand] = relationship(back_populates="stories")


class Product(Base):
    """A trade item identified by its GTIN-14."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    # {locale: name}
    name: Mapped[dict[str, Any]] = mapped_column(default=dict)
    net_weight_g: Mapped[float | None]

    brand: Mapped[Brand] = relationship(back_populates="products")
    batches: Mapped[list[Batch]] = relationship(back_populates="product", order_by="Batch.lot")


class Batch(Base):
    """A production lot of a product: the unit a shopper's QR code names."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("product_id", "lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    lot: Mapped[str] = mapped_column(String(20))
    produced_on: Mapped[date | None]
    best_before: Mapped[date | None]
    quantity_kg: Mapped[float | None]
    # Bumped when a change reaches this batch only (a capture, an evidence upload): its
    # builds go stale and no other batch's do (`server.services.rebuild_scope`).
    data_revision: Mapped[int] = mapped_column(default=0, server_default="0")

    product: Mapped[Product] = relationship(back_populates="batches")
