"""The EUDR due-diligence export of a batch: its plots as GeoJSON, with what a statement needs.

Pure: takes the batch's evidence report and its plots and sites as plain data, returns a
GeoJSON FeatureCollection (RFC 7946) whose features carry the geolocation at full
precision, the producer reference, the quantity from that farm in the batch, and the
deforestation and geolocation findings with the evidence they rest on.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "originxr.eudr-export/1"
CUTOFF = "2020-12-31"


def _rows(report: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    check: dict[str, Any] = next((c for c in report.get("checks", []) if c.get("key") == key), {})
    return {row["plot"]: row for row in check.get("details", []) if "plot" in row}


def build_export(
    report: dict[str, Any],
    plots: list[dict[str, Any]],
    sites: dict[str, dict[str, Any]],
    operator: str,
) -> dict[str, Any]:
    """Return the batch's due-diligence FeatureCollection.

    `plots` are ``{"id", "farm", "geometry", "declared_area_ha", "country"}``; `sites` maps a
    farm key to ``{"name", "country", "region", "farmer"}``.
    """
    origins = report.get("trace", {}).get("origins", [])
    by_farm = {o["farm"]: o for o in origins}
    deforestation = _rows(report, "deforestation")
    geometry = _rows(report, "plot_geometry")
    features = []
    for plot in sorted(plots, key=lambda p: p["id"]):
        origin = by_farm.get(plot["farm"])
        if origin is None:
            continue
        site = sites.get(plot["farm"], {})
        forest = deforestation.get(plot["id"], {})
        geo = geometry.get(plot["id"], {})
        features.append(
            {
                "type": "Feature",
                "id": plot["id"],
                "geometry": plot["geometry"],
                "properties": {
                    "plot": plot["id"],
                    "farm": plot["farm"],
                    "producer": site.get("farmer") or site.get("name"),
                    "country": plot.get("country") or site.get("country"),
                    "region": site.get("region"),
                    "declared_area_ha": plot.get("declared_area_ha"),
                    "farm_quantity_in_batch_kg": origin.get("mass_kg"),
                    "farm_share_of_batch": origin.get("share"),
                    "production_events": origin.get("events", []),
                    "deforestation_status": forest.get("status", "unknown"),
                    "deforestation_cutoff": CUTOFF,
                    "deforestation_evidence": forest.get("record"),
                    "geolocation_status": geo.get("status", "unknown"),
                    "geolocation_issues": geo.get("issues", []),
                },
            }
        )
    unknown = report.get("trace", {}).get("unknown", [])
    return {
        "type": "FeatureCollection",
        "schema": SCHEMA,
        "operator": operator,
        "batch": report.get("batch"),
        "as_of": report.get("as_of"),
        # Mass that cannot be traced to a plot cannot be declared deforestation-free.
        "untraced_share": round(sum(u.get("share", 0.0) for u in unknown), 6),
        "untraced": unknown,
        "features": features,
    }
