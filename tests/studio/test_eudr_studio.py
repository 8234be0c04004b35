"""The EUDR export in the studio: editors and admins at full precision; viewers and other
brands not at all."""

from __future__ import annotations

from flask import Flask

from tests.conftest import work_queue
from tests.studio.conftest import OTHER_GTIN, StudioClient, make_user

EXPORT = "/studio/nkabom/eudr/09520123100025/NK25-0227.geojson"


def test_editor_downloads_the_full_precision_export(
    studio: StudioClient, studio_app: Flask
) -> None:
    studio_app.test_client().get("/01/09520123100025/10/NK25-0227")
    work_queue(studio_app)
    overview = studio.get("/studio/nkabom/").get_data(as_text=True)
    assert EXPORT in overview
    response = studio.get(EXPORT)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    plot = next(f for f in response.get_json()["features"] if f["id"] == "plot-17a")
    assert len(str(plot["geometry"]["coordinates"][0]).split(".")[1]) >= 6


def test_viewer_and_other_brands_get_no_export(studio_app: Flask) -> None:
    studio_app.test_client().get("/01/09520123100025/10/NK25-0227")
    work_queue(studio_app)
    viewer = StudioClient(studio_app.test_client())
    viewer.login("viewer@nkabom.example")
    assert viewer.get(EXPORT).status_code == 403
    assert EXPORT not in viewer.get("/studio/nkabom/").get_data(as_text=True)
    rival = StudioClient(studio_app.test_client())
    rival.login("editor@rival.example")
    assert rival.get(EXPORT).status_code == 404
    # Its own slug with the other brand's batch: 404 too, before any build state is told.
    assert rival.get("/studio/rival/eudr/09520123100025/NK25-0227.geojson").status_code == 404
    assert rival.get(f"/studio/rival/eudr/{OTHER_GTIN}/RV-1.geojson").status_code == 503
    assert StudioClient(studio_app.test_client()).get(EXPORT).status_code == 302


def test_platform_admin_downloads_any_brands_export(studio_app: Flask) -> None:
    studio_app.test_client().get("/01/09520123100025/10/NK25-0227")
    work_queue(studio_app)
    make_user(studio_app, "admin@platform.example", admin=True)
    admin = StudioClient(studio_app.test_client())
    admin.login("admin@platform.example")
    assert admin.get(EXPORT).status_code == 200
