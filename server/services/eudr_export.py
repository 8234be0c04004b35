"""The EUDR due-diligence export of a batch: the brand's plots at full precision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Brand, Plot
from server.core.evidence.eudr import build_export
from server.services.catalog import sites_of


def due_diligence_export(session: Session, brand: Brand, report: dict[str, Any]) -> dict[str, Any]:
    """Return the GeoJSON export of the brand's plots with the full `report`'s findings."""
    plots = session.scalars(select(Plot).where(Plot.brand_id == brand.id)).all()
    sites = {
        s.key: {
            "name": s.name,
            "country": s.country,
            "region": s.region,
            "farmer": (s.properties or {}).get("farmer"),
        }
        for s in sites_of(session, brand.id)
    }
    return build_export(
        report,
        [
            {
                "id": p.key,
                "farm": p.site_key,
                "geometry": p.geometry,
                "declared_area_ha": p.declared_area_ha,
                "country": p.country,
            }
            for p in plots
        ],
        sites,
        brand.name,
    )
