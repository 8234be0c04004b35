"""Studio test helpers: users with roles, a signed-in test client that sends CSRF tokens,
and a second brand for isolation tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from server.adapters.db import db
from server.adapters.models import Batch, Brand, Product, StoryVersion
from server.services.accounts import ensure_user, grant, invite, redeem
from server.services.catalog import brand_by_slug
from tests.conftest import load_demo, make_app

PASSWORD = "cocoa-harvest-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(
    app: Flask,
    email: str,
    brand: str | None = None,
    role: str | None = None,
    *,
    admin: bool = False,
    password: str = PASSWORD,
) -> int:
    """Create a user (with a password) and give them `role` at `brand`; return the user id."""
    with app.app_context(), db.transaction() as session:
        user = ensure_user(session, email, admin=admin)
        if brand and role:
            target = brand_by_slug(session, brand)
            assert target is not None
            grant(session, user, target, role)
        redeem(session, invite(session, user), password)
        return user.id


def gtin_with_check(body13: str) -> str:
    """Return the GTIN-14 for 13 digits with its GS1 check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body13)))
    return body13 + str((10 - total % 10) % 10)


OTHER_GTIN = gtin_with_check("0952099900001")


def add_other_brand(app: Flask) -> None:
    """Add a second brand, 'rival', with one product, one batch and a published story."""
    with app.app_context(), db.transaction() as session:
        brand = Brand(slug="rival", name="Rival Cocoa", default_locale="en", locales=["en", "de"])
        session.add(brand)
        session.flush()
        product = Product(brand_id=brand.id, gtin=OTHER_GTIN, name={"en": "Rival bar"})
        session.add(product)
        session.flush()
        session.add(Batch(product_id=product.id, lot="RV-1"))
        session.add(
            StoryVersion(
                brand_id=brand.id,
                version=1,
                published=True,
                chapters={"en": {"farms": {"title": "Rival farms", "body": "Secret text"}}},
            )
        )


class StudioClient:
    """A test client that signs in and sends the CSRF token of the last page it fetched."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(path, **kwargs)
        match = CSRF.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        if self.token is None:
            self.get("/studio/login")
        form = dict(data or {})
        form.setdefault("csrf_token", self.token)
        return self.client.post(path, data=form, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> TestResponse:
        self.get("/studio/login")
        return self.post("/studio/login", {"email": email, "password": password})


@pytest.fixture
def studio_app(tmp_path: Path, redis_url: str, database: dict[str, Any]) -> Iterator[Flask]:
    """The demo brand plus a rival brand, on SQLite and PostgreSQL, with editors at each."""
    application = make_app(tmp_path, redis_url, database)
    load_demo(application)
    add_other_brand(application)
    make_user(application, "editor@nkabom.example", "nkabom", "editor")
    make_user(application, "viewer@nkabom.example", "nkabom", "viewer")
    make_user(application, "editor@rival.example", "rival", "editor")
    yield application
    db.engine_for(application).dispose()


@pytest.fixture
def studio(studio_app: Flask) -> StudioClient:
    """A studio client signed in as the demo brand's editor."""
    client = StudioClient(studio_app.test_client())
    response = client.login("editor@nkabom.example")
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture
def anonymous(studio_app: Flask) -> StudioClient:
    """A studio client that has not signed in."""
    return StudioClient(studio_app.test_client())
