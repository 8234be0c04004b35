"""The links a batch's Digital Link URI offers (its linkset), with their targets."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _

from server.adapters.config import settings
from server.adapters.models import Batch, Brand
from server.core import qr_codes
from server.core.gs1.linkset import Link


def public_base() -> str:
    """Return the server's public origin: PUBLIC_BASE_URL, or the request's own."""
    base: str = settings().public_base_url or request.host_url
    return base.rstrip("/")


def brand_base(brand: Brand) -> str:
    """Return the origin of the brand's codes: its own domain if set, else ours."""
    return qr_codes.base_url_of(brand.settings, public_base())


def batch_uri(batch: Batch) -> str:
    """Return the batch's Digital Link URI, the one its QR code carries."""
    product = batch.product
    return qr_codes.batch_uri(brand_base(product.brand), product.gtin, batch.lot)


def batch_links(batch: Batch) -> list[Link]:
    """Return the links of `batch`'s linkset, in the brand's languages."""
    gtin, lot = batch.product.gtin, batch.lot
    langs = tuple(batch.product.brand.locales or ())
    base = public_base()
    return [
        Link("gs1:pip", batch_uri(batch), _("Product and batch story"), "text/html", langs),
        Link(
            "gs1:traceability",
            base + url_for("api.evidence_report", gtin=gtin, lot=lot),
            _("Evidence report: traceability and checks"),
            "application/json",
        ),
        Link(
            "gs1:sustainabilityInfo",
            base + url_for("api.consumer_summary", gtin=gtin, lot=lot),
            _("Summary of the checks and their results"),
            "application/json",
        ),
        Link(
            "gs1:epcis",
            base + url_for("api.batch_events", gtin=gtin, lot=lot),
            _("EPCIS events of this batch's supply chain"),
            "application/ld+json",
        ),
    ]
