"""Look-ups of brands, products and batches by their public identifiers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server.adapters.models import Batch, Brand, Product, Site
from server.core.errors import N_, NotFound, TranslatableError, UnresolvedKey
from server.core.gs1.digital_link import parse_path


class UnknownProduct(NotFound, TranslatableError):
    """No product has this GTIN."""


class UnknownBatch(NotFound, TranslatableError):
    """The product exists but has no batch with this lot."""


def product_by_gtin(session: Session, gtin: str) -> Product:
    """Return the product with GTIN-14 `gtin` or raise UnknownProduct."""
    product = session.scalars(
        select(Product).where(Product.gtin == gtin).options(selectinload(Product.brand))
    ).first()
    if product is None:
        raise UnknownProduct(
            N_("We do not know the product with GTIN %(gtin)s. Is this the code on your pack?"),
            gtin=gtin,
        )
    return product


def batch_by_lot(session: Session, product: Product, lot: str) -> Batch:
    """Return `product`'s batch `lot` or raise UnknownBatch."""
    batch = session.scalars(
        select(Batch).where(Batch.product_id == product.id, Batch.lot == lot)
    ).first()
    if batch is None:
        raise UnknownBatch(
            N_(
                "We know this product but not its batch %(lot)s. The batch number is printed "
                "next to the best-before date; please compare it with the code you scanned."
            ),
            lot=lot,
        )
    return batch


class UnknownSite(UnresolvedKey):
    """No brand has a site with this GLN."""


def site_by_gln(session: Session, gln: str) -> tuple[Site, Brand]:
    """Return the site with GLN `gln` and its brand, or raise UnknownSite."""
    query = select(Site, Brand).join(Brand, Brand.id == Site.brand_id).where(Site.gln == gln)
    row = session.execute(query.order_by(Site.id)).first()
    if row is None:
        raise UnknownSite(
            N_(
                "We know no site with the GLN %(gln)s. originxr resolves the GLNs of the "
                "sites in its brands' supply chains only."
            ),
            gln=gln,
        )
    return row[0], row[1]


def batch_at(session: Session, gtin: str, lot: str) -> Batch:
    """Return the batch at the Digital Link path ``/01/{gtin}/10/{lot}``, or raise NotFound.

    The path is parsed as the resolver parses it, so the API's URLs accept what a code does.
    """
    link = parse_path(f"/01/{gtin}/10/{lot}")
    return batch_by_lot(session, product_by_gtin(session, link.gtin), link.lot or lot)


def batch_by_id(session: Session, batch_id: int) -> Batch | None:
    """Return the batch with database id `batch_id`, if it exists."""
    return session.get(Batch, batch_id)


def brand_by_slug(session: Session, slug: str) -> Brand | None:
    """Return the brand `slug`, if it exists."""
    return session.scalars(select(Brand).where(Brand.slug == slug)).first()


def all_batches(session: Session, brand_slug: str | None = None) -> list[Batch]:
    """Return every batch (of one brand if `brand_slug` is given), ordered by GTIN and lot."""
    query = select(Batch).join(Product).join(Brand).order_by(Product.gtin, Batch.lot)
    if brand_slug:
        query = query.where(Brand.slug == brand_slug)
    return list(session.scalars(query))


def sites_of(session: Session, brand_id: int) -> list[Site]:
    """Return the brand's sites (farms, cooperatives, factories, ...)."""
    return list(session.scalars(select(Site).where(Site.brand_id == brand_id)))


def listed_sites(session: Session, brand_id: int) -> list[Site]:
    """Return the brand's sites in key order, as the integrator API lists them."""
    query = select(Site).where(Site.brand_id == brand_id).order_by(Site.key)
    return list(session.scalars(query))
