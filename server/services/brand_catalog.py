"""A brand's products, batches and sites as the studio looks them up: always within the brand.

Another brand's record answers `NotFound`, exactly like one that does not exist.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Batch, Product, Site
from server.core.errors import NotFound


def brand_products(session: Session, brand_id: int, gtin: str | None = None) -> list[Product]:
    """Return the brand's products in the order they were made (only `gtin`'s when given)."""
    query = select(Product).where(Product.brand_id == brand_id).order_by(Product.id)
    if gtin is not None:
        query = query.where(Product.gtin == gtin)
    return list(session.scalars(query))


def brand_product(session: Session, brand_id: int, gtin: str) -> Product:
    """Return the brand's product `gtin`; `NotFound` when it has none."""
    product = session.scalar(
        select(Product).where(Product.brand_id == brand_id, Product.gtin == gtin)
    )
    if product is None:
        raise NotFound("no such product")
    return product


def product_batch(session: Session, product: Product, lot: str) -> Batch:
    """Return `product`'s batch `lot`; `NotFound` when it has none."""
    batch = session.scalar(select(Batch).where(Batch.product_id == product.id, Batch.lot == lot))
    if batch is None:
        raise NotFound("no such batch")
    return batch


def brand_batch(session: Session, brand_id: int, batch_id: int) -> Batch:
    """Return the batch `batch_id` if it is one of the brand's; `NotFound` otherwise."""
    batch = session.get(Batch, batch_id)
    if batch is None or batch.product.brand_id != brand_id:
        raise NotFound("no such batch")
    return batch


def brand_sites(session: Session, brand_id: int) -> list[Site]:
    """Return the brand's sites ordered by kind, then key."""
    query = select(Site).where(Site.brand_id == brand_id).order_by(Site.kind, Site.key)
    return list(session.scalars(query))
