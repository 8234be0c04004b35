"""`POST /api/scan-events`: the page's beacon, checked strictly, recorded fire-and-forget."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from redis import Redis

from server.core.scans.records import BUFFER_KEY, decode

FLAGGED = "/01/09520123100025/10/NK25-0227"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0.0.0 Mobile Safari/537.36"
URL = "/api/scan-events"


def _buffer(app: Flask) -> list[bytes]:
    return list(Redis.from_url(app.config["REDIS_URL"]).lrange(BUFFER_KEY, 0, -1))


@pytest.mark.parametrize("kind", ["3d", "xr", "ar", "tour_complete"])
def test_a_valid_event_answers_204_and_is_recorded(sqlite_app: Flask, kind: str) -> None:
    client = sqlite_app.test_client()
    response = client.post(
        URL,
        data={"uri": FLAGGED, "kind": kind, "locale": "fr"},
        headers={"User-Agent": PHONE, "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 204 and response.data == b""
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    records = [decode(raw) for raw in _buffer(sqlite_app)]
    assert [(r.gtin, r.lot, r.locale, r.device, r.kind) for r in records if r] == [
        ("09520123100025", "NK25-0227", "fr", "phone", kind)
    ]


def test_without_locale_the_brands_default_is_used(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    data = {"uri": FLAGGED, "kind": "3d"}
    assert client.post(URL, data=data, headers={"User-Agent": PHONE}).status_code == 204
    record = decode(_buffer(sqlite_app)[0])
    assert record is not None and record.locale == "en"


BAD: list[tuple[str, dict[str, Any], int, str | None]] = [
    ("wrong kind", {"data": {"uri": FLAGGED, "kind": "view"}}, 422, "kind"),
    ("no kind", {"data": {"uri": FLAGGED}}, 422, "kind"),
    ("no uri", {"data": {"kind": "3d"}}, 422, "uri"),
    ("absolute uri", {"data": {"uri": "https://evil.example" + FLAGGED, "kind": "3d"}}, 422, "uri"),
    ("malformed uri", {"data": {"uri": "/01/12345/10/X", "kind": "3d"}}, 422, "uri"),
    ("bad check digit", {"data": {"uri": "/01/09520123100026/10/X", "kind": "3d"}}, 422, "uri"),
    ("no lot", {"data": {"uri": "/01/09520123100025", "kind": "3d"}}, 422, "uri"),
    ("long uri", {"data": {"uri": "/01/" + "9" * 300, "kind": "3d"}}, 422, "uri"),
    ("unknown field", {"data": {"uri": FLAGGED, "kind": "3d", "ip": "1.2.3.4"}}, 422, "ip"),
    ("repeated field", {"data": {"uri": FLAGGED, "kind": ["3d", "xr"]}}, 422, "kind"),
    ("unknown locale", {"data": {"uri": FLAGGED, "kind": "3d", "locale": "xx"}}, 422, "locale"),
    ("unknown batch", {"data": {"uri": "/01/09520123100025/10/NOPE", "kind": "3d"}}, 404, None),
    (
        "json body",
        {"json": {"uri": FLAGGED, "kind": "3d"}},
        415,
        None,
    ),
    (
        "too large",
        {"data": {"uri": FLAGGED, "kind": "3d", "locale": "x" * 600}},
        413,
        None,
    ),
    (
        "another site",
        {"data": {"uri": FLAGGED, "kind": "3d"}, "headers": {"Sec-Fetch-Site": "cross-site"}},
        403,
        None,
    ),
]


@pytest.mark.parametrize(("case", "request_args", "status", "path"), BAD, ids=[b[0] for b in BAD])
def test_bad_events_get_a_problem_and_record_nothing(
    sqlite_app: Flask, case: str, request_args: dict[str, Any], status: int, path: str | None
) -> None:
    client = sqlite_app.test_client()
    headers = {"User-Agent": PHONE, **request_args.pop("headers", {})}
    response = client.post(URL, headers=headers, **request_args)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    if path is not None:
        assert path in [issue["path"] for issue in body["errors"]]
    assert _buffer(sqlite_app) == []


def test_other_methods_and_chunked_bodies_are_refused(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    assert client.get(URL).status_code == 405
    chunked = client.post(
        URL,
        input_stream=io.BytesIO(b"uri=x"),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
            "User-Agent": PHONE,
        },
    )
    assert chunked.status_code == 411
    assert _buffer(sqlite_app) == []


def test_a_bots_event_is_accepted_but_not_counted(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    data = {"uri": FLAGGED, "kind": "3d"}
    assert client.post(URL, data=data, headers={"User-Agent": "curl/8.5.0"}).status_code == 204
    assert _buffer(sqlite_app) == []


def test_problem_details_are_translated(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    response = client.post(
        URL, data={"uri": FLAGGED, "kind": "?"}, headers={"Accept-Language": "de"}
    )
    assert response.status_code == 422
    assert response.get_json()["detail"] == "Das Scan-Ereignis ist ungültig."
