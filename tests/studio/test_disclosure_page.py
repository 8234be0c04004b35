"""Studio disclosure page: editors change the policy, builds go stale; isolation holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue

from server.adapters.db import db
from server.core.disclosure.policy import DEFAULT_POLICY, policy_of
from server.services.catalog import brand_by_slug
from tests.conftest import load_demo
from tests.studio.conftest import StudioClient

PAGE = "/studio/nkabom/disclosure"
GOOD = {
    "location": "grid_10km",
    "named_kinds": ["factory", "port"],
    "withheld_sites": "port-1\n",
    "show_prices": "no",
}


def _settings(app: Flask, slug: str = "nkabom") -> dict[str, Any]:
    with app.app_context():
        brand = brand_by_slug(db.session, slug)
        assert brand is not None
        return dict(brand.settings or {})


def test_page_shows_the_default_policy_with_explanations(studio: StudioClient) -> None:
    response = studio.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="grid_1km" aria-describedby="location-grid_1km-help" checked' in html
    assert "Farms are never named" in html
    assert 'aria-current="page"' in html


def test_editor_saves_policy_and_rebuilds_are_enqueued(
    studio: StudioClient, studio_app: Flask
) -> None:
    queue = Queue("builds", connection=Redis.from_url(studio_app.config["REDIS_URL"]))
    before = queue.count
    studio.get(PAGE)
    response = studio.post(PAGE, GOOD)
    assert response.status_code == 303
    stored = _settings(studio_app)["disclosure"]
    assert stored == {
        "location": "grid_10km",
        "named_kinds": ["port", "factory"],
        "withheld_sites": ["port-1"],
        "show_prices": False,
    }
    assert queue.count > before  # every batch's builds are stale under the new policy
    page = studio.get(PAGE).get_data(as_text=True)
    assert "Disclosure policy saved." in page
    assert 'value="grid_10km" aria-describedby="location-grid_10km-help" checked' in page


def test_bad_policies_are_refused_with_clear_text(studio: StudioClient, studio_app: Flask) -> None:
    cases = [
        ({"location": "street"}, "Choose how precisely locations are shown"),
        ({"named_kinds": ["farm"]}, "Farms are never named in public."),
        ({"named_kinds": ["bank"]}, "Unknown kind of supplier: bank."),
        ({"withheld_sites": "nowhere-9"}, "These sites do not exist at this brand: nowhere-9."),
        ({"show_prices": "maybe"}, "Choose whether prices are shown."),
    ]
    studio.get(PAGE)
    for change, message in cases:
        response = studio.post(PAGE, {**GOOD, **change})
        html = response.get_data(as_text=True)
        assert response.status_code == 400, change
        assert message in html
        assert 'role="alert" id="disclosure-error"' in html
        assert "disclosure" not in _settings(studio_app)


def test_viewer_sees_but_cannot_change(studio_app: Flask) -> None:
    viewer = StudioClient(studio_app.test_client())
    viewer.login("viewer@nkabom.example")
    page = viewer.get(PAGE)
    assert page.status_code == 200 and "Only editors can change the policy." in page.get_data(
        as_text=True
    )
    assert viewer.post(PAGE, GOOD).status_code == 403
    assert "disclosure" not in _settings(studio_app)


def test_other_brands_policy_is_not_found(studio: StudioClient, studio_app: Flask) -> None:
    studio.get(PAGE)
    assert studio.get("/studio/rival/disclosure").status_code == 404
    assert studio.post("/studio/rival/disclosure", GOOD).status_code == 404
    assert "disclosure" not in _settings(studio_app, "rival")
    assert policy_of(_settings(studio_app, "rival")) == DEFAULT_POLICY


def test_anonymous_is_sent_to_sign_in(anonymous: StudioClient) -> None:
    response = anonymous.get(PAGE)
    assert response.status_code == 302 and "/studio/login" in response.headers["Location"]


def test_policy_survives_a_pack_reimport(
    studio: StudioClient, studio_app: Flask, copied_pack: Path
) -> None:
    studio.get(PAGE)
    assert studio.post(PAGE, GOOD).status_code == 303
    meta = json.loads((copied_pack / "brand.json").read_text())
    meta["tagline"]["en"] = "A changed tagline."
    (copied_pack / "brand.json").write_text(json.dumps(meta))
    load_demo(studio_app, copied_pack)
    settings = _settings(studio_app)
    assert settings["tagline"]["en"] == "A changed tagline."
    assert settings["disclosure"]["location"] == "grid_10km"  # not loosened by the import
