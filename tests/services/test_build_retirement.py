"""Superseded builds' outputs stop being served: a tightened disclosure policy leaves no
public copy of what it now withholds; switching back rebuilds rather than 404s."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import Brand, Build
from server.core.disclosure.policy import parse_policy
from server.services.brand_settings import save_disclosure
from tests.conftest import work_queue

BATCH = "/01/09520123100025/10/NK25-0227"


def _manifest(app: Flask) -> str:
    html = app.test_client().get(BATCH).get_data(as_text=True)
    match = re.search(r'data-manifest-url="/blobs/([0-9a-f]{64})"', html)
    assert match, "the built page names its scene manifest"
    return match.group(1)


def _set_policy(app: Flask, policy: dict[str, Any] | None) -> None:
    """Change the policy as the studio does (which asks for the rebuild), or drop it."""
    with app.app_context():
        brand = db.session.scalars(select(Brand).where(Brand.slug == "nkabom")).one()
        settings = {k: v for k, v in brand.settings.items() if k != "disclosure"}
        brand.settings = settings
        save_disclosure(db.session, brand, parse_policy(policy or {}))


def test_tightening_the_policy_retires_the_old_public_outputs(app: Flask) -> None:
    client = app.test_client()
    client.get(BATCH)
    work_queue(app)
    first = _manifest(app)
    assert client.get(f"/blobs/{first}").status_code == 200
    _set_policy(app, {"location": "country"})
    client.get(BATCH)
    work_queue(app)
    second = _manifest(app)
    assert second != first
    assert client.get(f"/blobs/{second}").status_code == 200
    assert client.get(f"/blobs/{first}").status_code == 404  # retired with its build
    with app.app_context():
        states = db.session.scalars(select(Build.status).where(Build.kind == "scene")).all()
    assert "retired" in states
    # Back to the default policy: the old fingerprint's build runs again, it is not served
    # from retired blobs.
    _set_policy(app, None)
    client.get(BATCH)
    work_queue(app)
    third = _manifest(app)
    assert third == first  # the same inputs build the same bytes
    assert client.get(f"/blobs/{third}").status_code == 200
    assert client.get(f"/blobs/{second}").status_code == 404
