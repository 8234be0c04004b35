"""The EUDR due-diligence export: full precision for the brand's integrators, nobody else."""

from __future__ import annotations

from flask import Flask

from tests.conftest import api_token, work_queue

FLAGGED = "/01/09520123100025/10/NK25-0227"
EXPORT = "/api/v1/batches/09520123100025/NK25-0227/eudr"


def test_export_lists_the_batch_plots_with_their_findings(app: Flask) -> None:
    client = app.test_client()
    client.get(FLAGGED)
    work_queue(app)
    token = api_token(app)
    response = client.get(EXPORT, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Cache-Control"] == "private, no-store"
    export = response.get_json()
    assert export["type"] == "FeatureCollection" and export["operator"] == "Nkabom Chocolate"
    by_plot = {f["id"]: f for f in export["features"]}
    farms = {f["properties"]["farm"] for f in export["features"]}
    assert farms == {f"farm-{n}" for n in range(14, 27)}  # the batch's 13 farms, no others
    assert by_plot["plot-21b"]["properties"]["deforestation_status"] == "unknown"
    assert by_plot["plot-17a"]["properties"]["farm_quantity_in_batch_kg"] > 0
    assert by_plot["plot-17a"]["properties"]["producer"].startswith("GH-")
    assert 0.17 < export["untraced_share"] < 0.18  # the bought-in cocoa butter
    coords = by_plot["plot-17a"]["geometry"]["coordinates"]
    assert len(str(coords[0]).split(".")[1]) >= 6  # full precision, not a public grid cell


def test_export_needs_the_brands_own_token(app: Flask) -> None:
    client = app.test_client()
    client.get(FLAGGED)
    work_queue(app)
    assert client.get(EXPORT).status_code == 401
    bad = client.get(EXPORT, headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
