"""Brand isolation: an editor of one brand cannot read or change another's by guessing."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from server.adapters.db import db
from server.adapters.models import ApiToken, Membership
from server.services.tokens import create_token
from tests.studio.conftest import StudioClient

READS = ["/studio/rival/", "/studio/rival/people", "/studio/rival/tokens", "/studio/nobrand/"]


@pytest.mark.parametrize("path", READS)
def test_other_brands_pages_are_not_found(studio: StudioClient, path: str) -> None:
    response = studio.get(path)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Rival" not in body


def test_other_brands_writes_are_refused_and_change_nothing(
    studio: StudioClient, studio_app: Flask
) -> None:
    with studio_app.app_context(), db.transaction() as session:
        record, _token = create_token(session, "rival", "rival ERP")
        token_id = record.id
        members_before = session.scalar(select(func.count()).select_from(Membership))
    studio.get("/studio/nkabom/tokens")
    attempts = [
        studio.post("/studio/rival/tokens", {"name": "planted"}),
        studio.post(f"/studio/rival/tokens/{token_id}/revoke"),
        studio.post(f"/studio/nkabom/tokens/{token_id}/revoke"),
        studio.post("/studio/rival/people", {"email": "spy@nkabom.example", "role": "editor"}),
        studio.post("/studio/rival/people/1/remove"),
    ]
    assert [r.status_code for r in attempts] == [404] * 5
    with studio_app.app_context():
        rival_token = db.session.get(ApiToken, token_id)
        assert rival_token is not None and rival_token.revoked_at is None
        assert db.session.scalar(select(ApiToken).where(ApiToken.name == "planted")) is None
        members = db.session.scalar(select(func.count()).select_from(Membership))
        assert members == members_before


def test_brand_listing_names_only_own_brands(studio: StudioClient) -> None:
    response = studio.get("/studio/")
    # One brand: the studio opens it directly.
    assert response.status_code == 303
    assert response.headers["Location"] == "/studio/nkabom/"
