"""Behind a proxy: client address, scheme and host from X-Forwarded-*, for trusted hops only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from redis import Redis

from server.core.scans.records import BUFFER_KEY, decode
from server.services import login_throttle
from tests.conftest import load_demo, make_app
from tests.studio.conftest import StudioClient

FLAGGED = "/01/09520123100025/10/NK25-0227"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Mobile Safari/604.1"
SHOPPERS = ("198.51.100.7", "198.51.100.8")


def _app(tmp_path: Path, redis_url: str, hops: int, **extra: Any) -> Flask:
    app = make_app(
        tmp_path,
        redis_url,
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}"},
        TRUSTED_PROXY_HOPS=hops,
        **extra,
    )
    load_demo(app)
    return app


def _visitors(app: Flask) -> set[str]:
    raw = Redis.from_url(app.config["REDIS_URL"]).lrange(BUFFER_KEY, 0, -1)
    return {record.visitor for record in map(decode, raw) if record}


def _scan_from_each_shopper(app: Flask) -> None:
    client = app.test_client()
    for address in SHOPPERS:
        headers = {"User-Agent": PHONE, "X-Forwarded-For": address}
        assert client.get(FLAGGED, headers=headers).status_code == 200


def test_behind_one_proxy_each_forwarded_client_is_its_own_visitor(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, hops=1)
    _scan_from_each_shopper(app)
    assert len(_visitors(app)) == 2


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, hops=0)
    _scan_from_each_shopper(app)
    assert len(_visitors(app)) == 1  # both requests came from the test client's own address


def _sign_in_from(app: Flask, address: str) -> int:
    client = StudioClient(app.test_client())
    headers = {"X-Forwarded-For": address}
    client.get("/studio/login", headers=headers)
    form = {"email": f"someone@{address}.example", "password": "not-the-password"}
    return client.post("/studio/login", form, headers=headers).status_code


def _lock_out(app: Flask, address: str) -> None:
    redis = Redis.from_url(app.config["REDIS_URL"])
    for n in range(login_throttle.PER_CLIENT):
        login_throttle.record_failure(redis, f"user{n}@example.org", address)


def test_behind_one_proxy_the_sign_in_limit_is_per_forwarded_client(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, hops=1)
    _lock_out(app, SHOPPERS[0])
    assert _sign_in_from(app, SHOPPERS[0]) == 429
    assert _sign_in_from(app, SHOPPERS[1]) == 401  # another client behind the same proxy


def test_without_trusted_proxies_a_forged_address_escapes_no_limit(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, hops=0)
    _lock_out(app, SHOPPERS[0])
    assert _sign_in_from(app, SHOPPERS[0]) == 401  # the header is not believed either way
    _lock_out(app, "127.0.0.1")  # the test client's own address
    assert _sign_in_from(app, SHOPPERS[1]) == 429


def _anchor(app: Flask, **headers: str) -> str:
    client = app.test_client()
    linkset = client.get(FLAGGED + "?linkType=linkset", headers=headers).get_json(force=True)
    anchor: str = linkset["linkset"][0]["anchor"]
    return anchor


def test_public_base_url_still_makes_the_links_behind_a_proxy(
    tmp_path: Path, redis_url: str
) -> None:
    app = _app(tmp_path, redis_url, hops=1, PUBLIC_BASE_URL="https://brand.example")
    forwarded = {"X-Forwarded-Host": "internal.lb", "X-Forwarded-Proto": "http"}
    assert _anchor(app, **forwarded) == "https://brand.example" + FLAGGED


def test_without_public_base_url_links_use_the_forwarded_origin_only_when_trusted(
    tmp_path: Path, redis_url: str
) -> None:
    forwarded = {"X-Forwarded-Host": "shop.example", "X-Forwarded-Proto": "https"}
    trusting = _app(tmp_path / "one", redis_url, hops=1)
    assert _anchor(trusting, **forwarded) == "https://shop.example" + FLAGGED
    direct = _app(tmp_path / "none", redis_url, hops=0)
    assert _anchor(direct, **forwarded) == "http://localhost" + FLAGGED
