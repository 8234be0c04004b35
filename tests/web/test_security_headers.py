"""Security headers on every response: HSTS for an https origin, a denying Permissions-Policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from server.web.routes.security import HSTS
from tests.conftest import load_demo, make_app

PATHS = ("/", "/api/openapi.json", "/api/docs", "/livez", "/01/09520123100025/10/NK25-0227")


def _app(tmp_path: Path, redis_url: str, base: str) -> Flask:
    app = make_app(
        tmp_path,
        redis_url,
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}"},
        PUBLIC_BASE_URL=base,
    )
    load_demo(app)
    return app


def _policy(header: str) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in header.split(","))


def test_an_https_origin_gets_hsts_on_every_response(tmp_path: Path, redis_url: str) -> None:
    client = _app(tmp_path, redis_url, "https://brand.example").test_client()
    for path in (*PATHS, "/no-such-page"):
        response = client.get(path)
        assert response.headers["Strict-Transport-Security"] == HSTS, path
    assert HSTS == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("base", ["", "http://brand.example"])
def test_without_an_https_origin_no_hsts_is_sent(tmp_path: Path, redis_url: str, base: str) -> None:
    client = _app(tmp_path, redis_url, base).test_client()
    for path in PATHS:
        assert "Strict-Transport-Security" not in client.get(path).headers, path


def test_permissions_policy_allows_only_xr_tracking_to_the_page_itself(
    tmp_path: Path, redis_url: str
) -> None:
    client = _app(tmp_path, redis_url, "").test_client()
    for path in (*PATHS, "/no-such-page"):
        policy = _policy(client.get(path).headers["Permissions-Policy"])
        allowed = {feature: origins for feature, origins in policy.items() if origins != "()"}
        assert allowed == {"xr-spatial-tracking": "(self)"}, path
        for denied in ("camera", "microphone", "geolocation", "payment", "usb", "fullscreen"):
            assert policy[denied] == "()", (path, denied)
