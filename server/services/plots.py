"""An integrator's plots: checked against the brand's sites, then upserted by key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Brand, Plot, Site
from server.core.evidence.plot_validation import PlotRow, validate_plots
from server.services.brand_changes import bump_revision


def check_plots(
    session: Session, brand: Brand, collection: Any
) -> tuple[list[PlotRow], list[dict[str, Any]]]:
    """Return the collection's plot rows and the issues found, against the brand's sites."""
    pairs = session.execute(select(Site.key, Site.kind).where(Site.brand_id == brand.id))
    sites = {key: kind for key, kind in pairs}
    parameters = (brand.settings or {}).get("parameters") or {}
    return validate_plots(collection, sites, parameters)


def store_plots(session: Session, brand_id: int, rows: list[PlotRow]) -> dict[str, int]:
    """Insert or update the plots by key and commit; return created / updated / unchanged counts."""
    existing = {
        plot.key: plot
        for plot in session.scalars(
            select(Plot).where(Plot.brand_id == brand_id, Plot.key.in_([r.key for r in rows]))
        )
    }
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        values = {
            "site_key": row.farm,
            "geometry": row.geometry,
            "declared_area_ha": row.declared_area_ha,
            "country": row.country,
        }
        plot = existing.get(row.key)
        if plot is None:
            session.add(Plot(brand_id=brand_id, key=row.key, **values))
            counts["created"] += 1
        elif all(getattr(plot, name) == value for name, value in values.items()):
            counts["unchanged"] += 1
        else:
            for name, value in values.items():
                setattr(plot, name, value)
            counts["updated"] += 1
    if counts["created"] or counts["updated"]:
        bump_revision(session, brand_id)
    session.commit()
    return counts
