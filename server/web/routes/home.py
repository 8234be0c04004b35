"""The landing page: what originxr is, and the batches it can tell about."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Response, render_template

from server.adapters.db import db
from server.adapters.models import Batch, Brand
from server.core.gs1.digital_link import batch_path
from server.services.catalog import all_batches
from server.web.routes.locales import locale_context

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Response:
    """List every brand's batches with their Digital Link URIs."""
    grouped: dict[int, list[tuple[Batch, str]]] = defaultdict(list)
    brands: dict[int, Brand] = {}
    for batch in all_batches(db.session):
        brand = batch.product.brand
        brands[brand.id] = brand
        grouped[brand.id].append((batch, batch_path(batch.product.gtin, batch.lot)))
    listing = [(brands[i], grouped[i]) for i in sorted(brands)]
    return Response(render_template("home.html", brands=listing, **locale_context()))


@bp.get("/healthz")
def health() -> dict[str, str]:
    """Answer a liveness probe."""
    return {"status": "ok"}
